"""Which event tells whom. Runs inside the event's transaction (koperasi.events)."""

from __future__ import annotations

from django.urls import reverse

from koperasi.models import Event, Role
from koperasi.notifications import month_end
from koperasi.notifications.outbox import Recipient, notify


def _board(cooperative) -> list[Recipient]:
    roles = Role.objects.filter(cooperative=cooperative, kind=Role.Kind.BOARD).select_related(
        "user"
    )
    return [Recipient.of_user(role.user) for role in roles]


def _member(event: Event):
    from members.models import Member

    return Member.objects.select_related("user").get(pk=event.data["member_id"])


def _cooperative_decided(event: Event) -> None:
    cooperative = event.cooperative
    notify(
        kind=event.kind,
        recipients=_board(cooperative),
        cooperative=cooperative,
        context={"reason": event.data.get("reason", "")},
        link=reverse("koperasi:dashboard", args=[cooperative.slug]),
        dedupe_key=f"event-{event.pk}",
    )


def _member_decided(event: Event) -> None:
    member = _member(event)
    notify(
        kind=event.kind,
        recipients=[Recipient.of_member(member)],
        cooperative=event.cooperative,
        context={"member": member, "reason": event.data.get("reason", "")},
        link=reverse("koperasi:member-home", args=[event.cooperative.slug])
        if event.kind == "member.approved"
        else "",
        dedupe_key=f"event-{event.pk}",
    )


def _money_moved(event: Event) -> None:
    member = _member(event)
    if member.user_id is None and not member.email and not member.phone:
        return
    notify(
        kind=event.kind,
        recipients=[Recipient.of_member(member)],
        cooperative=event.cooperative,
        context={"member": member, "data": event.data},
        link=reverse("koperasi:member-home", args=[event.cooperative.slug]),
        dedupe_key=f"event-{event.pk}",
    )


HANDLERS = {
    "cooperative.verified": _cooperative_decided,
    "cooperative.rejected": _cooperative_decided,
    "member.approved": _member_decided,
    "member.rejected": _member_decided,
    "savings.deposited": _money_moved,
    "savings.withdrawn": _money_moved,
    "withdrawal.approved": _money_moved,
    "withdrawal.rejected": _money_moved,
    "savings.month_end": month_end.notify_month_end,
}


def notify_for_event(event: Event) -> None:
    handler = HANDLERS.get(event.kind)
    if handler is not None:
        handler(event)
