"""A member applies for a loan on a phone and sees the schedule before sending; the board
approves and pays it out; the member then sees the schedule with the first installment due."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from koperasi.models import Role
from services.loans.models import Loan, LoanProduct
from services.savings.actions import savings_deposit
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_apply_approve_disburse_and_see_the_schedule(live_server, page: Page, browser, screenshot):
    cooperative = CooperativeFactory(name="Koperasi Simpan Pinjam Nelayan Sejahtera")
    product = LoanProduct.objects.create(
        cooperative=cooperative,
        name="Pinjaman Perahu",
        method="flat",
        annual_rate=Decimal("12.00"),
        max_amount=20_000_000,
        min_term=3,
        max_term=24,
    )
    member = make_member(
        cooperative, user=UserFactory(email="wayan@nelayan.test"), full_name="Wayan Sudarsa"
    )
    savings_deposit(
        member=member, kind="sukarela", amount=4_000_000, channel="cash", acting_user=None
    )
    RoleFactory(
        cooperative=cooperative,
        kind=Role.Kind.BOARD,
        title=Role.Title.CHAIR,
        user=UserFactory(email="ketua@nelayan.test", full_name="Made Ketua"),
    )
    base = live_server.url
    slug = cooperative.slug

    # The member fills the application on a phone and previews the schedule (htmx).
    log_in(page, base, "wayan@nelayan.test")
    page.goto(f"{base}/k/{slug}/anggota/pinjaman/ajukan/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Apply for a loan")).to_be_visible()
    page.get_by_label("Loan product").select_option(str(product.pk))
    page.get_by_label("Amount (Rp)").fill("6.000.000")
    page.get_by_label("Term (months)").fill("12")
    page.get_by_label("What is the loan for?").fill("Mesin perahu baru")
    expect(page.locator("#submit-button")).to_have_count(0)
    page.evaluate("window.stillThisPage = true")
    page.get_by_role("button", name="Preview the schedule").click()
    expect(page.locator("#preview-schedule tbody tr")).to_have_count(12)
    assert page.evaluate("window.stillThisPage") is True  # swapped in place by htmx
    expect(page.locator("#preview-schedule #row-1")).to_contain_text("Rp 560.000")
    assert page.url.endswith("/anggota/pinjaman/ajukan/")
    assert Loan.objects.count() == 0
    screenshot(page, "loan-apply-preview")
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator("[data-status=applied]").first).to_be_visible()
    loan = Loan.objects.get()
    assert (loan.amount, loan.term_months, loan.purpose) == (6_000_000, 12, "Mesin perahu baru")

    # The chair approves and pays it out into the member's voluntary savings.
    board = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    board_page = board.new_page()
    log_in(board_page, base, "ketua@nelayan.test")
    board_page.goto(f"{base}/k/{slug}/kelola/pinjaman/")
    board_page.get_by_role("button", name="English").click()
    board_page.get_by_role("link", name=f"#{loan.pk} Pinjaman Perahu").click()
    expect(board_page.locator("#approvals-count")).to_contain_text("0 of 1 approvals given.")
    board_page.get_by_role("button", name="Approve").click()
    expect(board_page.locator("[data-status=approved]").first).to_be_visible()
    board_page.get_by_label("Pay out by").select_option("sukarela")
    board_page.get_by_role("button", name="Pay out").click()
    expect(board_page.locator("[data-status=active]").first).to_be_visible()
    expect(board_page.locator("#outstanding")).to_have_text("Rp 6.000.000")
    board.close()

    # The member sees the fixed schedule: the first installment is still to pay.
    page.goto(f"{base}/k/{slug}/anggota/pinjaman/")
    page.locator(f"#loan-{loan.pk} a").click()
    expect(page.locator("#installments tbody tr")).to_have_count(12)
    expect(page.locator("#installment-1")).to_have_attribute("data-status", "unpaid")
    expect(page.locator("#installment-1 .paid-amount")).to_have_text("Rp 0")
    expect(page.locator("#outstanding")).to_have_text("Rp 6.000.000")
    expect(page.locator("#next-installment")).to_have_text("Rp 560.000")
    expect(page.locator("#repay-form")).to_be_visible()
    screenshot(page, "member-loan-schedule")
