"""What each kind of job does, who may see it, and how it is named on the page.

A runner takes the job (its cooperative re-established from the row) and a `Progress`, does
the work by calling the domain's own action, and returns an `Outcome`: a message for the page
and, for a file, its content and name. A runner raises `DomainError` to refuse with a message
the board can act on. Each is safe to run twice: publishing SHU and month end are idempotent
by their own guards (the year's status and the entry's idempotency key; the MonthEndRun row),
and a file is simply written again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.money import format_rupiah
from koperasi.tenancy import BOARD, STAFF_ROLES, SUPERVISOR
from members.models import Member
from services.jobs.models import Job

T = TypeVar("T")

#: Progress is written at most this often (seconds), and always at the end.
PROGRESS_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class Outcome:
    message: str = ""
    content: bytes | None = None
    filename: str = ""


class Progress:
    """Moves the job's progress with an UPDATE of two columns, never a save of the row."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.total = 0
        self.done = 0
        self._written_at = 0.0

    def start(self, total: int) -> None:
        self.total, self.done = max(total, 0), 0
        Job.objects.filter(pk=self.job_id).update(total=self.total, progress=0)
        self._written_at = time.monotonic()

    def advance(self, by: int = 1, *, force: bool = False) -> None:
        self.done = min(self.done + by, self.total)
        now = time.monotonic()
        if force or self.done == self.total or now - self._written_at >= PROGRESS_EVERY_SECONDS:
            Job.objects.filter(pk=self.job_id).update(progress=self.done)
            self._written_at = now

    def step(self) -> None:
        self.advance(force=True)

    def counting(self, items: Iterable[T]) -> Iterator[T]:
        """Pass the items through, counting each one."""
        for item in items:
            yield item
            self.advance()


# --- Publish SHU --------------------------------------------------------------------------


def _active_members(job: Job) -> int:
    return Member.objects.filter(cooperative=job.cooperative, status=Member.Status.ACTIVE).count()


def run_shu_publish(job: Job, progress: Progress) -> Outcome:
    from services.participation.models import ShuAllocation, ShuYear
    from services.participation.shu import shu_publish

    shu_year = ShuYear.objects.filter(
        cooperative=job.cooperative, pk=job.params.get("shu_year_id")
    ).first()
    if shu_year is None:
        raise DomainError(_("This SHU year no longer exists."))
    progress.start(_active_members(job))
    shu_year = shu_publish(shu_year=shu_year, acting_user=job.created_by)
    paid = ShuAllocation.objects.filter(shu_year=shu_year).aggregate(
        members=Count("pk"), total=Sum("total")
    )
    return Outcome(
        message=_("SHU %(year)s is published: %(members)s members share %(total)s.")
        % {
            "year": shu_year.year,
            "members": paid["members"],
            "total": format_rupiah(paid["total"] or 0),
        }
    )


# --- Month end ----------------------------------------------------------------------------


def parse_month(value: str) -> dt.date:
    """`"2025-01"` -> 1 January 2025; DomainError for anything else."""
    try:
        year, number = (int(part) for part in str(value).split("-"))
        return dt.date(year, number, 1)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a month as YYYY-MM."), field="month") from None


def run_month_end(job: Job, progress: Progress) -> Outcome:
    from services.savings.month_end import month_end_run

    month = parse_month(job.params.get("month", ""))
    progress.start(_active_members(job))
    result = month_end_run(cooperative=job.cooperative, month=month, acting_user=job.created_by)
    run = result.run
    figures = {
        "month": f"{month:%Y-%m}",
        "bills": run.bills_created,
        "interest": format_rupiah(run.interest_total),
        "members": run.interest_members,
    }
    if not result.created and run.created_at < job.created_at:
        # Closed before this job was asked for (by beat, or by another job).
        return Outcome(
            message=_("Month end %(month)s had already run on %(day)s: nothing was posted again.")
            % {**figures, "day": date_format(timezone.localtime(run.created_at), "j M Y H:i")}
        )
    # Done now, or by an earlier delivery of this same job: its figures either way.
    return Outcome(
        message=_(
            "Month end %(month)s is done: %(bills)s wajib bills, %(interest)s interest to "
            "%(members)s members."
        )
        % figures
    )


# --- Loan portfolio export ----------------------------------------------------------------

