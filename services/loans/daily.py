"""The loans daily job: arrears, grades, late penalties and reminders, set-based.

One `LoanDailyRun` row per cooperative and date guards the work: a second run for the same
date finds it and changes nothing. Dates run forward: a date in the future, or one before a
date that already ran (it would set every loan's arrears back in time), is refused. A day
that was missed can be run afterwards as long as no later day has run.

For every active loan of the cooperative, on `date`:

- **days past due** = `date` - the due date of the oldest installment due by `date` whose
  principal and interest are not fully paid (0 when there is none); penalties do not count;
- **grade** (kolektibilitas) from the days past due, by the same bands as `grade_for()`:
  lancar 0, dalam perhatian khusus 1-90, kurang lancar 91-120, diragukan 121-180, macet over
  180 (the CASE in `grade_sql()`);
- **late penalty** (denda): every installment overdue by more than the product's grace days
  accrues ONE day of penalty, `floor(unpaid principal and interest * penalty_percent / 100 /
  30)` in whole Rupiah, added to `Installment.penalty`; so a month late costs about
  `penalty_percent` of the installment. The rate is taken in basis points (2.00 % -> 200) so
  that the arithmetic stays in integers, rounded down: the member never owes a fraction.

Penalties are income only when they are paid (cash basis): `loan_repay` posts what it
collects to penalty income. An accrued penalty is a claim on the member, not yet the
cooperative's money, so this job writes **no ledger entry**; the books stay as they were.

Each of these is one UPDATE over the cooperative's loans (no query per loan). The arrears are
updated before the penalties, in the same order as `loan_repay` locks (loan, then its
installments), so a repayment running at the same moment cannot deadlock with the job.

**Reminders** (through the outbox, `koperasi.notifications.bulk`: one SELECT chooses the
installments, a few statements write the notifications whatever their number), to the
member of each installment whose principal and interest are not fully paid:

- "loan.due_soon": due within the next three days (first sent three days before);
- "loan.due_today": due on `date`;
- "loan.overdue": due one to seven days before `date` (first sent the day after).

Each goes once per installment and kind (dedupe key `loan-<kind>-<installment id>`): a day
the job missed is caught up by the next run, and nobody is told twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from koperasi.notifications import bulk
from koperasi.notifications.bulk import RecipientSet
from members.models import Member
from services.loans.models import Grade, Installment, Loan, LoanDailyRun, LoanProduct

LOAN = Loan._meta.db_table
INSTALLMENT = Installment._meta.db_table
PRODUCT = LoanProduct._meta.db_table
MEMBER = Member._meta.db_table

#: Days in a month of penalty: one day accrues penalty_percent / 30 of the unpaid amount.
PENALTY_DAYS_PER_MONTH = 30
#: (kind, first day, last day) of the due dates each reminder is about, relative to `date`.
REMINDERS: tuple[tuple[str, int, int], ...] = (
    ("loan.due_soon", 1, 3),
    ("loan.due_today", 0, 0),
    ("loan.overdue", -7, -1),
)


@dataclass(frozen=True)
class DailyResult:
    run: LoanDailyRun
    created: bool
    #: notifications written per reminder kind (empty when nothing ran or reminders were off)
    reminders: dict[str, int] = field(default_factory=dict)


def days_between(later: str, earlier: str) -> str:
    """SQL: whole days from `earlier` to `later` (two date expressions)."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def grade_sql(days: str) -> str:
    """SQL: the grade (kolektibilitas) for a days-past-due expression, as `grade_for()`."""
    return f"""CASE WHEN {days} <= 0 THEN '{Grade.LANCAR}'
                WHEN {days} <= 90 THEN '{Grade.DPK}'
                WHEN {days} <= 120 THEN '{Grade.KURANG_LANCAR}'
                WHEN {days} <= 180 THEN '{Grade.DIRAGUKAN}'
                ELSE '{Grade.MACET}' END"""


