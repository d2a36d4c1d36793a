"""Delivering notifications, exactly once per channel.

A worker claims a delivery with a conditional UPDATE (pending and due -> sending); only the
claimant sends, so a task that runs twice, or two workers given the same id, send once. The
claim's timestamp is its fence: the outcome is written only while the row still carries that
claim. A failure puts the row back to pending with exponential backoff and jitter, until
NOTIFY_MAX_ATTEMPTS, then marks it failed (the board sees failures and may retry them). A
worker that dies while sending leaves the row in "sending"; the sweeper hands it out again
after NOTIFY_CLAIM_TIMEOUT (at-least-once for that rare crash, which the gateway's
Idempotency-Key header covers). The task's hard time limit is far below that timeout, so a
live worker never loses its claim to the sweeper.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from koperasi.notifications.channels import SENDERS, PermanentError
from koperasi.notifications.models import Delivery

log = logging.getLogger(__name__)

#: A send that takes longer is abandoned (soft limit: recorded as a failed attempt; hard limit:
#: the worker process is killed). Both sit well above the gateway and SMTP timeouts and well
#: below NOTIFY_CLAIM_TIMEOUT.
SOFT_TIME_LIMIT = 60
TIME_LIMIT = 90
#: Retries due later than this are left to the sweeper instead of a broker ETA message: Redis
#: hands an unacknowledged message to another worker after its visibility timeout (1 hour).
ETA_HORIZON = dt.timedelta(minutes=30)
#: A broker outage must cost a request at most a couple of connection attempts.
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at an hour, each with up to 50 % jitter."""
    base = min(settings.NOTIFY_BACKOFF_SECONDS * 2 ** min(max(attempts - 1, 0), 16), 3600)
    return dt.timedelta(seconds=base * (1 + random.random() / 2))  # noqa: S311 - jitter only


def claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take a due, pending delivery for this worker alone (one conditional UPDATE)."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
        ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


@shared_task(
    acks_late=True, ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT
)
def deliver(delivery_id: int) -> str:
    """Send one delivery if nobody else has; record the outcome."""
    now = timezone.now()
    if not claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    try:
        SENDERS[delivery.channel](delivery.notification)
    except PermanentError as error:
        _finish(delivery, Delivery.Status.FAILED, str(error))
        return "failed"
    except Exception as error:  # anything else may pass: try again later
        message = f"{type(error).__name__}: {error}"
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            _finish(delivery, Delivery.Status.FAILED, message)
            return "failed"
        retry_at = timezone.now() + backoff(delivery.attempts)
        if _release(delivery, retry_at, message):
            _schedule(delivery.pk, retry_at)
        return "retry"
    _finish(delivery, Delivery.Status.SENT, "")
    return "sent"


def _claimed(delivery: Delivery):
    """The row, only while it still carries this worker's claim."""
    return Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.SENDING, claimed_at=delivery.claimed_at
    )


def _finish(delivery: Delivery, status: str, error: str) -> None:
    _claimed(delivery).update(
        status=status,
        last_error=error[:2000],
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )
    if status == Delivery.Status.FAILED:
        log.warning("Delivery %s failed for good: %s", delivery.pk, error)


def _release(delivery: Delivery, retry_at: dt.datetime, error: str) -> bool:
    return bool(
        _claimed(delivery).update(
            status=Delivery.Status.PENDING, next_attempt_at=retry_at, last_error=error[:2000]
        )
    )


def _schedule(delivery_id: int, at: dt.datetime) -> None:
    """Queue the retry for its time; the sweeper covers what is not (or cannot be) queued."""
    if deliver.app.conf.task_always_eager:
        return  # in-process mode: nothing can wait; the sweeper (or a retry by hand) will
    if at - timezone.now() > ETA_HORIZON:
        return
    try:
        deliver.apply_async((delivery_id,), eta=at, retry_policy=PUBLISH_RETRY)
    except Exception:
        log.warning("Could not schedule retry of delivery %s; the sweeper will", delivery_id)


@shared_task(ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def sweep() -> int:
    """Beat, every minute: publish deliveries that are due but were never (or no longer) queued:
    a publish lost while Redis was down, a retry whose message vanished, a dead worker's claim.

    Each one it publishes has its `next_attempt_at` moved to now, so a backlog that workers are
    still draining is published again at most once per NOTIFY_SWEEP_AFTER, not every minute.
    """
    now = timezone.now()
    stale_claim = now - dt.timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=stale_claim).update(
        status=Delivery.Status.PENDING
    )
    grace = now - dt.timedelta(seconds=settings.NOTIFY_SWEEP_AFTER)
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[: settings.NOTIFY_SWEEP_BATCH]
    )
    if not due:
        return 0
    Delivery.objects.filter(pk__in=due, status=Delivery.Status.PENDING).update(next_attempt_at=now)
    for delivery_id in due:
        deliver.apply_async((delivery_id,), retry_policy=PUBLISH_RETRY)
    return len(due)
