"""Background work for member imports. Tasks take the job id and call the logic."""

from __future__ import annotations

from celery import shared_task

from members import imports


@shared_task(acks_late=True)
def import_validate(job_id: int) -> str:
    """Check an uploaded member list; the job ends READY (with a preview) or INVALID."""
    return imports.import_job_validate(job_id=job_id).status


@shared_task(acks_late=True)
def import_run(job_id: int) -> str:
    """Import an accepted member list at once; a second run of the same job writes nothing."""
    return imports.import_job_run(job_id=job_id).status
