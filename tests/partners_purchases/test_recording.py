"""Recording a purchase: who may, what is refused (and changes nothing), replays, orders."""

from __future__ import annotations

import datetime as dt

import pytest

from koperasi.errors import DomainError
from koperasi.models import Event
from koperasi.notifications.models import Notification
from members.models import Member
from partners.models import Offer, Order, Partnership, Purchase, PurchaseCode
from partners.purchases import MAX_AMOUNT, purchase_code_issue, purchase_record
from tests.partners_purchases.conftest import add_partner_user, make_partner, partnership

pytestmark = pytest.mark.django_db


def state():
    """Everything a refused recording must leave alone."""
    return (
        list(Purchase.objects.values_list("id", flat=True)),
        list(PurchaseCode.objects.values_list("id", "used_at", "failed_attempts")),
        list(Order.objects.values_list("id", "status")),
        Event.objects.filter(kind="purchase.recorded").count(),
        Notification.objects.filter(kind="purchase.recorded").count(),
    )


def attempt(partner, owner, member, code, **overrides):
    data = {
        "partner": partner,
        "acting_user": owner,
        "cooperative": member.cooperative,
        "member_number": member.number,
        "code": code.code,
        "amount": 100_000,
    }
    data.update(overrides)
    return purchase_record(**data)


def make_order(partner, member, status=Order.Status.CONFIRMED) -> Order:
    offer = Offer.objects.create(
        partner=partner, title="Beras 5 kg", price=80_000, valid_from=dt.date(2025, 1, 1)
    )
    return Order.objects.create(
        cooperative=member.cooperative,
        member=member,
        partner=partner,
        offer=offer,
        quantity=2,
        unit_price=76_000,
        total=152_000,
        status=status,
    )


def test_the_member_is_told_with_a_link_to_their_purchases(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    attempt(partner, owner, buyer, code, amount=125_000)

    notification = Notification.objects.get(kind="purchase.recorded")
    assert notification.recipient == buyer.user
    assert notification.link == f"/k/{buyer.cooperative.slug}/anggota/mitra/belanja/"
    assert notification.title == "Purchase at PT Tani Makmur: Rp 125.000"


@pytest.mark.parametrize(
    ("status", "field"),
    [(Partnership.Status.PROPOSED, "cooperative"), (Partnership.Status.ENDED, "cooperative")],
)
def test_no_active_partnership_no_purchase(cooperative, buyer, status, field):
    partner = make_partner("UD Tanpa Kemitraan")
    partnership(cooperative, partner, status=status)
    user = add_partner_user(partner)
    code = purchase_code_issue(member=buyer)
    before = state()

    with pytest.raises(DomainError) as refused:
        attempt(partner, user, buyer, code)

    assert refused.value.message == "Your business has no active partnership with this cooperative."
    assert refused.value.field == field
    assert state() == before


def test_a_partner_of_another_cooperative_cannot_record(other_cooperative, buyer, outsider):
    partner = make_partner("Toko Lain")
    partnership(other_cooperative, partner)
    user = add_partner_user(partner)
    code = purchase_code_issue(member=buyer)
    before = state()

    with pytest.raises(DomainError, match="no active partnership"):
        attempt(partner, user, buyer, code)
    assert state() == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": 0}, "Enter the amount paid in whole Rupiah, above zero."),
        ({"amount": -5_000}, "Enter the amount paid in whole Rupiah, above zero."),
        ({"amount": MAX_AMOUNT + 1}, "The amount is too large"),
        ({"discount": -1}, "The discount must be whole Rupiah, zero or more."),
        ({"description": "x" * 201}, "The description is too long."),
    ],
)
def test_bad_amounts_are_refused(partner, owner, buyer, overrides, message):
    code = purchase_code_issue(member=buyer)
    before = state()

    with pytest.raises(DomainError, match=message):
        attempt(partner, owner, buyer, code, **overrides)
    assert state() == before


def test_the_cap_itself_is_allowed(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)

    assert attempt(partner, owner, buyer, code, amount=MAX_AMOUNT).amount == MAX_AMOUNT


def test_a_member_who_left_cannot_buy_with_an_old_code(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    Member.objects.filter(pk=buyer.pk).update(status=Member.Status.RESIGNED)
    before = state()

    with pytest.raises(DomainError, match="This member is not active"):
        attempt(partner, owner, buyer, code)
    assert state() == before


def test_a_purchase_settles_a_confirmed_order(partner, owner, buyer):
    order = make_order(partner, buyer)
    code = purchase_code_issue(member=buyer)

    purchase = attempt(partner, owner, buyer, code, amount=152_000, order=order)

    order.refresh_from_db()
    assert (purchase.order, order.status, order.decided_by) == (
        order,
        Order.Status.FULFILLED,
        owner,
    )
    assert Event.objects.filter(kind="order.fulfilled").count() == 1


@pytest.mark.parametrize("case", ["placed", "other_member", "other_partner", "already_paid"])
def test_an_order_that_cannot_be_settled_refuses_the_purchase(
    partner, owner, buyer, other_buyer, other_partner, case
):
    order = {
        "placed": lambda: make_order(partner, buyer, Order.Status.PLACED),
        "other_member": lambda: make_order(partner, other_buyer),
        "other_partner": lambda: make_order(other_partner, buyer),
        "already_paid": lambda: make_order(partner, buyer),
    }[case]()
    if case == "already_paid":
        first = purchase_code_issue(member=buyer)
        attempt(partner, owner, buyer, first, order=order)
        Order.objects.filter(pk=order.pk).update(status=Order.Status.CONFIRMED)
    code = purchase_code_issue(member=buyer)
    before = state()

    with pytest.raises(DomainError) as refused:
        attempt(partner, owner, buyer, code, order=order)

    assert refused.value.field == "order"
    assert state() == before


# Idempotency


def test_a_replay_returns_the_first_purchase_and_uses_no_code(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    first = attempt(partner, owner, buyer, code, idempotency_key="till-7-0001", fingerprint="abc")
    newer = purchase_code_issue(member=buyer)

    again = attempt(partner, owner, buyer, code, idempotency_key="till-7-0001", fingerprint="abc")

    newer.refresh_from_db()
    assert again.pk == first.pk
    assert Purchase.objects.count() == 1
    assert (newer.used_at, newer.failed_attempts) == (None, 0)
    assert Event.objects.filter(kind="purchase.recorded").count() == 1


def test_the_fingerprint_defaults_to_the_content(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    first = attempt(partner, owner, buyer, code, idempotency_key="k1")

    assert attempt(partner, owner, buyer, code, idempotency_key="k1").pk == first.pk
    with pytest.raises(DomainError, match="already used for a different purchase"):
        attempt(partner, owner, buyer, code, idempotency_key="k1", amount=100_001)
    assert Purchase.objects.count() == 1


def test_the_same_key_with_other_content_is_refused(partner, owner, buyer):
    code = purchase_code_issue(member=buyer)
    attempt(partner, owner, buyer, code, idempotency_key="k2", fingerprint="first")
    newer = purchase_code_issue(member=buyer)
    before = state()

    with pytest.raises(DomainError, match="already used for a different purchase"):
        attempt(partner, owner, buyer, newer, idempotency_key="k2", fingerprint="second")
    assert state() == before


def test_keys_belong_to_one_partner(partner, owner, other_partner, other_owner, buyer):
    first = attempt(partner, owner, buyer, purchase_code_issue(member=buyer), idempotency_key="k")

    second = attempt(
        other_partner, other_owner, buyer, purchase_code_issue(member=buyer), idempotency_key="k"
    )

    assert first.pk != second.pk
    assert Purchase.objects.count() == 2
