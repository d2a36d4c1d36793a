"""Scheduled savings work. Tasks take ids and names, then call the action."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from koperasi.models import Cooperative

# Autodiscovery imports only this module: importing the job tasks registers them too.
from services.jobs.tasks import job_results_purge, job_run
from services.savings.actions import add_months
from services.savings.month_end import month_end_run


@shared_task(acks_late=True)
def month_end_for(cooperative_id: int, month: str) -> dict:
    """Month end of one cooperative for YYYY-MM; a rerun posts nothing."""
    year, number = (int(part) for part in month.split("-"))
    cooperative = Cooperative.objects.get(pk=cooperative_id)
    result = month_end_run(cooperative=cooperative, month=dt.date(year, number, 1))
    return {"created": result.created, "bills": result.run.bills_created}


@shared_task
def month_end_all() -> int:
    """Beat, on the 1st of each month: close last month for every verified cooperative."""
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    ids = list(Cooperative.objects.verified().values_list("pk", flat=True))
    for cooperative_id in ids:
        month_end_for.delay(cooperative_id, f"{last_month:%Y-%m}")
    return len(ids)


__all__ = ["job_results_purge", "job_run", "month_end_all", "month_end_for"]
