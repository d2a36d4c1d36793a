"""Notifications for purchase events (see partners/wiring.py)."""

from __future__ import annotations

from django.urls import reverse

from koperasi.models import Event
from koperasi.notifications.outbox import Recipient, notify
from members.models import Member
from partners.wiring import handles


@handles("purchase.recorded")
def purchase_recorded(event: Event) -> None:
    """Tell the member a partner recorded their purchase (so a wrong one is noticed)."""
    member = Member.objects.select_related("user").get(pk=event.data["member_id"])
    if member.user_id is None:
        return  # in-app only: a member without an account has no inbox
    notify(
        kind=event.kind,
        recipients=[Recipient.of_member(member)],
        cooperative=event.cooperative,
        context={"member": member, "data": event.data},
        link=reverse("koperasi:member-purchase-list", args=[event.cooperative.slug]),
        dedupe_key=f"event-{event.pk}",
    )
