"""Background work for jobs. Registered through `services.tasks` (autodiscovery reads only an
app's `tasks` module)."""

from __future__ import annotations

from celery import shared_task

from services.jobs import actions


@shared_task(acks_late=True)
def job_run(job_id: int) -> str:
    """Run one job to its end; a job already done or failed is not run again."""
    return actions.job_execute(job_id=job_id)


@shared_task
def job_results_purge() -> int:
    """Daily: delete the files of jobs finished more than a week ago."""
    return actions.job_results_purge()
