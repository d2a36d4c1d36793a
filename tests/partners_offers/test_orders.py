"""Orders: placing one at the member price, and every step of its life, refused ones too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from koperasi.errors import DomainError
from koperasi.models import Event
from members.models import Member
from partners import offers
from partners.models import Order, Partnership
from tests.partners_offers.conftest import make_offer, make_partner, partnership, today

pytestmark = pytest.mark.django_db


def place(buyer, offer, quantity=3, note="Ambil hari Sabtu") -> Order:
    return offers.order_place(
        member=buyer, offer=offer, quantity=quantity, note=note, acting_user=buyer.user
    )


def snapshot(order: Order) -> dict:
    return Order.objects.filter(pk=order.pk).values().get()


def test_a_member_orders_at_the_member_price(buyer, partner):
    offer = make_offer(partner, price=12_345, discount_percent=Decimal("12.5"))

    order = place(buyer, offer, quantity=4, note="  Ambil hari Sabtu  ")

    order.refresh_from_db()
    assert offer.member_price == 10_802  # 10 801.875 rounded half up
    assert (order.unit_price, order.total, order.quantity) == (10_802, 43_208, 4)
    assert order.status == Order.Status.PLACED
    assert order.note == "Ambil hari Sabtu"
    assert (order.cooperative, order.member, order.partner, order.offer) == (
        buyer.cooperative,
        buyer,
        partner,
        offer,
    )
    event = Event.objects.get(kind="order.placed")
    assert event.cooperative == buyer.cooperative
    assert event.data == {
        "order_id": order.pk,
        "offer_id": offer.pk,
        "partner_id": partner.pk,
        "member_id": buyer.pk,
        "quantity": 4,
        "total": 43_208,
    }


def test_the_price_is_fixed_when_the_order_is_placed(buyer, partner, owner):
    offer = make_offer(partner, price=10_000, discount_percent=Decimal(0))
    order = place(buyer, offer, quantity=2)

    offers.offer_update(
        offer=offer,
        acting_user=owner,
        data={
            "title": offer.title,
            "price": 20_000,
            "discount_percent": Decimal(0),
            "valid_from": offer.valid_from,
            "valid_to": offer.valid_to,
        },
    )

    order.refresh_from_db()
    assert (order.unit_price, order.total) == (10_000, 20_000)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Order between 1 and 999."),
        (1000, "Order between 1 and 999."),
        ("3", "Enter the quantity as a whole number"),
    ],
)
def test_a_wrong_quantity_is_refused(buyer, offer, quantity, message):
    with pytest.raises(DomainError, match=message) as refused:
        place(buyer, offer, quantity=quantity)

    assert refused.value.field == "quantity"
    assert Order.objects.count() == 0


def _withdrawn(partner, owner):
    offer = make_offer(partner)
    offers.offer_withdraw(offer=offer, acting_user=owner)
    return offer


@pytest.mark.parametrize(
    "case",
    ["withdrawn", "expired", "scheduled", "proposed partner", "ended partner", "other cooperative"],
)
def test_an_offer_the_member_cannot_see_cannot_be_ordered(
    case, buyer, partner, owner, other_partner, cooperative
):
    day = today()
    if case == "withdrawn":
        offer = _withdrawn(partner, owner)
    elif case == "expired":
        offer = make_offer(
            partner, valid_from=day - dt.timedelta(days=9), valid_to=day - dt.timedelta(days=1)
        )
    elif case == "scheduled":
        offer = make_offer(partner, valid_from=day + dt.timedelta(days=1))
    elif case == "proposed partner":
        proposed = make_partner("UD Baru")
        partnership(cooperative, proposed, Partnership.Status.PROPOSED)
        offer = make_offer(proposed)
    elif case == "ended partner":
        ended = make_partner("UD Lama")
        partnership(cooperative, ended, Partnership.Status.ENDED)
        offer = make_offer(ended)
    else:
        offer = make_offer(other_partner)

    with pytest.raises(DomainError, match="This offer is no longer available"):
        place(buyer, offer)

    assert Order.objects.count() == 0
    assert not Event.objects.filter(kind="order.placed").exists()


def test_a_member_who_left_cannot_order(buyer, offer):
    Member.objects.filter(pk=buyer.pk).update(status=Member.Status.RESIGNED)
    buyer.refresh_from_db()

    with pytest.raises(DomainError, match="Only an active member can order"):
        place(buyer, offer)

    assert Order.objects.count() == 0


def test_nobody_orders_for_another_member(buyer, other_buyer, offer):
    with pytest.raises(DomainError, match="Only the member themselves"):
        offers.order_place(
            member=buyer, offer=offer, quantity=1, note="", acting_user=other_buyer.user
        )

    assert Order.objects.count() == 0


def test_confirm_then_fulfil(buyer, offer, owner, staff):
    order = place(buyer, offer)

    order = offers.order_confirm(order=order, acting_user=staff)
    assert order.status == Order.Status.CONFIRMED
    assert order.decided_by == staff
    order = offers.order_fulfil(order=order, acting_user=owner)

    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED
    assert order.decided_by == owner
    assert list(
        Event.objects.filter(kind__startswith="order.")
        .order_by("pk")
        .values_list("kind", flat=True)
    ) == ["order.placed", "order.confirmed", "order.fulfilled"]


@pytest.mark.parametrize("start", ["placed", "confirmed"])
def test_reject_with_a_reason(buyer, offer, owner, start):
    order = place(buyer, offer)
    if start == "confirmed":
        order = offers.order_confirm(order=order, acting_user=owner)

    order = offers.order_reject(order=order, acting_user=owner, reason="  Stok   habis ")

    order.refresh_from_db()
    assert (order.status, order.reason) == (Order.Status.REJECTED, "Stok habis")
    assert Event.objects.get(kind="order.rejected").data["reason"] == "Stok habis"


def test_reject_without_a_reason_is_refused(buyer, offer, owner):
    order = place(buyer, offer)
    before = snapshot(order)

    with pytest.raises(DomainError, match="Tell the member why") as refused:
        offers.order_reject(order=order, acting_user=owner, reason="   ")

    assert refused.value.field == "reason"
    assert snapshot(order) == before


def test_the_member_cancels_while_placed(buyer, offer):
    order = place(buyer, offer)

    order = offers.order_cancel(order=order, acting_user=buyer.user)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.decided_by == buyer.user
    assert Event.objects.filter(kind="order.cancelled").count() == 1


def _to(status, order, owner, buyer):
    if status in {"confirmed", "fulfilled"}:
        order = offers.order_confirm(order=order, acting_user=owner)
    if status == "fulfilled":
        order = offers.order_fulfil(order=order, acting_user=owner)
    if status == "rejected":
        order = offers.order_reject(order=order, acting_user=owner, reason="Habis")
    if status == "cancelled":
        order = offers.order_cancel(order=order, acting_user=buyer.user)
    return order


REFUSED = [
    ("confirmed", "confirm", "Only a placed order can be confirmed."),
    ("fulfilled", "confirm", "Only a placed order can be confirmed."),
    ("rejected", "confirm", "Only a placed order can be confirmed."),
    ("cancelled", "confirm", "Only a placed order can be confirmed."),
    ("placed", "fulfil", "Only a confirmed order can be marked as fulfilled."),
    ("fulfilled", "fulfil", "Only a confirmed order can be marked as fulfilled."),
    ("rejected", "fulfil", "Only a confirmed order can be marked as fulfilled."),
    ("cancelled", "fulfil", "Only a confirmed order can be marked as fulfilled."),
    ("fulfilled", "reject", "Only a placed or confirmed order can be rejected."),
    ("rejected", "reject", "Only a placed or confirmed order can be rejected."),
    ("cancelled", "reject", "Only a placed or confirmed order can be rejected."),
    ("confirmed", "cancel", "Only an order the partner has not decided on yet can be cancelled."),
    ("fulfilled", "cancel", "Only an order the partner has not decided on yet can be cancelled."),
    ("rejected", "cancel", "Only an order the partner has not decided on yet can be cancelled."),
    ("cancelled", "cancel", "Only an order the partner has not decided on yet can be cancelled."),
]


@pytest.mark.parametrize(("status", "step", "message"), REFUSED)
def test_a_step_the_status_does_not_allow_changes_nothing(
    buyer, offer, owner, status, step, message
):
    order = _to(status, place(buyer, offer), owner, buyer)
    before = snapshot(order)
    events = Event.objects.count()

    steps = {
        "confirm": lambda: offers.order_confirm(order=order, acting_user=owner),
        "fulfil": lambda: offers.order_fulfil(order=order, acting_user=owner),
        "reject": lambda: offers.order_reject(order=order, acting_user=owner, reason="Tidak bisa"),
        "cancel": lambda: offers.order_cancel(order=order, acting_user=buyer.user),
    }

    with pytest.raises(DomainError) as refused:
        steps[step]()

    assert refused.value.message == message
    assert snapshot(order) == before
    assert Event.objects.count() == events


@pytest.mark.parametrize("step", ["confirm", "reject", "fulfil"])
def test_another_partner_cannot_decide(buyer, offer, owner, other_owner, step):
    order = place(buyer, offer)
    if step == "fulfil":
        order = offers.order_confirm(order=order, acting_user=owner)
    before = snapshot(order)

    steps = {
        "confirm": lambda: offers.order_confirm(order=order, acting_user=other_owner),
        "reject": lambda: offers.order_reject(order=order, acting_user=other_owner, reason="x"),
        "fulfil": lambda: offers.order_fulfil(order=order, acting_user=other_owner),
    }

    with pytest.raises(DomainError, match="Only the partner's owner and staff"):
        steps[step]()

    assert snapshot(order) == before


def test_another_member_cannot_cancel(buyer, other_buyer, offer):
    order = place(buyer, offer)
    before = snapshot(order)

    with pytest.raises(DomainError, match="Only the member who placed the order"):
        offers.order_cancel(order=order, acting_user=other_buyer.user)

    assert snapshot(order) == before


def test_fulfil_runs_inside_an_outer_transaction(buyer, offer, owner):
    """As when a purchase is recorded: the fulfilment commits or rolls back with it."""
    order = offers.order_confirm(order=place(buyer, offer), acting_user=owner)

    with transaction.atomic():
        fulfilled = offers.order_fulfil(order=order, acting_user=owner)
        assert fulfilled.status == Order.Status.FULFILLED

    order.refresh_from_db()
    assert order.status == Order.Status.FULFILLED

    placed = place(buyer, offer)
    before = snapshot(placed)
    with transaction.atomic():
        with pytest.raises(DomainError):
            offers.order_fulfil(order=placed, acting_user=owner)
        # the outer transaction goes on: the refusal left the order as it was
        assert snapshot(placed) == before
