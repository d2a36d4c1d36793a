"""A partner and a member on their phones: the partner publishes an offer, the member orders
it, the partner confirms the order, and at the till records the purchase with the code the
member's portal shows; the purchase settles the order and counts in the member's participation
("used the cooperative's services")."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from koperasi.models import Role
from partners.models import Offer, Order, Partner, Partnership, PartnerUser, Purchase
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_offer_order_code_purchase_and_participation(
    live_server, page: Page, browser: Browser, browser_context_args, screenshot
):
    cooperative = CooperativeFactory(name="Koperasi Serba Usaha Tani Makmur")
    chair = RoleFactory(cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR).user
    partner = Partner.objects.create(
        name="UD Pupuk Subur",
        npwp="012345678901000",
        kind=Partner.Kind.SUPPLIER,
        address="Jl. Raya Lembang No. 10",
        phone="+6281234567890",
        email="sales@subur.test",
    )
    owner = UserFactory(email="mitra@subur.test", full_name="Hendra Subur")
    PartnerUser.objects.create(partner=partner, user=owner, role=PartnerUser.Role.OWNER)
    Partnership.objects.create(
        cooperative=cooperative,
        partner=partner,
        terms="Harga khusus anggota",
        valid_from=timezone.localdate(),
        status=Partnership.Status.ACTIVE,
        commission_percent=Decimal("2"),
        accepted_by_cooperative_by=chair,
        accepted_by_partner_by=owner,
    )
    wayan = make_member(
        cooperative, user=UserFactory(email="wayan@tani.test"), full_name="Wayan Sudarsa"
    )
    base, slug = live_server.url, cooperative.slug

    # The partner publishes an offer (in English).
    log_in(page, base, "mitra@subur.test")
    page.goto(f"{base}/mitra/penawaran/baru/")
    page.get_by_role("button", name="English").click()
    page.locator("#id_title").fill("Pupuk Urea 50 kg")
    page.locator("#id_unit").fill("sack")
    page.locator("#id_price").fill("250.000")
    page.locator("#id_discount_percent").fill("10")
    page.locator("#id_valid_from").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save the offer").click()
    offer = Offer.objects.get(partner=partner)
    expect(page.locator(f"#offer-{offer.pk}")).to_contain_text("Pupuk Urea 50 kg")
    expect(page.locator(f"#offer-{offer.pk}")).to_contain_text("Rp 225.000")

    # The member orders two sacks, on their own phone.
    member_context = browser.new_context(**browser_context_args)
    member = member_context.new_page()
    log_in(member, base, "wayan@tani.test")
    member.goto(f"{base}/k/{slug}/anggota/mitra/penawaran/")
    member.get_by_role("button", name="English").click()
    member.get_by_role("link", name="Pupuk Urea 50 kg").click()
    member.locator("#id_quantity").fill("2")
    member.get_by_role("button", name="Place the order").click()
    order = Order.objects.get(member=wayan)
    expect(member.locator(f"#order-{order.pk}")).to_have_attribute("data-status", "placed")
    assert order.total == 450_000

    # The partner confirms the order.
    page.goto(f"{base}/mitra/pesanan/")
    page.get_by_role("button", name=f"Confirm order #{order.pk}").click()
    expect(page.locator(f"#order-{order.pk}")).to_have_attribute("data-status", "confirmed")

    # At the shop, the member opens their shopping code.
    member.goto(f"{base}/k/{slug}/anggota/mitra/kode-belanja/")
    member.get_by_role("button", name="Get a code").click()
    expect(member.locator("#code")).to_have_text(re.compile(r"^\d{6}$"))
    code = member.locator("#code").inner_text().strip()
    number = member.locator("#member-number").inner_text().strip()
    expect(member.locator("#code-qr svg")).to_be_visible()
    screenshot(member, "member-code")

    # The partner records the purchase with that code; it pays the confirmed order.
    page.goto(f"{base}/mitra/pembelian/catat/")
    page.locator("#id_cooperative").select_option(str(cooperative.pk))
    page.locator("#id_member_number").fill(number)
    page.locator("#id_code").fill(code)
    page.locator("#id_amount").fill("450.000")
    page.locator("#id_discount").fill("50.000")
    page.locator("#id_description").fill("Pupuk Urea 50 kg x 2")
    page.locator("#id_order").select_option(str(order.pk))
    screenshot(page, "record")
    page.get_by_role("button", name="Record the purchase").click()
    expect(page.locator("#purchase-amount")).to_have_text("Rp 450.000")
    expect(page.locator(".messages")).to_contain_text(
        f"Purchase of Rp 450.000 recorded for member {number}"
    )
    purchase = Purchase.objects.get()
    order.refresh_from_db()
    assert (purchase.member, purchase.amount, purchase.order, order.status) == (
        wayan,
        450_000,
        order,
        Order.Status.FULFILLED,
    )
    screenshot(page, "recorded")

    # The member sees the purchase, and it counts as using the cooperative's services.
    member.goto(f"{base}/k/{slug}/anggota/mitra/belanja/")
    expect(member.locator(f"#purchase-{purchase.pk}")).to_contain_text("UD Pupuk Subur")
    expect(member.locator(f"#purchase-{purchase.pk}")).to_contain_text("Rp 450.000")
    member.goto(f"{base}/k/{slug}/anggota/partisipasi/")
    expect(member.locator("#part-services td").first).to_have_text("Yes")
    expect(member.locator("#part-services td").first).to_have_attribute("data-used", "1")
    screenshot(member, "participation")

    # The partner's monthly settlement shows the fee due: 2 % of 450.000.
    page.goto(f"{base}/mitra/penyelesaian/")
    today = timezone.localdate()
    row = page.locator(f"#month-{today.year}-{today.month}")
    expect(row).to_contain_text("Provisional")
    expect(row.locator("td").nth(3)).to_have_text("Rp 9.000")
    member_context.close()
