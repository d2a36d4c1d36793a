"""Starting and running jobs.

Rules:
- **One active job per subject.** A job carries a key ("shu:12", "month:2025-01",
  "portfolio:xlsx", "rat:2025"); while one with that key is queued or running, asking again
  returns it instead of starting another (a double click, two board members at once).
- **Queued after commit.** The task is sent once the job row is committed; a broker that is
  down fails the job with a message instead of failing the request. Without a broker (`make
  run`), the task runs in-process there and then, and the page shows it done.
- **Safe to retry.** Tasks are acknowledged late, so a worker that dies mid-run leaves the
  message to be delivered again. A run first claims the job with one UPDATE (queued or running
  -> running); a job already done or failed is never redone. The work itself is idempotent
  (see `services.jobs.kinds`), and the job is finished with an UPDATE that only a running job
  takes, so a second copy finishing later changes nothing and drops its file.
- **Progress and outcome by UPDATE** of the columns they change, never a save of the row.
- **Failures are told and logged.** A refusal (`DomainError`) shows its own message; anything
  else is logged with its traceback and shows a message asking to try again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from services.jobs.kinds import KINDS, Outcome, Progress
from services.jobs.models import Job

logger = logging.getLogger(__name__)


def failed_message() -> str:
    """What the page says when the work broke unexpectedly (the traceback is in the log)."""
    return _(
        "The work failed and nothing was changed. Try again; if it fails again, contact the "
        "portal's support."
    )


#: Result files (they may hold members' names and phones) are deleted after this many days.
RESULT_DAYS = 7


def _dispatch(job_id: int) -> None:
    def send() -> None:
        from services.jobs import tasks

        try:
            tasks.job_run.delay(job_id)
        except Exception:
            logger.exception("could not queue job %s", job_id)
            _finish(
                job_id,
                status=Job.Status.FAILED,
                message=_("The work could not be started. Try again in a few minutes."),
                only_from=Job.ACTIVE,
            )

    transaction.on_commit(send)


def job_start(
    *,
    cooperative: Cooperative,
    kind: str,
    key: str,
    params: dict,
    acting_user: User | None,
) -> Job:
    """Queue long work for the cooperative; while the same work is queued or running, that job
    is returned instead of a second one."""
    if kind not in KINDS:
        raise DomainError(_("Unknown kind of work."))
    existing = Job.objects.active().filter(cooperative=cooperative, key=key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                cooperative=cooperative,
                kind=kind,
                key=key,
                params=params,
                created_by=acting_user,
                language=translation.get_language() or "",
            )
            events.event_record(
                kind="jobs.started",
                actor=acting_user,
                cooperative=cooperative,
                data={"job_id": job.pk, "kind": kind, "key": key},
            )
            _dispatch(job.pk)
    except IntegrityError:
        # Another request started the same work a moment ago: show that one.
        existing = Job.objects.active().filter(cooperative=cooperative, key=key).first()
        if existing is None:
            raise
        return existing
    job.refresh_from_db()  # an eager run has finished it already
    return job


def _finish(job_id: int, *, status: str, only_from=(Job.Status.RUNNING,), **fields) -> int:
    fields.setdefault("finished_at", timezone.now())
    return Job.objects.filter(pk=job_id, status__in=only_from).update(status=status, **fields)


def _fail(job: Job, message: str) -> None:
    _finish(job.pk, status=Job.Status.FAILED, message=message[:500])


def _language(job: Job) -> str:
    return (
        job.language
        or getattr(job.created_by, "language", "")
        or translation.get_language()
        or "id"
    )


def _store(job: Job, outcome: Outcome) -> bool:
    """Write the file and finish the job; False (and the file dropped) when another run of the
    same job finished it first."""
    fields = {"message": outcome.message[:500], "progress": F("total")}
    name = ""
    if outcome.content is not None:
        name = job.result.storage.save(
            job.result.field.generate_filename(job, outcome.filename),
            ContentFile(outcome.content),
        )
        fields.update(result=name, result_name=outcome.filename[:120])
    if _finish(job.pk, status=Job.Status.DONE, **fields):
        return True
    if name:
        job.result.storage.delete(name)
    return False


def job_execute(*, job_id: int) -> str:
    """Run a job (the Celery task): claimed, run once to its end, finished done or failed."""
    claimed = Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    job = Job.objects.select_related("cooperative", "created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if not claimed:
        return job.status  # done or failed already: not redone
    info = KINDS[job.kind]
    with translation.override(_language(job)):
        try:
            outcome = info.run(job, Progress(job.pk))
        except DomainError as error:
            logger.warning("job %s (%s) refused: %s", job.pk, job.kind, error.message)
            _fail(job, error.message)
            return Job.Status.FAILED
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            _fail(job, failed_message())
            return Job.Status.FAILED
        _store(job, outcome)
    return Job.objects.values_list("status", flat=True).get(pk=job_id)


def job_results_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the files of jobs finished more than RESULT_DAYS ago; the rows stay as history."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=RESULT_DAYS)
    old = Job.objects.filter(finished_at__lt=cutoff).exclude(result="")
    count = 0
    for job in old.only("pk", "result").iterator():
        job.result.storage.delete(job.result.name)
        Job.objects.filter(pk=job.pk).update(result="")
        count += 1
    return count
