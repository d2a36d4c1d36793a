"""The chair opens the cooperative's dashboard on a phone: figures with their charts and what
waits; follows the withdrawal request to its page. Then the same dashboard on a wide screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from koperasi.models import Role
from members.actions import member_apply
from services.savings.actions import add_months, withdrawal_request_create
from tests.dashboards.conftest import admit, deposit
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, member_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_chair_reads_the_dashboard_and_follows_a_to_do(
    live_server, page: Page, browser, screenshot
):
    cooperative = CooperativeFactory(name="Koperasi Simpan Pinjam Tani Makmur")
    chair = RoleFactory(
        cooperative=cooperative,
        kind=Role.Kind.BOARD,
        title=Role.Title.CHAIR,
        user=UserFactory(email="ketua@tanimakmur.test", full_name="Sutrisno"),
    ).user
    today = timezone.localdate()
    start = add_months(today.replace(day=1), -10)
    sari = admit(cooperative, start, chair=chair, full_name="Sari Wulandari")
    joko = admit(cooperative, add_months(start, 4), chair=chair, full_name="Joko Susilo")
    deposit(sari, "pokok", 100_000, start)
    deposit(joko, "pokok", 100_000, add_months(start, 4))
    for month in range(0, 10, 2):
        deposit(sari, "wajib", 50_000, add_months(start, month) + dt.timedelta(days=9))
    deposit(sari, "sukarela", 1_500_000, add_months(start, 3))
    deposit(joko, "sukarela", 700_000, add_months(start, 7))
    withdrawal_request_create(
        member=sari,
        amount=400_000,
        bank_name="BRI",
        bank_account_number="0987654321",
        bank_account_holder="Sari Wulandari",
    )
    member_apply(cooperative=cooperative, data=member_data(full_name="Rina Marlina"))
    base = live_server.url
    slug = cooperative.slug

    # On a phone: the dashboard with its charts and the to-do list.
    log_in(page, base, "ketua@tanimakmur.test")
    page.goto(f"{base}/k/{slug}/kelola/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Waiting for you")).to_be_visible()
    expect(page.locator("#stat-members strong")).to_have_text("2")
    expect(page.locator("#stat-savings strong")).to_have_text("Rp 2.650.000")
    for chart in ("members", "savings", "loans", "par30", "participation"):
        expect(page.locator(f"svg#chart-{chart}")).to_be_visible()
    expect(page.locator("#to-do-applications")).to_contain_text("1 membership application")
    expect(page.locator("#to-do-withdrawals")).to_contain_text("1 withdrawal request")
    expect(page.locator("#par30-gaps")).to_contain_text("11 months have no snapshot")
    screenshot(page, "board-dashboard")

    # The figures behind a chart open on demand.
    page.locator("#savings-trend summary").click()
    expect(page.locator("#savings-trend tbody tr").first).to_contain_text("Rp 2.200.000")

    # The to-do item leads to the page where the request is decided.
    page.locator("#to-do-withdrawals a").click()
    expect(page).to_have_url(f"{base}/k/{slug}/kelola/penarikan/")
    expect(page.get_by_text("Sari Wulandari").first).to_be_visible()

    # On a wide screen the cards sit side by side.
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    wide_page = wide.new_page()
    log_in(wide_page, base, "ketua@tanimakmur.test")
    wide_page.goto(f"{base}/k/{slug}/kelola/")
    members_box = wide_page.locator("#members-trend").bounding_box()
    savings_box = wide_page.locator("#savings-trend").bounding_box()
    assert members_box["y"] == savings_box["y"]
    assert savings_box["x"] > members_box["x"]
    wide.close()


def test_platform_staff_read_the_overview_and_open_the_queue(
    live_server, page: Page, browser, screenshot
):
    verified = CooperativeFactory(name="Koperasi Nelayan Bahari", province_id="51")
    verified.regency_id = "51.02"
    verified.save(update_fields=["regency"])
    chair = RoleFactory(cooperative=verified, kind=Role.Kind.BOARD).user
    member = admit(verified, timezone.localdate(), chair=chair, full_name="Ketut Rahasia")
    deposit(member, "sukarela", 800_000, timezone.localdate())
    pending = CooperativeFactory(name="Koperasi Petani Kopi Kintamani", status="pending")
    UserFactory(email="fasilitator@platform.test", is_platform_staff=True)
    base = live_server.url

    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    wide_page = wide.new_page()
    log_in(wide_page, base, "fasilitator@platform.test")
    wide_page.goto(f"{base}/platform/")
    wide_page.get_by_role("button", name="English").click()
    expect(wide_page.locator("#total-members strong")).to_have_text("1")
    expect(wide_page.locator("#total-savings strong")).to_have_text("Rp 800.000")
    expect(wide_page.locator("svg#chart-provinces")).to_be_visible()
    expect(wide_page.locator("#rat-summary")).to_contain_text("0 of 1 verified cooperatives")
    expect(wide_page.locator("#no-trend")).to_be_visible()  # no evening snapshot yet
    assert "Ketut Rahasia" not in wide_page.content()
    wide_page.get_by_role("link", name="Koperasi Petani Kopi Kintamani").click()
    expect(wide_page).to_have_url(f"{base}/platform/koperasi/{pending.pk}/")
    wide.close()

    log_in(page, base, "fasilitator@platform.test")
    page.goto(f"{base}/platform/")
    expect(page.locator("svg#chart-types")).to_be_visible()
    screenshot(page, "platform-dashboard")
