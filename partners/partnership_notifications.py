"""Notifications for partnership events (see partners/wiring.py).

A proposal tells the other side: the cooperative's board when the partner proposed, the
partner's owners when the cooperative did. An activation tells both sides. An end (or a
withdrawn proposal) tells the other side, with the reason given.
"""

from __future__ import annotations

from django.urls import reverse

from koperasi.models import Event, Role
from koperasi.notifications.outbox import Recipient, notify
from partners.actions import (
    COOPERATIVE_SIDE,
    PARTNERSHIP_ACTIVATED,
    PARTNERSHIP_ENDED,
    PARTNERSHIP_PROPOSED,
)
from partners.models import Partnership, PartnerUser
from partners.wiring import handles


def _board(partnership: Partnership) -> list[Recipient]:
    roles = Role.objects.filter(
        cooperative_id=partnership.cooperative_id, kind=Role.Kind.BOARD
    ).select_related("user")
    return [Recipient.of_user(role.user) for role in roles]


def _owners(partnership: Partnership) -> list[Recipient]:
    owners = PartnerUser.objects.filter(
        partner_id=partnership.partner_id, role=PartnerUser.Role.OWNER
    ).select_related("user")
    return [Recipient.of_user(owner.user) for owner in owners]


def _partnership(event: Event) -> Partnership:
    return Partnership.objects.select_related("cooperative", "partner").get(
        pk=event.data["partnership_id"]
    )


def _tell(event: Event, partnership: Partnership, recipients: list[Recipient], link: str) -> None:
    if not recipients:
        return
    notify(
        kind=event.kind,
        recipients=recipients,
        cooperative=partnership.cooperative,
        context={
            "partnership": partnership,
            "partner": partnership.partner,
            "reason": event.data.get("reason", ""),
        },
        link=link,
        dedupe_key=f"event-{event.pk}-{link}",
    )


def _board_link(partnership: Partnership) -> str:
    return reverse("koperasi:partnership-list", args=[partnership.cooperative.slug])


def _partner_link() -> str:
    return reverse("partners:partnership-list")


@handles(PARTNERSHIP_PROPOSED)
def partnership_proposed(event: Event) -> None:
    _to_the_other_side(event, _partnership(event))


def _to_the_other_side(event: Event, partnership: Partnership) -> None:
    if event.data.get("side") == COOPERATIVE_SIDE:
        _tell(event, partnership, _owners(partnership), _partner_link())
    else:
        _tell(event, partnership, _board(partnership), _board_link(partnership))


@handles(PARTNERSHIP_ACTIVATED)
def partnership_activated(event: Event) -> None:
    partnership = _partnership(event)
    _tell(event, partnership, _board(partnership), _board_link(partnership))
    _tell(event, partnership, _owners(partnership), _partner_link())


@handles(PARTNERSHIP_ENDED)
def partnership_ended(event: Event) -> None:
    _to_the_other_side(event, _partnership(event))
