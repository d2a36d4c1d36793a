"""Closing the books: who may close what, and that nothing is posted dated in a closed period,
whichever way it comes (teller, loans, month end, reversals, raw SQL on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from koperasi.errors import DomainError
from koperasi.models import Event
from services.ledger import chart, periods
from services.ledger.actions import entry_post, entry_reverse
from services.ledger.models import JournalEntry, PeriodClose, SavingsKind
from services.ledger.periods import PeriodClosedError, period_close
from services.loans.actions import loan_repay
from services.savings.actions import savings_reverse, savings_withdraw
from services.savings.models import MonthEndRun
from services.savings.month_end import month_end_run
from tests.reports.conftest import deposit
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

MAR_31 = dt.date(2026, 3, 31)
REFUSED_MARCH_15 = (
    "The books are closed through 31 March 2026: nothing can be posted dated 15 March 2026. "
    "Date it after 31 March 2026, or post a correcting entry in the open period."
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def closed(cooperative, ledger, chair) -> PeriodClose:
    return period_close(cooperative=cooperative, through=MAR_31, acting_user=chair)


def loan_state(loan):
    loan.refresh_from_db()
    return (
        loan.outstanding_principal,
        loan.status,
        list(loan.installments.values_list("paid_principal", "paid_interest", "paid_on")),
    )


# --- closing ------------------------------------------------------------------------------------


def test_the_board_closes_through_the_end_of_an_ended_month(cooperative, ledger, chair):
    close = period_close(
        cooperative=cooperative, through=MAR_31, acting_user=chair, note="  Q1 checked  "
    )

    assert (close.closed_through, close.closed_by, close.note) == (MAR_31, chair, "Q1 checked")
    assert periods.closed_through(cooperative=cooperative) == MAR_31
    event = Event.objects.get(kind="period.closed")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data == {"closed_through": "2026-03-31", "previous": None, "note": "Q1 checked"}


@pytest.mark.parametrize(
    ("through", "message"),
    [
        (dt.date(2026, 3, 30), "The books are closed by whole months"),
        (dt.date(2026, 2, 28), "The books are already closed through 31 March 2026."),
        (MAR_31, "The books are already closed through 31 March 2026."),
        (dt.date(2026, 4, 30), "Run the month end of April 2026 first"),
    ],
)
def test_closing_is_refused_and_changes_nothing(cooperative, closed, chair, through, message):
    before = list(PeriodClose.objects.values_list("pk", "closed_through"))
    events = Event.objects.count()

    with pytest.raises(DomainError, match=message):
        period_close(cooperative=cooperative, through=through, acting_user=chair)

    assert list(PeriodClose.objects.values_list("pk", "closed_through")) == before
    assert Event.objects.count() == events


def test_the_current_month_and_future_months_cannot_be_closed(cooperative, chair):
    today = timezone.localdate()
    this_month_end = periods.month_end(today)
    next_year = periods.month_end(today.replace(year=today.year + 1))

    for through in (this_month_end, next_year):
        with pytest.raises(DomainError, match="Only a month that has ended can be closed"):
            period_close(cooperative=cooperative, through=through, acting_user=chair)
    assert not PeriodClose.objects.exists()


def test_the_month_ends_of_the_months_closed_must_have_run(cooperative, ledger, chair):
    with pytest.raises(DomainError) as refused:
        period_close(cooperative=cooperative, through=dt.date(2026, 6, 30), acting_user=chair)

    assert refused.value.message == (
        "Run the month end of April 2026, May 2026, June 2026 first (wajib bills and interest "
        "on sukarela): after the close it could no longer be posted."
    )
    assert not PeriodClose.objects.exists()


def test_a_later_close_reaches_further(cooperative, closed, chair):
    month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1))

    later = period_close(cooperative=cooperative, through=dt.date(2026, 4, 30), acting_user=chair)

    assert periods.closed_through(cooperative=cooperative) == dt.date(2026, 4, 30)
    assert Event.objects.filter(kind="period.closed").latest("pk").data["previous"] == "2026-03-31"
    assert list(PeriodClose.objects.values_list("pk", flat=True)) == [later.pk, closed.pk]


def test_only_the_board_closes(cooperative, ledger, supervisor, teller, member):
    for user in (supervisor, teller, member):
        with pytest.raises(DomainError, match=r"Only the board closes the books\."):
            period_close(cooperative=cooperative, through=MAR_31, acting_user=user)
    assert not PeriodClose.objects.exists()


def test_a_close_is_kept_to_its_cooperative(cooperative, other_cooperative, closed, chair):
    from services.ledger.chart import chart_install

    chart_install(cooperative=other_cooperative)
    cash = chart.gl_account(other_cooperative, chart.CASH)
    income = chart.gl_account(other_cooperative, chart.PENALTY_INCOME)

    entry = entry_post(
        cooperative=other_cooperative,
        date=dt.date(2026, 3, 15),
        kind=JournalEntry.Kind.OTHER,
        legs=[(cash, 1_000), (income, -1_000)],
    )

    assert entry.pk is not None
    assert periods.closed_through(cooperative=other_cooperative) is None


def test_closable_months_run_from_the_last_close_to_last_month(cooperative, closed):
    today = dt.date(2026, 7, 15)

    months = periods.closable_months(cooperative=cooperative, today=today)

    assert months == [dt.date(2026, 6, 1), dt.date(2026, 5, 1), dt.date(2026, 4, 1)]


# --- postings dated inside a closed period ------------------------------------------------------


def test_a_deposit_dated_in_a_closed_period_is_refused_and_changes_nothing(
    cooperative, ledger, closed
):
    before = books()

    with pytest.raises(PeriodClosedError) as refused:
        deposit(ledger.siti, SavingsKind.WAJIB, 25_000, dt.date(2026, 3, 15))

    assert refused.value.message == REFUSED_MARCH_15
    assert books() == before


def test_posting_on_the_closed_day_is_refused_and_the_day_after_works(cooperative, ledger, closed):
    cash = chart.gl_account(cooperative, chart.CASH)
    expense = chart.gl_account(cooperative, chart.OPERATING_EXPENSE)
    legs = [(expense, 50_000), (cash, -50_000)]
    before = books()

    with pytest.raises(PeriodClosedError):
        entry_post(cooperative=cooperative, date=MAR_31, kind=JournalEntry.Kind.OTHER, legs=legs)
    assert books() == before

    entry = entry_post(
        cooperative=cooperative, date=dt.date(2026, 4, 1), kind=JournalEntry.Kind.OTHER, legs=legs
    )
    assert entry.date == dt.date(2026, 4, 1)
    assert chart.gl_account(cooperative, chart.OPERATING_EXPENSE).balance == 50_000


def test_a_withdrawal_and_a_loan_repayment_dated_inside_are_refused(cooperative, ledger, closed):
    loan_before = loan_state(ledger.loan)
    before = books()

    with pytest.raises(PeriodClosedError):
        savings_withdraw(
            member=ledger.siti,
            amount=10_000,
            channel="cash",
            acting_user=None,
            on=dt.date(2026, 3, 15),
        )
    with pytest.raises(PeriodClosedError):
        loan_repay(
            loan=ledger.loan,
            amount=112_000,
            channel="cash",
            acting_user=None,
            on=dt.date(2026, 3, 30),
        )

    assert books() == before
    assert loan_state(ledger.loan) == loan_before


def test_a_reversal_is_dated_in_the_open_period(cooperative, ledger, closed, chair):
    january_deposit = JournalEntry.objects.filter(
        kind=JournalEntry.Kind.DEPOSIT, date=dt.date(2026, 1, 10)
    ).get()
    before = books()

    with pytest.raises(PeriodClosedError):
        entry_reverse(entry=january_deposit, acting_user=chair, date=dt.date(2026, 2, 1))
    assert books() == before

    reversal = savings_reverse(entry=january_deposit, acting_user=chair)
    assert reversal.date == timezone.localdate()


def test_the_month_end_of_a_closed_month_is_refused_with_a_clear_message(cooperative, chair):
    # A close made before April's month end ran (the action would refuse it; a row can't).
    PeriodClose.objects.create(
        cooperative=cooperative, closed_through=dt.date(2026, 4, 30), closed_by=chair
    )
    before = books()

    with pytest.raises(PeriodClosedError, match="nothing can be posted dated 30 April 2026"):
        month_end_run(cooperative=cooperative, month=dt.date(2026, 4, 1))
    with pytest.raises(CommandError, match="The books are closed through 30 April 2026"):
        call_command(
            "post_monthly_savings",
            cooperative=cooperative.slug,
            month="2026-04",
            stdout=StringIO(),
        )

    assert books() == before
    assert not MonthEndRun.objects.filter(month=dt.date(2026, 4, 1)).exists()


def test_a_month_end_that_already_ran_reruns_as_before(cooperative, ledger, closed):
    result = month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 1))

    assert result.created is False


# --- the database's own guard -------------------------------------------------------------------

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


@needs_postgresql
def test_a_raw_insert_dated_in_a_closed_period_is_refused_by_the_database(
    cooperative, ledger, closed
):
    before = books()
    entry_sql = (
        "INSERT INTO services_journalentry (cooperative_id, date, kind, memo, channel, "
        "fingerprint, created_at) VALUES (%s, %s, 'other', '', '', 'raw', now()) RETURNING id"
    )

    with (
        pytest.raises(IntegrityError, match="closed through 2026-03-31"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(entry_sql, [cooperative.pk, dt.date(2026, 3, 31)])
    assert books() == before

    # A posting dated inside, on an entry dated in the open period, is refused too.
    cash = chart.gl_account(cooperative, chart.CASH)
    expense = chart.gl_account(cooperative, chart.OPERATING_EXPENSE)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(entry_sql, [cooperative.pk, dt.date(2026, 4, 2)])
        (entry_id,) = cursor.fetchone()
        with (
            pytest.raises(IntegrityError, match="closed through 2026-03-31"),
            transaction.atomic(),
        ):
            cursor.execute(
                "INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)"
                " VALUES (%s, %s, %s, 500, %s), (%s, %s, %s, -500, %s)",
                [
                    *(entry_id, cooperative.pk, expense.pk, dt.date(2026, 3, 1)),
                    *(entry_id, cooperative.pk, cash.pk, dt.date(2026, 3, 1)),
                ],
            )
        transaction.set_rollback(True)  # the entry row alone would not balance
    assert books() == before

    with transaction.atomic(), connection.cursor() as cursor:  # dated after: accepted
        cursor.execute(entry_sql, [cooperative.pk, dt.date(2026, 4, 1)])
    assert JournalEntry.objects.filter(fingerprint="raw").count() == 1


def test_the_trigger_and_python_share_the_lock_namespace():
    migration = Path(__file__).resolve().parents[2] / "services/migrations/0009_period_close.py"
    numbers = re.findall(r"pg_advisory_xact_lock_shared\((\d+),", migration.read_text())

    assert numbers == [str(periods.LOCK_NAMESPACE)]
