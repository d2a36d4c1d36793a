"""Month end: bill simpanan wajib and pay interest on simpanan sukarela, set-based.

One `MonthEndRun` row per cooperative and month guards the work: a second run for the same
month finds it and posts nothing. Bills are one `INSERT ... SELECT`; interest is computed in
one query into a temporary table, posted as a single journal entry whose postings are one
`INSERT ... SELECT`, and the balances move with one `UPDATE ... FROM`. No loop per member.

Interest (jasa simpanan) is paid on the **lowest balance of the month** (saldo terendah): the
balance at the start of the month and after each movement in it, whichever is least. A member
whose lowest balance is below the product's minimum balance earns nothing. The monthly amount
is `lowest * annual rate / 12`, rounded down to whole Rupiah, so the cooperative never pays
a fraction it does not owe.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Cooperative, User
from services.ledger import chart
from services.ledger.models import JournalEntry
from services.ledger.periods import period_open_check
from services.savings.actions import product_for
from services.savings.models import MonthEndRun


@dataclass(frozen=True)
class MonthEndResult:
    run: MonthEndRun
    created: bool


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


BILLS_SQL = """
INSERT INTO services_savingsbill
    (cooperative_id, member_id, kind, period, due_date, amount, paid_amount, status)
SELECT m.cooperative_id, m.id, 'wajib', %(period)s, %(due)s, %(amount)s, 0, 'open'
  FROM members_member m
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active' AND m.joined_on <= %(last)s
ON CONFLICT DO NOTHING
"""

# The lowest balance of each active member's sukarela account in the month, and the interest
# on it. Balances are stored positive (credit-normal), so a posting moves the balance by
# -amount. Works on PostgreSQL and SQLite alike (window functions, integer division). Every
# sum is cast back to BIGINT: PostgreSQL's SUM(bigint) is NUMERIC, on which `/` keeps the
# fraction and the later cast to BIGINT rounds half up (and rounds each member separately from
# the total, which unbalances the entry). On integers `/` truncates: rounded down, as promised.
INTEREST_SQL = """
CREATE TEMPORARY TABLE month_end_interest AS
WITH acc AS (
    SELECT a.id, a.balance
      FROM services_account a
      JOIN members_member m ON m.id = a.member_id
     WHERE a.cooperative_id = %(coop)s AND a.savings_kind = 'sukarela' AND m.status = 'active'
),
later AS (
    SELECT p.account_id, CAST(SUM(-p.amount) AS BIGINT) AS moved
      FROM services_posting p JOIN acc ON acc.id = p.account_id
     WHERE p.date > %(last)s
     GROUP BY p.account_id
),
inside AS (
    SELECT p.account_id,
           CAST(SUM(-p.amount) OVER (PARTITION BY p.account_id ORDER BY p.date, p.id) AS BIGINT)
               AS running,
           CAST(SUM(-p.amount) OVER (PARTITION BY p.account_id) AS BIGINT) AS total
      FROM services_posting p JOIN acc ON acc.id = p.account_id
     WHERE p.date BETWEEN %(first)s AND %(last)s
),
dips AS (
    SELECT account_id, MIN(running) AS lowest_running, MAX(total) AS total
      FROM inside GROUP BY account_id
),
lowest AS (
    SELECT acc.id AS account_id,
           CAST(acc.balance - COALESCE(later.moved, 0) - COALESCE(dips.total, 0)
                + (CASE WHEN COALESCE(dips.lowest_running, 0) < 0
                        THEN dips.lowest_running ELSE 0 END) AS BIGINT) AS balance
      FROM acc
      LEFT JOIN later ON later.account_id = acc.id
      LEFT JOIN dips ON dips.account_id = acc.id
)
SELECT account_id, CAST(balance * %(rate_bp)s / 120000 AS BIGINT) AS interest
  FROM lowest
 WHERE balance >= %(minimum)s AND balance * %(rate_bp)s / 120000 > 0
