"""Scheduled loan work. Tasks take ids and ISO dates, then call the job."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from koperasi.models import Cooperative
from services.loans.daily import loans_daily_run


@shared_task(acks_late=True)
def loans_daily_for(cooperative_id: int, date: str) -> dict:
    """The daily loan job of one cooperative for YYYY-MM-DD; a rerun changes nothing."""
    cooperative = Cooperative.objects.get(pk=cooperative_id)
    day = dt.date.fromisoformat(date)
    # Reminders only for today: a task that waited past midnight has no fresh news to tell.
    result = loans_daily_run(cooperative=cooperative, date=day, remind=day == timezone.localdate())
    return {
        "created": result.created,
        "loans_late": result.run.loans_late,
        "penalties": result.run.penalties,
        "reminders": result.reminders,
    }


@shared_task
def loans_daily_all() -> int:
    """Beat, every morning: today's loan job for every verified cooperative."""
    today = timezone.localdate()
    ids = list(Cooperative.objects.verified().values_list("pk", flat=True))
    for cooperative_id in ids:
        loans_daily_for.delay(cooperative_id, today.isoformat())
    return len(ids)