EXPORT_FORMATS = {"xlsx": "Excel", "csv": "CSV"}


def run_loan_portfolio(job: Job, progress: Progress) -> Outcome:
    from services.loans import exports, selectors

    fmt = job.params.get("fmt")
    if fmt not in EXPORT_FORMATS:
        raise DomainError(_("Unknown file format."))
    cooperative = job.cooperative
    today = timezone.localdate()
    arrears = selectors.loans_in_arrears(cooperative=cooperative)
    progress.start(arrears.count())
    builder = exports.portfolio_csv if fmt == "csv" else exports.portfolio_xlsx
    body = builder(
        cooperative_name=cooperative.name,
        today=today,
        portfolio=selectors.portfolio(cooperative=cooperative),
        arrears=progress.counting(arrears.iterator(chunk_size=2000)),
    )
    return Outcome(
        message=_("The file is ready."),
        content=body,
        filename=f"loan-portfolio-{cooperative.slug}-{today.isoformat()}.{fmt}",
    )


# --- RAT pack -----------------------------------------------------------------------------

RAT_PACK_STEPS = 5  # financial reports, SHU, meetings, votes, the PDF


def run_rat_pack(job: Job, progress: Progress) -> Outcome:
    from services import rat_pack

    year = int(job.params.get("year") or 0)
    progress.start(RAT_PACK_STEPS)
    pack = rat_pack.rat_pack_collect(cooperative=job.cooperative, year=year, step=progress.step)
    body = rat_pack.rat_pack_pdf(pack)
    progress.step()
    message = _("The RAT pack is ready.")
    if not pack.reports_available:
        message += " " + _("It does not include the financial reports yet.")
    return Outcome(
        message=message,
        content=body,
        filename=f"rat-{job.cooperative.slug}-{year}.pdf",
    )


# --- The registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class KindInfo:
    run: Callable[[Job, Progress], Outcome]
    #: Who sees the job and its file (besides nobody else: 404 for the rest).
    readers: frozenset[str]


KINDS: dict[str, KindInfo] = {
    Job.Kind.SHU_PUBLISH: KindInfo(run_shu_publish, frozenset({BOARD, SUPERVISOR})),
    Job.Kind.MONTH_END: KindInfo(run_month_end, frozenset({BOARD, SUPERVISOR})),
    Job.Kind.LOAN_PORTFOLIO: KindInfo(run_loan_portfolio, STAFF_ROLES),
    Job.Kind.RAT_PACK: KindInfo(run_rat_pack, frozenset({BOARD, SUPERVISOR})),
}


def readable_kinds(roles: Iterable[str]) -> list[str]:
    """The kinds of job a person holding `roles` may see."""
    roles = set(roles)
    return [kind for kind, info in KINDS.items() if info.readers & roles]


def job_title(job: Job) -> str:
    """What the job is, as the page names it."""
    params = job.params or {}
    if job.kind == Job.Kind.SHU_PUBLISH:
        return _("Publish SHU %(year)s") % {"year": params.get("year", "")}
    if job.kind == Job.Kind.MONTH_END:
        return _("Month end %(month)s") % {"month": params.get("month", "")}
    if job.kind == Job.Kind.LOAN_PORTFOLIO:
        return _("Loan portfolio (%(format)s)") % {
            "format": EXPORT_FORMATS.get(params.get("fmt"), "")
        }
    if job.kind == Job.Kind.RAT_PACK:
        return _("RAT report pack %(year)s") % {"year": params.get("year", "")}
    return job.get_kind_display()


def job_origin(job: Job) -> str:
    """The page the job was started from, to go back to."""
    slug = job.cooperative.slug
    if job.kind == Job.Kind.SHU_PUBLISH and job.params.get("shu_year_id"):
        return reverse(
            "koperasi:shu-detail", kwargs={"coop_slug": slug, "shu_id": job.params["shu_year_id"]}
        )
    names = {
        Job.Kind.MONTH_END: "koperasi:month-end",
        Job.Kind.LOAN_PORTFOLIO: "koperasi:loan-portfolio",
        Job.Kind.RAT_PACK: "koperasi:rat-pack",
    }
    return reverse(names.get(job.kind, "koperasi:job-list"), kwargs={"coop_slug": slug})
