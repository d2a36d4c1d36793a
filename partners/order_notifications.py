"""Notifications for order events (see partners/wiring.py).

A new or cancelled order tells the partner's people (owner and staff), with a link to the
order in the partner portal; the partner's decisions tell the member, with a link to their
orders page.
"""

from __future__ import annotations

from django.urls import reverse

from koperasi.models import Event
from koperasi.notifications.outbox import Recipient, notify
from partners.models import Order, PartnerUser
from partners.wiring import handles


def _order(event: Event) -> Order:
    return Order.objects.select_related("offer", "partner", "member__user", "cooperative").get(
        pk=event.data["order_id"]
    )


def _context(order: Order, event: Event) -> dict:
    return {"order": order, "offer": order.offer, "partner": order.partner, "member": order.member}


@handles("order.placed")
@handles("order.cancelled")
def _tell_partner(event: Event) -> None:
    order = _order(event)
    people = (
        PartnerUser.objects.filter(partner=order.partner_id).select_related("user").order_by("pk")
    )
    notify(
        kind=event.kind,
        recipients=[Recipient.of_user(person.user) for person in people if person.user.is_active],
        cooperative=order.cooperative,
        context=_context(order, event),
        link=reverse("partners:order-detail", args=[order.pk]),
        dedupe_key=f"event-{event.pk}",
    )


@handles("order.confirmed")
@handles("order.rejected")
@handles("order.fulfilled")
def _tell_member(event: Event) -> None:
    order = _order(event)
    member = order.member
    if member.user_id is None and not member.email and not member.phone:
        return
    notify(
        kind=event.kind,
        recipients=[Recipient.of_member(member)],
        cooperative=order.cooperative,
        context=_context(order, event),
        link=reverse("koperasi:member-order-list", args=[order.cooperative.slug]),
        dedupe_key=f"event-{event.pk}",
    )
