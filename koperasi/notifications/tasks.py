"""Delivering notifications, exactly once per channel.

A worker claims a delivery with a conditional UPDATE (pending and due -> sending); only the
claimant sends, so a task that runs twice, or two workers given the same id, send once. A
failure puts the row back to pending with exponential backoff and jitter, until
NOTIFY_MAX_ATTEMPTS, then marks it failed (the board sees failures). A worker that dies while
sending leaves the row in "sending"; the sweeper hands it out again after NOTIFY_CLAIM_TIMEOUT
(at-least-once for that rare crash, which the gateway's Idempotency-Key header covers).
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from koperasi.notifications.channels import SENDERS, PermanentError
from koperasi.notifications.models import Delivery

log = logging.getLogger(__name__)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at an hour, each with up to 50 % jitter."""
    base = min(settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    return dt.timedelta(seconds=base * (1 + random.random() / 2))  # noqa: S311 - jitter only


def claim(delivery_id: int) -> bool:
    now = timezone.now()
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
        ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Send one delivery if nobody else has; record the outcome."""
    if not claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        SENDERS[delivery.channel](delivery.notification)
    except PermanentError as error:
        _finish(delivery, Delivery.Status.FAILED, str(error))
        return "failed"
    except Exception as error:  # anything else may pass: try again later
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            _finish(delivery, Delivery.Status.FAILED, f"{type(error).__name__}: {error}")
            return "failed"
        retry_at = timezone.now() + backoff(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING,
            next_attempt_at=retry_at,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        _schedule(delivery.pk, retry_at)
        return "retry"
    _finish(delivery, Delivery.Status.SENT, "")
    return "sent"


def _finish(delivery: Delivery, status: str, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=status,
        last_error=error[:2000],
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )


def _schedule(delivery_id: int, at: dt.datetime) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # in-process mode: the sweeper (or the next request's publish) picks it up
    try:
        deliver.apply_async((delivery_id,), eta=at)
    except Exception:
        log.warning("Could not schedule retry of delivery %s; the sweeper will", delivery_id)


@shared_task(ignore_result=True)
def sweep() -> int:
    """Beat, every minute: publish deliveries that are due but were never (or no longer) queued:
    a publish lost while Redis was down, a retry whose message vanished, a dead worker's claim."""
    now = timezone.now()
    stale_claim = now - dt.timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale_claim).update(
        status=Delivery.Status.PENDING
    )
    grace = now - dt.timedelta(seconds=settings.NOTIFY_SWEEP_AFTER)
    due = list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING),
            Q(next_attempt_at__lte=grace),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.NOTIFY_SWEEP_BATCH]
    )
    for delivery_id in due:
        deliver.delay(delivery_id)
    return len(due)
