"""Who hears about an order: the partner's people about new and cancelled orders, the member
about the partner's decisions."""

from __future__ import annotations

import pytest

from koperasi.notifications.models import Notification
from partners import offers
from partners.models import PartnerUser
from tests.partners_offers.conftest import add_partner_user

pytestmark = pytest.mark.django_db
X = "\u00d7"  # the multiplication sign the messages use


def place(buyer, offer, quantity=2):
    return offers.order_place(
        member=buyer, offer=offer, quantity=quantity, note="", acting_user=buyer.user
    )


def test_a_new_order_tells_the_partners_owner_and_staff(
    buyer, offer, owner, staff, other_owner, partner
):
    order = place(buyer, offer)

    rows = Notification.objects.filter(kind="order.placed").order_by("recipient_id")
    assert [n.recipient for n in rows] == [owner, staff]
    first = rows[0]
    assert first.link == f"/mitra/pesanan/{order.pk}/"
    assert first.cooperative == buyer.cooperative
    assert first.title == f"New order #{order.pk} from Sri Wahyuni"
    assert first.body == (
        f"Sri Wahyuni, a member of {buyer.cooperative.name}, ordered 2 {X} Pupuk Urea 50 kg for "
        "Rp 450.000. Confirm or reject the order in the partner portal."
    )
    assert not Notification.objects.filter(recipient=other_owner).exists()
    assert not Notification.objects.filter(recipient=buyer.user, kind__startswith="order.").exists()


def test_a_cancelled_order_tells_the_partner(buyer, offer, owner, partner):
    staff = add_partner_user(partner, PartnerUser.Role.STAFF)
    order = place(buyer, offer)

    offers.order_cancel(order=order, acting_user=buyer.user)

    rows = Notification.objects.filter(kind="order.cancelled").order_by("recipient_id")
    assert [n.recipient for n in rows] == [owner, staff]
    assert rows[0].title == f"Order #{order.pk} cancelled by the member"
    assert rows[0].link == f"/mitra/pesanan/{order.pk}/"


@pytest.mark.parametrize(
    ("step", "title", "body"),
    [
        (
            "confirm",
            "Order #{id} confirmed",
            f"PT Tani Makmur confirmed your order for 2 {X} Pupuk Urea 50 kg (Rp 450.000).",
        ),
        (
            "reject",
            "Order #{id} rejected",
            f"PT Tani Makmur rejected your order for 2 {X} Pupuk Urea 50 kg. "
            "The reason: Stok habis",
        ),
        (
            "fulfil",
            "Order #{id} fulfilled",
            f"PT Tani Makmur has fulfilled your order for 2 {X} Pupuk Urea 50 kg. Thank you for "
            "using your cooperative's partners.",
        ),
    ],
)
def test_the_partners_decisions_tell_the_member(buyer, offer, owner, staff, step, title, body):
    order = place(buyer, offer)
    if step == "confirm":
        offers.order_confirm(order=order, acting_user=owner)
    elif step == "reject":
        offers.order_reject(order=order, acting_user=owner, reason="Stok habis")
    else:
        offers.order_fulfil(
            order=offers.order_confirm(order=order, acting_user=owner), acting_user=owner
        )

    kind = {"confirm": "order.confirmed", "reject": "order.rejected", "fulfil": "order.fulfilled"}[
        step
    ]
    notification = Notification.objects.get(kind=kind)
    assert notification.recipient == buyer.user
    assert notification.title == title.format(id=order.pk)
    assert notification.body == body
    assert notification.link == f"/k/{buyer.cooperative.slug}/anggota/mitra/pesanan/"
    assert not Notification.objects.filter(kind=kind, recipient__in=[owner, staff]).exists()


def test_a_refused_step_tells_nobody(buyer, offer, owner):
    order = place(buyer, offer)
    before = Notification.objects.count()

    with pytest.raises(offers.DomainError):
        offers.order_fulfil(order=order, acting_user=owner)

    assert Notification.objects.count() == before