"""

INTEREST_POSTINGS_SQL = """
INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)
SELECT %(entry)s, %(coop)s, account_id, -interest, %(last)s FROM month_end_interest
UNION ALL
SELECT %(entry)s, %(coop)s, %(expense)s, SUM(interest), %(last)s FROM month_end_interest
"""

INTEREST_BALANCES_SQL = """
UPDATE services_account
   SET balance = services_account.balance + i.interest
  FROM month_end_interest i
 WHERE services_account.id = i.account_id
"""


@transaction.atomic
def month_end_run(
    *, cooperative: Cooperative, month: dt.date, acting_user: User | None = None
) -> MonthEndResult:
    """Bill wajib for every active member and post sukarela interest for `month`, once, after
    the month has ended (a month closed early would pay interest on a lowest balance that can
    still fall, and the run would then be locked)."""
    first, last = month_bounds(month)
    if last >= timezone.localdate():
        raise DomainError(
            _("%(month)s has not ended yet: its month end can run from %(day)s.")
            % {"month": f"{first:%Y-%m}", "day": (last + dt.timedelta(days=1)).isoformat()}
        )
    run, created = MonthEndRun.objects.get_or_create(cooperative=cooperative, month=first)
    if not created:
        return MonthEndResult(run=run, created=False)
    # Its interest entry is dated the month's last day: refused (clearly) once the board has
    # closed the books through it. The run row above is rolled back with the refusal.
    period_open_check(cooperative=cooperative, on=last)
    product = product_for(cooperative)
    chart.chart_install(cooperative=cooperative)
    with connection.cursor() as cursor:
        if product.wajib_amount > 0:
            cursor.execute(
                BILLS_SQL,
                {
                    "coop": cooperative.pk,
                    "period": first,
                    "due": first.replace(day=product.wajib_due_day),
                    "amount": product.wajib_amount,
                    "last": last,
                },
            )
            run.bills_created = max(cursor.rowcount, 0)
        rate_bp = int(product.sukarela_annual_rate * 100)  # 3.00 % -> 300 basis points
        if rate_bp > 0:
            cursor.execute("DROP TABLE IF EXISTS month_end_interest")
            cursor.execute(
                INTEREST_SQL,
                {
                    "coop": cooperative.pk,
                    "first": first,
                    "last": last,
                    "rate_bp": rate_bp,
                    "minimum": max(product.sukarela_min_balance, 1),
                },
            )
            cursor.execute("SELECT COUNT(*), COALESCE(SUM(interest), 0) FROM month_end_interest")
            count, total = cursor.fetchone()
            if total:
                expense = chart.gl_account(cooperative, chart.SAVINGS_INTEREST_EXPENSE)
                entry = JournalEntry.objects.create(
                    cooperative=cooperative,
                    date=last,
                    kind=JournalEntry.Kind.INTEREST,
                    memo="",
                    idempotency_key=f"month-end-interest-{first:%Y-%m}",
                    fingerprint=f"month-end-interest-{first:%Y-%m}",
                    created_by=acting_user,
                    created_at=timezone.now(),
                )
                params = {
                    "entry": entry.pk,
                    "coop": cooperative.pk,
                    "expense": expense.pk,
                    "last": last,
                }
                cursor.execute(INTEREST_POSTINGS_SQL, params)
                cursor.execute(INTEREST_BALANCES_SQL)
                cursor.execute(
                    "UPDATE services_account SET balance = balance + %s WHERE id = %s",
                    [int(total), expense.pk],
                )
                run.interest_entry = entry
                run.interest_total = int(total)
                run.interest_members = int(count)
            cursor.execute("DROP TABLE month_end_interest")
    run.save()
    events.event_record(
        kind="savings.month_end",
        actor=acting_user,
        cooperative=cooperative,
        data={
            "month": f"{first:%Y-%m}",
            "bills": run.bills_created,
            "interest_total": run.interest_total,
        },
    )
    return MonthEndResult(run=run, created=True)
