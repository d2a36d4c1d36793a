"""Jobs: upload, check in the background, accept, import in the background."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from members.imports.checking import CheckResult, Progress, import_check
from members.imports.spec import Problem
from members.imports.writing import members_import
from members.models import ImportJob

logger = logging.getLogger(__name__)


def _dispatch(task_name: str, job_id: int) -> None:
    """Queue a job's task once the transaction commits; a broker that is down fails the job
    instead of the request."""
    from members import tasks

    def send() -> None:
        try:
            getattr(tasks, task_name).delay(job_id)
        except Exception:
            logger.exception("could not queue %s for import job %s", task_name, job_id)
            _finish(
                job_id,
                status=ImportJob.Status.FAILED,
                problems=[
                    Problem(
                        None,
                        "",
                        "not_started",
                        _("The work could not be started. Upload the file again later."),
                    ).as_dict()
                ],
            )

    transaction.on_commit(send)


@transaction.atomic
def import_job_create(*, cooperative: Cooperative, acting_user: User, upload) -> ImportJob:
    """The board uploads a member list; it is checked in the background, nothing is written."""
    if not cooperative.is_verified:
        raise DomainError(_("This cooperative is not accepting members yet."), field="file")
    job = ImportJob.objects.create(
        cooperative=cooperative,
        created_by=acting_user,
        file=upload,
        filename=upload.name[:200],
        status=ImportJob.Status.VALIDATING,
    )
    events.event_record(
        kind="members.import_uploaded",
        actor=acting_user,
        cooperative=cooperative,
        data={"job_id": job.pk, "filename": job.filename},
    )
    _dispatch("import_validate", job.pk)
    return job


@transaction.atomic
def import_job_accept(*, job: ImportJob, acting_user: User) -> ImportJob:
    """The board accepts a clean preview; a second acceptance changes nothing."""
    moved = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.IMPORTING, processed_rows=0
    )
    if not moved:
        raise DomainError(_("This import was already accepted, or is not ready."))
    job.refresh_from_db()
    events.event_record(
        kind="members.import_accepted",
        actor=acting_user,
        cooperative=job.cooperative,
        data={"job_id": job.pk},
    )
    _dispatch("import_run", job.pk)
    return job


def _finish(job_id: int, *, status: str, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    ImportJob.objects.filter(pk=job_id).update(status=status, **fields)


def _progress_for(job_id: int) -> Progress:
    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return progress


def _content(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def _forget_file(job: ImportJob) -> None:
    """The upload holds NIKs and phone numbers: keep it no longer than the job needs it."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")


def _language(job: ImportJob) -> str:
    return getattr(job.created_by, "language", "") or translation.get_language() or "id"


def _refuse(job: ImportJob, result: CheckResult) -> ImportJob:
    _finish(
        job.pk,
        status=ImportJob.Status.INVALID,
        problems=result.problem_dicts(),
        summary={"problem_count": result.problem_count},
        total_rows=result.total_rows,
    )
    _forget_file(job)
    job.refresh_from_db()
    return job


def _unexpected(job: ImportJob, message: str) -> ImportJob:
    logger.exception("member import job %s failed", job.pk)
    _finish(
        job.pk,
        status=ImportJob.Status.FAILED,
        problems=[Problem(None, "", "failed", message).as_dict()],
    )
    _forget_file(job)
    job.refresh_from_db()
    return job


def import_job_validate(*, job_id: int) -> ImportJob:
    """Check an uploaded file (the background task): READY with a preview, or INVALID."""
    job = ImportJob.objects.select_related("cooperative", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job
    with translation.override(_language(job)):
        try:
            result = import_check(
                cooperative=job.cooperative,
                content=_content(job),
                filename=job.filename,
                progress=_progress_for(job.pk),
            )
        except Exception:
            return _unexpected(job, _("The file could not be checked. Upload it again."))
        if not result.ok:
            return _refuse(job, result)
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
            status=ImportJob.Status.READY,
            problems=[],
            summary=result.summary,
            total_rows=result.total_rows,
            processed_rows=result.total_rows,
        )
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Import an accepted job (the background task): checked again, then written at once."""
    job = ImportJob.objects.select_related("cooperative", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    with translation.override(_language(job)):
        try:
            result = import_check(
                cooperative=job.cooperative,
                content=_content(job),
                filename=job.filename,
                progress=_progress_for(job.pk),
            )
        except Exception:
            return _unexpected(job, _("The import failed; nothing was written. Try again."))
        if not result.ok:
            # The member list changed since the preview (someone joined meanwhile).
            return _refuse(job, result)
        try:
            with transaction.atomic():
                locked = ImportJob.objects.select_for_update().get(pk=job.pk)
                if locked.status != ImportJob.Status.IMPORTING:
                    return locked  # another worker got here first
                summary = members_import(
                    cooperative=job.cooperative,
                    rows=result.rows,
                    acting_user=job.created_by,
                    idempotency_key=f"members-import-{job.pk}",
                    job=job,
                )
                _finish(job.pk, status=ImportJob.Status.DONE, summary=summary)
        except (IntegrityError, DomainError) as error:
            message = (
                error.message
                if isinstance(error, DomainError)
                else _(
                    "The member list changed while importing; nothing was written. "
                    "Upload the file again."
                )
            )
            return _unexpected(job, message)
        except Exception:
            return _unexpected(job, _("The import failed; nothing was written. Try again."))
    _forget_file(job)
    job.refresh_from_db()
    return job