def _date(name: str) -> str:
    """A date parameter as a date (PostgreSQL) or as ISO text, which is how SQLite stores it."""
    if connection.vendor == "postgresql":
        return f"CAST(%({name})s AS DATE)"
    return f"%({name})s"


UNPAID = "{i}.principal + {i}.interest > {i}.paid_principal + {i}.paid_interest"
OWED = "({i}.principal + {i}.interest - {i}.paid_principal - {i}.paid_interest)"
ACTIVE = f"'{Loan.Status.ACTIVE}'"


def arrears_sql() -> str:
    """Days past due and grade of every active loan of a cooperative; only loans whose values
    change are written."""
    dpd = f"COALESCE({days_between(_date('date'), 'MIN(i.due_date)')}, 0)"
    unpaid = UNPAID.format(i="i")
    return f"""
UPDATE {LOAN}
   SET days_past_due = s.dpd, grade = s.grade
  FROM (SELECT l.id, {dpd} AS dpd, {grade_sql(dpd)} AS grade
          FROM {LOAN} l
          LEFT JOIN {INSTALLMENT} i
                 ON i.loan_id = l.id AND i.due_date <= %(date)s AND i.waived = %(false)s
                AND {unpaid}
         WHERE l.cooperative_id = %(coop)s AND l.status = {ACTIVE}
         GROUP BY l.id) s
 WHERE {LOAN}.id = s.id AND ({LOAN}.days_past_due <> s.dpd OR {LOAN}.grade <> s.grade)
"""  # noqa: S608 - table names and expressions are ours; values are parameters


def _penalty_parts() -> tuple[str, str]:
    """(SQL of one day's penalty of an installment, the conditions for accruing it)."""
    i = INSTALLMENT
    basis_points = "CAST(ROUND(p.penalty_percent * 100) AS BIGINT)"
    accrued = f"{OWED.format(i=i)} * {basis_points} / {100 * 100 * PENALTY_DAYS_PER_MONTH}"
    where = f"""{i}.loan_id = l.id AND l.cooperative_id = %(coop)s AND l.status = {ACTIVE}
   AND {i}.cooperative_id = %(coop)s AND {i}.due_date < %(date)s AND {i}.waived = %(false)s
   AND {UNPAID.format(i=i)}
   AND {days_between(_date("date"), f"{i}.due_date")} > p.grace_days
   AND {accrued} > 0"""
    return accrued, where


def penalty_sql() -> str:
    """One day of penalty on every installment overdue by more than its product's grace days.
    On PostgreSQL it returns what each accrued (RETURNING sees the row as updated, so a
    repayment that commits meanwhile is counted as it was applied)."""
    accrued, where = _penalty_parts()
    returning = f"RETURNING {accrued}" if connection.vendor == "postgresql" else ""
    return f"""
UPDATE {INSTALLMENT}
   SET penalty = {INSTALLMENT}.penalty + {accrued}
  FROM {LOAN} l JOIN {PRODUCT} p ON p.id = l.product_id
 WHERE {where}
{returning}"""  # noqa: S608 - table names and expressions are ours; values are parameters


def penalty_preview_sql() -> str:
    """What `penalty_sql()` will accrue, for SQLite, whose RETURNING cannot see the product
    (the run's first write already holds SQLite's one writer lock: nothing changes between)."""
    accrued, where = _penalty_parts()
    return f"""
SELECT {accrued}
  FROM {INSTALLMENT} JOIN {LOAN} l ON l.id = {INSTALLMENT}.loan_id
  JOIN {PRODUCT} p ON p.id = l.product_id
 WHERE {where}"""  # noqa: S608


