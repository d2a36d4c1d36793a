"""Deliveries that failed for good: what the board sees, and sends again when the cause is fixed
(a corrected phone number, a gateway back from an outage)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from koperasi.notifications.kinds import KINDS
from koperasi.notifications.models import Channel, Delivery
from koperasi.notifications.outbox import publish
from koperasi.tenancy import Tenant

NOTIFICATION_RETRIED = "notification.retried"


def mask_email(address: str) -> str:
    """`person12@example.test` -> `pe******@example.test`: enough to recognise, not to harvest."""
    local, _at, domain = address.partition("@")
    if not domain:
        return mask_phone(address)
    shown = local[:2] if len(local) > 2 else local[:1]
    return f"{shown}{'*' * max(len(local) - len(shown), 3)}@{domain}"


def mask_phone(phone: str) -> str:
    """`+6281234567890` -> `+6281******890`."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:5]}{'*' * (len(phone) - 8)}{phone[-3:]}"


@dataclass(frozen=True)
class FailedDelivery:
    pk: int
    kind: str
    channel: str
    recipient: str
    attempts: int
    last_error: str
    at: dt.datetime | None


def failed_deliveries_for(*, cooperative: Cooperative, limit: int = 200) -> list[FailedDelivery]:
    """The cooperative's failed deliveries, latest attempt first, addresses masked (one query)."""
    rows = (
        Delivery.objects.filter(
            status=Delivery.Status.FAILED, notification__cooperative=cooperative
        )
        .select_related("notification")
        .order_by("-claimed_at", "-pk")[:limit]
    )
    return [
        FailedDelivery(
            pk=row.pk,
            kind=str(KINDS[row.notification.kind].label)
            if row.notification.kind in KINDS
            else row.notification.kind,
            channel=str(Channel(row.channel).label),
            recipient=mask_phone(row.notification.to_phone)
            if row.channel == Channel.SMS
            else mask_email(row.notification.to_email),
            attempts=row.attempts,
            last_error=row.last_error,
            at=row.claimed_at or row.created_at,
        )
        for row in rows
    ]


def failed_count_for(*, cooperative: Cooperative) -> int:
    return Delivery.objects.filter(
        status=Delivery.Status.FAILED, notification__cooperative=cooperative
    ).count()


def get_delivery_for(tenant: Tenant, delivery_id: int) -> Delivery:
    """A delivery of the tenant's cooperative; 404 alike for missing and another's."""
    return get_object_or_404(
        Delivery.objects.select_related("notification"),
        pk=delivery_id,
        notification__cooperative=tenant.cooperative,
    )


@transaction.atomic
def delivery_retry(*, delivery: Delivery, acting_user: User) -> Delivery:
    """Only a failed delivery goes back to the queue, with its attempts counted afresh."""
    now = timezone.now()
    reopened = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claimed_at=None
    )
    if not reopened:
        raise DomainError(_("This message has not failed (any more): nothing to send again."))
    events.event_record(
        kind=NOTIFICATION_RETRIED,
        actor=acting_user,
        cooperative=delivery.notification.cooperative,
        data={
            "delivery_id": delivery.pk,
            "notification_id": delivery.notification_id,
            "channel": delivery.channel,
            "kind": delivery.notification.kind,
            "last_error": delivery.last_error[:300],
        },
    )
    transaction.on_commit(lambda: publish([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
