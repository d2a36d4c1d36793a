"""Closing the books (tutup buku): once the board closes a period, nothing is posted dated in it.

The rule:
- the board closes whole months, through the last day of a month that has ended (never the
  current month, never a future one), and each close reaches further than the one before;
- `entry_post` (and so every deposit, withdrawal, loan movement and reversal) refuses an entry
  dated on or before the closed-through day with `PeriodClosedError`; the month end checks the
  same before it posts its interest;
- the month end of every month being closed must have run first (since the cooperative's first
  entry): after the close, its wajib bills and sukarela interest could no longer be posted;
- on PostgreSQL a trigger refuses the same for any INSERT into journal entries or postings
  (migration `0007_period_close`), so raw SQL cannot slip an entry into a closed period.

Closing and posting cannot cross: a close holds an exclusive transaction-level advisory lock on
the cooperative while it writes, and every posting takes the same lock shared before it reads
the closed-through day (in Python and in the trigger). A posting that started first commits
before the close; one that starts during the close waits for it and is then refused.

Re-opening is not offered. A mistake found in a closed period is corrected the way auditors
expect: a correcting (or reversing) entry dated in the open period, which the next period's
reports show. Every close is kept as a row and recorded as a `period.closed` event.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import connection, transaction
from django.db.models import Max
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Role, User
from services.ledger.models import JournalEntry, PeriodClose

#: The first key of `pg_advisory_xact_lock(int, int)` for period closing; the second is the
#: cooperative's id. The migration's trigger uses the same number.
LOCK_NAMESPACE = 480_617


class PeriodClosedError(DomainError):
    """A posting dated inside a closed period."""

    def __init__(self, *, closed_through: dt.date, on: dt.date):
        super().__init__(
            _(
                "The books are closed through %(closed)s: nothing can be posted dated "
                "%(day)s. Date it after %(closed)s, or post a correcting entry in the open "
                "period."
            )
            % {"closed": day_label(closed_through), "day": day_label(on)}
        )
        self.closed_through = closed_through
        self.on = on


def day_label(day: dt.date) -> str:
    """`31 March 2026` / `31 Maret 2026`, in the active language."""
    return dateformat.format(day, "j F Y")


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _lock(cooperative: Cooperative, *, exclusive: bool) -> None:
    """The period lock of one cooperative, held until the transaction ends (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return  # SQLite (make run) writes one transaction at a time anyway
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s::int, %s::int)", [LOCK_NAMESPACE, cooperative.pk])


def closed_through(*, cooperative: Cooperative) -> dt.date | None:
    """The last closed day of the cooperative's books, or None while nothing is closed."""
    return PeriodClose.objects.filter(cooperative=cooperative).aggregate(day=Max("closed_through"))[
        "day"
    ]


def period_open_check(*, cooperative: Cooperative, on: dt.date) -> None:
    """Refuse a posting dated on or before the closed-through day. Call inside the posting's
    transaction: the shared lock it takes keeps a close from slipping in before the commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("period_open_check() must run inside the posting's transaction")
    _lock(cooperative, exclusive=False)
    closed = closed_through(cooperative=cooperative)
    if closed is not None and on <= closed:
        raise PeriodClosedError(closed_through=closed, on=on)


def closable_months(*, cooperative: Cooperative, today: dt.date | None = None) -> list[dt.date]:
    """The months (their first days) that may be closed now, newest first: after the last
    close, up to last month; at most three years of them."""
    today = today or timezone.localdate()
    last = _previous_month(today.replace(day=1))
    closed = closed_through(cooperative=cooperative)
    months: list[dt.date] = []
    month = last
    while len(months) < 36 and (closed is None or month > closed):
        months.append(month)
        month = _previous_month(month)
    return months


def _previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


def months_without_month_end(
    *, cooperative: Cooperative, through: dt.date, after: dt.date | None
) -> list[dt.date]:
    """Months from the cooperative's first entry (or the day after `after`) to `through`
    whose month end has not run. Two queries."""
    from services.savings.models import MonthEndRun  # savings builds on the ledger

    first_entry = (
        JournalEntry.objects.filter(cooperative=cooperative)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if first_entry is None:
        return []
    month = first_entry.replace(day=1)
    if after is not None:
        month = max(month, _next_month(after))
    wanted = []
    while month <= through:
        wanted.append(month)
        month = _next_month(month)
    if not wanted:
        return []
    done = set(
        MonthEndRun.objects.filter(
            cooperative=cooperative, month__range=(wanted[0], wanted[-1])
        ).values_list("month", flat=True)
    )
    return [month for month in wanted if month not in done]


@transaction.atomic
def period_close(
    *, cooperative: Cooperative, through: dt.date, acting_user: User, note: str = ""
) -> PeriodClose:
    """The board closes the books through the last day of an ended month; postings dated on or
    before it are refused from then on. Closes only move forward; there is no re-opening."""
    if not Role.objects.filter(
        cooperative=cooperative, user=acting_user, kind=Role.Kind.BOARD
    ).exists():
        raise DomainError(_("Only the board closes the books."))
    if through != month_end(through):
        raise DomainError(
            _("The books are closed by whole months: choose the last day of a month."),
            field="month",
        )
    today = timezone.localdate()
    if through >= today.replace(day=1):
        raise DomainError(
            _("Only a month that has ended can be closed: %(month)s has not.")
            % {"month": dateformat.format(through, "F Y")},
            field="month",
        )
    _lock(cooperative, exclusive=True)
    previous = closed_through(cooperative=cooperative)
    if previous is not None and through <= previous:
        raise DomainError(
            _("The books are already closed through %(closed)s.") % {"closed": day_label(previous)},
            field="month",
        )
    missing = months_without_month_end(cooperative=cooperative, through=through, after=previous)
    if missing:
        raise DomainError(
            _(
                "Run the month end of %(months)s first (wajib bills and interest on sukarela): "
                "after the close it could no longer be posted."
            )
            % {"months": ", ".join(dateformat.format(m, "F Y") for m in missing[:6])},
            field="month",
        )
    close = PeriodClose.objects.create(
        cooperative=cooperative,
        closed_through=through,
        closed_by=acting_user,
        closed_at=timezone.now(),
        note=note.strip()[:200],
    )
    events.event_record(
        kind="period.closed",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "closed_through": through.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "note": close.note,
        },
    )
    return close