def reminder_recipients(*, cooperative_id: int, kind: str, first: dt.date, last: dt.date):
    """The member of each unpaid installment of an active loan due between `first` and `last`
    (inclusive); the variant is what is owed on it and its due date."""
    prefix = bulk.sql_literal(f"loan-{kind}-")
    sql = f"""
        SELECT i.id AS sort_key,
               u.id AS user_id,
               COALESCE(NULLIF(u.email, ''), m.email, '') AS email,
               COALESCE(NULLIF(m.phone, ''), u.phone, '') AS phone,
               {bulk.sql_language("u.language")} AS language,
               {prefix} || CAST(i.id AS TEXT) AS dedupe_key,
               CAST({OWED.format(i="i")} + i.penalty - i.paid_penalty AS TEXT)
                   || '|' || CAST(i.due_date AS TEXT) AS variant
          FROM {INSTALLMENT} i
          JOIN {LOAN} l ON l.id = i.loan_id
          JOIN {MEMBER} m ON m.id = l.member_id
          LEFT JOIN {bulk.USER} u ON u.id = m.user_id
         WHERE i.cooperative_id = %(coop)s AND i.due_date BETWEEN %(first)s AND %(last)s
           AND i.waived = %(false)s AND {UNPAID.format(i="i")}
           AND l.status = {ACTIVE}"""  # noqa: S608
    return RecipientSet(
        sql=sql, params={"coop": cooperative_id, "first": first, "last": last, "false": False}
    )


def _reminder_context(variant: str) -> dict:
    amount, due = variant.split("|")
    return {"amount": int(amount), "due": dt.date.fromisoformat(due[:10])}


def loans_remind(*, cooperative: Cooperative, date: dt.date) -> dict[str, int]:
    """Send the reminders of `date` (see the module docstring); each goes once."""
    link = reverse("koperasi:member-home", args=[cooperative.slug])
    sent = {}
    for kind, first, last in REMINDERS:
        result = bulk.bulk_notify(
            kind=kind,
            cooperative=cooperative,
            recipients=reminder_recipients(
                cooperative_id=cooperative.pk,
                kind=kind,
                first=date + dt.timedelta(days=first),
                last=date + dt.timedelta(days=last),
            ),
            context_for=_reminder_context,
            link=link,
        )
        sent[kind] = result.notifications
    return sent


@transaction.atomic
def loans_daily_run(
    *,
    cooperative: Cooperative,
    date: dt.date,
    remind: bool = True,
    acting_user: User | None = None,
) -> DailyResult:
    """Update arrears and grades, accrue one day of late penalties and send the reminders of
    `date` for every active loan of the cooperative, once per date (see the module docstring).
    `remind=False` leaves the reminders out (a past day run late has no news to tell)."""
    if date > timezone.localdate():
        raise DomainError(
            _("%(date)s has not come yet: the daily loan job runs for today or earlier.")
            % {"date": date.isoformat()}
        )
    run, created = LoanDailyRun.objects.get_or_create(cooperative=cooperative, date=date)
    if not created:
        return DailyResult(run=run, created=False)
    later = (
        LoanDailyRun.objects.filter(cooperative=cooperative, date__gt=date)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if later is not None:
        raise DomainError(
            _("The daily loan job already ran for %(later)s; it cannot go back to %(date)s.")
            % {"later": later.isoformat(), "date": date.isoformat()}
        )
    params = {"coop": cooperative.pk, "date": date, "false": False}
    with connection.cursor() as cursor:
        cursor.execute(arrears_sql(), params)
        if connection.vendor == "postgresql":
            cursor.execute(penalty_sql(), params)
            accrued = [amount for (amount,) in cursor.fetchall()]
        else:
            cursor.execute(penalty_preview_sql(), params)
            accrued = [amount for (amount,) in cursor.fetchall()]
            cursor.execute(penalty_sql(), params)
    run.penalties = sum(accrued)
    run.loans_late = Loan.objects.filter(
        cooperative=cooperative, status=Loan.Status.ACTIVE, days_past_due__gt=0
    ).count()
    run.save(update_fields=["penalties", "loans_late"])
    reminders = loans_remind(cooperative=cooperative, date=date) if remind else {}
    events.event_record(
        kind="loans.daily",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "date": date.isoformat(),
            "loans_late": run.loans_late,
            "penalties": run.penalties,
            "installments_penalised": len(accrued),
            "reminders": reminders,
        },
    )
    return DailyResult(run=run, created=True, reminders=reminders)
