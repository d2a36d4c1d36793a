"""The loans daily job: days past due, grades, late penalties, the run guard, reminders, the
`loans_daily` command and the beat task.

Loans are Rp 1.200.000 over 12 months, flat 12 % a year: installments of Rp 100.000 principal
+ Rp 12.000 interest. The product charges 2 % a month late after 3 grace days, so one day of
penalty on a whole unpaid installment is floor(112.000 * 200 / 300.000) = Rp 74."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.models import Role
from koperasi.notifications.models import Notification
from services.loans import tasks
from services.loans.actions import eligibility_problems, loan_repay
from services.loans.daily import grade_sql, loans_daily_run
from services.loans.models import Grade, Installment, Loan, LoanDailyRun, LoanProduct, grade_for
from services.savings.actions import add_months
from tests.factories import RoleFactory, UserFactory, make_member
from tests.loans_core.conftest import disbursed, loan_state, rows
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

D = dt.date(2026, 10, 1)
DUE = dt.date(2026, 3, 5)  # the first installment of `loan`
DAY_PENALTY = 74


def run(cooperative, date: dt.date, *, remind: bool = False):
    return loans_daily_run(cooperative=cooperative, date=date, remind=remind)


def run_days(cooperative, first: dt.date, last: dt.date, *, remind: bool = False) -> None:
    day = first
    while day <= last:
        run(cooperative, day, remind=remind)
        day += dt.timedelta(days=1)


def penalties(loan: Loan) -> list[int]:
    return [row[4] for row in rows(loan)]


@pytest.fixture
def loan(borrower, product, chair) -> Loan:
    return disbursed(borrower, product, approver=chair, on=dt.date(2026, 2, 5), first_due=DUE)


def late_by(member, product, approver, days: int) -> Loan:
    first_due = D - dt.timedelta(days=days)
    return disbursed(
        member,
        product,
        approver=approver,
        on=first_due - dt.timedelta(days=30),
        first_due=first_due,
    )


# --- days past due and grades ------------------------------------------------------------


def test_days_past_due_and_grade_come_from_the_oldest_unpaid_installment(
    cooperative, borrower, product, chair
):
    days = [0, 1, 90, 91, 120, 121, 180, 181]
    loans = {n: late_by(borrower, product, chair, n) for n in days}
    not_yet = late_by(borrower, product, chair, -1)  # first installment due tomorrow

    result = run(cooperative, D)

    found = {n: (loan.days_past_due, loan.grade) for n, loan in _fresh(loans).items()}
    assert found == {
        0: (0, Grade.LANCAR),
        1: (1, Grade.DPK),
        90: (90, Grade.DPK),
        91: (91, Grade.KURANG_LANCAR),
        120: (120, Grade.KURANG_LANCAR),
        121: (121, Grade.DIRAGUKAN),
        180: (180, Grade.DIRAGUKAN),
        181: (181, Grade.MACET),
    }
    assert all(grade_for(n) == grade for n, (_days, grade) in found.items())
    not_yet.refresh_from_db()
    assert (not_yet.days_past_due, not_yet.grade) == (0, Grade.LANCAR)
    assert result.created is True
    assert result.run.loans_late == 7


def _fresh(loans: dict) -> dict:
    by_pk = Loan.objects.in_bulk([loan.pk for loan in loans.values()])
    return {n: by_pk[loan.pk] for n, loan in loans.items()}


def test_the_sql_grade_is_grade_for(db):
    numbers = "WITH RECURSIVE n(d) AS (SELECT -2 UNION ALL SELECT d + 1 FROM n WHERE d < 400)"
    with connection.cursor() as cursor:
        cursor.execute(f"{numbers} SELECT d, {grade_sql('d')} FROM n")  # noqa: S608
        graded = dict(cursor.fetchall())

    assert graded == {d: grade_for(d) for d in range(-2, 401)}


def test_a_paid_installment_moves_the_count_to_the_next_unpaid_one(cooperative, loan):
    loan_repay(loan=loan, amount=112_000, channel="cash", acting_user=None, on=DUE)

    run(cooperative, dt.date(2026, 4, 15))  # installment 2 (due 5 April) is 10 days late

    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (10, Grade.DPK)


def test_a_partly_paid_installment_is_still_late(cooperative, loan):
    loan_repay(loan=loan, amount=111_999, channel="cash", acting_user=None, on=DUE)

    run(cooperative, dt.date(2026, 3, 20))

    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (15, Grade.DPK)
    assert penalties(loan)[0] == 0  # a day's penalty on Rp 1 rounds down to nothing


def test_a_penalty_left_unpaid_does_not_make_a_loan_late(cooperative, loan):
    Installment.objects.filter(loan=loan, number=1).update(
        paid_principal=100_000, paid_interest=12_000, penalty=5_000
    )

    run(cooperative, dt.date(2026, 3, 20))

    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (0, Grade.LANCAR)
    assert penalties(loan)[0] == 5_000  # and a paid installment accrues no more


def test_the_job_runs_in_a_fixed_number_of_queries(cooperative, other_cooperative, product, chair):
    def queries(coop, loans: int) -> int:
        the_product = LoanProduct.objects.get(pk=product.pk)
        if coop != cooperative:
            the_product.pk, the_product.cooperative = None, coop
            the_product.save()
        for n in range(loans):
            member = make_member(coop, user=UserFactory(), full_name=f"Anggota {n}")
            late_by(member, the_product, coop.created_by, 1)  # each gets an overdue reminder
        with CaptureQueriesContext(connection) as captured:
            run(coop, D, remind=True)
        assert Notification.objects.filter(cooperative=coop, kind="loan.overdue").count() == loans
        return len(captured.captured_queries)

    for coop in (cooperative, other_cooperative):
        RoleFactory(cooperative=coop, user=coop.created_by, kind=Role.Kind.BOARD)

    assert queries(cooperative, 1) == queries(other_cooperative, 6)


# --- penalties ---------------------------------------------------------------------------


def test_a_penalty_accrues_one_day_at_a_time_after_the_grace_days(cooperative, loan):
    accrued = []
    for day in range(6, 11):  # 1..5 days after the due date
        run(cooperative, dt.date(2026, 3, day))
        accrued.append(penalties(loan)[0])

    assert accrued == [0, 0, 0, DAY_PENALTY, 2 * DAY_PENALTY]
    assert penalties(loan)[1:] == [0] * 11
    run_row = LoanDailyRun.objects.get(cooperative=cooperative, date=dt.date(2026, 3, 10))
    assert (run_row.loans_late, run_row.penalties) == (1, DAY_PENALTY)


def test_a_month_late_costs_about_the_monthly_penalty_percent(cooperative, loan):
    run_days(cooperative, dt.date(2026, 3, 6), dt.date(2026, 4, 7))

    # 30 days past the grace days on the first installment; the second (due 5 April) is
    # still within its grace days.
    assert penalties(loan)[:2] == [30 * DAY_PENALTY, 0]
    assert 30 * DAY_PENALTY == 2_220  # about 2 % of 112.000 (2.240), rounded down daily


def test_the_penalty_is_on_what_is_unpaid_of_the_installment(cooperative, loan):
    loan_repay(loan=loan, amount=62_000, channel="cash", acting_user=None, on=DUE)  # 50.000 left

    run(cooperative, dt.date(2026, 3, 9))

    assert penalties(loan)[0] == 50_000 * 200 // 300_000 == 33


def test_the_rate_is_taken_exactly_and_grace_days_are_per_product(cooperative, loan, product):
    product.penalty_percent, product.grace_days = Decimal("2.35"), 0
    product.save()

    run(cooperative, dt.date(2026, 3, 6))  # one day late, no grace

    assert penalties(loan)[0] == 112_000 * 235 // 300_000 == 87


def test_penalties_skip_paid_waived_other_cooperatives_and_closed_loans(
    cooperative, other_cooperative, loan, borrower, product, chair
):
    paid = disbursed(borrower, product, approver=chair, on=dt.date(2026, 2, 5), first_due=DUE)
    loan_repay(loan=paid, amount=112_000, channel="cash", acting_user=None, on=DUE)
    prepaid = disbursed(borrower, product, approver=chair, on=dt.date(2026, 2, 5), first_due=DUE)
    Installment.objects.filter(loan=prepaid, number=1).update(waived=True)
    closed = disbursed(borrower, product, approver=chair, on=dt.date(2026, 2, 5), first_due=DUE)
    Loan.objects.filter(pk=closed.pk).update(status=Loan.Status.WRITTEN_OFF)
    other_product = LoanProduct.objects.create(
        cooperative=other_cooperative,
        name="Lain",
        method="flat",
        annual_rate=12,
        max_amount=10_000_000,
        savings_multiple=0,
    )
    RoleFactory(cooperative=other_cooperative, user=other_cooperative.created_by, kind="board")
    outsider = make_member(other_cooperative, full_name="Orang Lain")
    elsewhere = disbursed(
        outsider,
        other_product,
        approver=other_cooperative.created_by,
        on=dt.date(2026, 2, 5),
        first_due=DUE,
    )
    untouched = {x.pk: loan_state(x) for x in (paid, prepaid, closed, elsewhere)}

    result = run(cooperative, dt.date(2026, 3, 9))

    assert penalties(loan)[0] == DAY_PENALTY
    assert {x.pk: loan_state(x) for x in (paid, prepaid, closed, elsewhere)} == untouched
    assert (result.run.loans_late, result.run.penalties) == (1, DAY_PENALTY)


def test_the_job_writes_no_ledger_entry(cooperative, loan):
    before = books()

    run_days(cooperative, dt.date(2026, 3, 6), dt.date(2026, 3, 12))

    assert penalties(loan)[0] == 4 * DAY_PENALTY
    assert books() == before  # cash basis: income only when the penalty is paid


# --- the run guard -----------------------------------------------------------------------


def test_a_second_run_for_the_date_changes_nothing(cooperative, loan):
    first = loans_daily_run(cooperative=cooperative, date=dt.date(2026, 3, 10), remind=True)
    state, notifications = loan_state(loan), Notification.objects.count()

    again = loans_daily_run(cooperative=cooperative, date=dt.date(2026, 3, 10), remind=True)

    assert (again.created, again.run.pk) == (False, first.run.pk)
    assert loan_state(loan) == state
    assert Notification.objects.count() == notifications
    assert LoanDailyRun.objects.filter(cooperative=cooperative).count() == 1


def test_a_future_date_is_refused(cooperative, loan):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    state = loan_state(loan)

    with pytest.raises(DomainError):
        run(cooperative, tomorrow)

    assert not LoanDailyRun.objects.exists()
    assert loan_state(loan) == state


def test_a_date_before_one_that_ran_is_refused(cooperative, loan):
    run(cooperative, dt.date(2026, 3, 12))
    state = loan_state(loan)

    with pytest.raises(DomainError):
        run(cooperative, dt.date(2026, 3, 11))

    assert loan_state(loan) == state
    assert list(LoanDailyRun.objects.values_list("date", flat=True)) == [dt.date(2026, 3, 12)]


def test_a_repayment_brings_arrears_down_at_once(cooperative, borrower, product, chair):
    """loan_repay lowers the stored days past due (a member who paid can apply again today);
    raising them is the daily job's work."""
    today = timezone.localdate()
    first_due = today - dt.timedelta(days=40)
    loan = disbursed(
        borrower, product, approver=chair, on=first_due - dt.timedelta(days=30), first_due=first_due
    )
    run(cooperative, today)
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (40, Grade.DPK)
    assert eligibility_problems(member=borrower, product=product, amount=100_000, term=6)

    # Installment 1 in full, with the day of penalty the run accrued on it.
    loan_repay(loan=loan, amount=112_000 + DAY_PENALTY, channel="cash", acting_user=None, on=today)

    loan.refresh_from_db()
    second_due = add_months(first_due, 1)
    assert loan.days_past_due == max((today - second_due).days, 0)
    owed = sum(r[2] + r[3] + r[4] - r[5] - r[6] - r[7] for r in rows(loan) if r[1] <= today)
    loan_repay(loan=loan, amount=owed, channel="cash", acting_user=None, on=today)
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (0, Grade.LANCAR)
    assert eligibility_problems(member=borrower, product=product, amount=100_000, term=6) == []


def test_a_back_dated_repayment_does_not_hide_arrears(cooperative, borrower, product, chair):
    today = timezone.localdate()
    first_due = today - dt.timedelta(days=100)
    loan = disbursed(
        borrower, product, approver=chair, on=first_due - dt.timedelta(days=30), first_due=first_due
    )
    run(cooperative, today)
    loan.refresh_from_db()
    assert loan.days_past_due == 100

    # Paid 1 rupiah, recorded as of the due date: installment 1 is still the oldest unpaid.
    loan_repay(loan=loan, amount=1, channel="cash", acting_user=None, on=first_due)

    loan.refresh_from_db()
    assert (loan.days_past_due, loan.grade) == (100, Grade.KURANG_LANCAR)


# --- reminders ---------------------------------------------------------------------------


def reminders_by_day(cooperative, first: dt.date, last: dt.date) -> list[tuple[str, dt.date]]:
    """Run every day from `first` to `last` with reminders; (kind, day) of each new one."""
    sent = []
    day = first
    while day <= last:
        before = set(Notification.objects.values_list("pk", flat=True))
        loans_daily_run(cooperative=cooperative, date=day, remind=True)
        sent += [
            (kind, day)
            for kind in Notification.objects.exclude(pk__in=before)
            .filter(kind__startswith="loan.")
            .values_list("kind", flat=True)
        ]
        day += dt.timedelta(days=1)
    return sent


def test_reminders_go_three_days_before_on_the_day_and_the_day_after_once(
    cooperative, borrower, loan
):
    sent = reminders_by_day(cooperative, dt.date(2026, 2, 27), dt.date(2026, 3, 12))

    assert sent == [
        ("loan.due_soon", dt.date(2026, 3, 2)),
        ("loan.due_today", dt.date(2026, 3, 5)),
        ("loan.overdue", dt.date(2026, 3, 6)),
    ]
    first = Installment.objects.get(loan=loan, number=1)
    notes = {n.kind: n for n in Notification.objects.filter(kind__startswith="loan.")}
    assert {kind: n.dedupe_key for kind, n in notes.items()} == {
        kind: f"loan-{kind}-{first.pk}"
        for kind in ("loan.due_soon", "loan.due_today", "loan.overdue")
    }
    assert {n.recipient_id for n in notes.values()} == {borrower.user_id}
    assert {n.cooperative_id for n in notes.values()} == {cooperative.pk}
    assert "Rp 112.000" in notes["loan.due_soon"].body
    # The overdue one says what is owed then: no penalty yet (within the grace days).
    assert "Rp 112.000" in notes["loan.overdue"].body


def test_a_paid_installment_gets_no_more_reminders(cooperative, loan):
    assert reminders_by_day(cooperative, dt.date(2026, 3, 2), dt.date(2026, 3, 4)) == [
        ("loan.due_soon", dt.date(2026, 3, 2))
    ]

    # Paid on the due date, before the day's run (a payment before the due date would be a
    # prepayment of the last installments: see services/loans/actions.py).
    loan_repay(loan=loan, amount=112_000, channel="cash", acting_user=None, on=DUE)

    assert reminders_by_day(cooperative, DUE, dt.date(2026, 3, 8)) == []


def test_a_missed_day_is_caught_up_once(cooperative, loan):
    run(cooperative, dt.date(2026, 3, 1), remind=True)  # then nothing until the 4th

    sent = reminders_by_day(cooperative, dt.date(2026, 3, 4), dt.date(2026, 3, 4))

    assert sent == [("loan.due_soon", dt.date(2026, 3, 4))]


def test_without_remind_nobody_is_told(cooperative, loan):
    run_days(cooperative, dt.date(2026, 3, 1), dt.date(2026, 3, 8), remind=False)

    assert not Notification.objects.filter(kind__startswith="loan.").exists()


# --- the command and the beat task -------------------------------------------------------


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("loans_daily", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_runs_one_cooperative_and_prints_a_summary(cooperative, loan):
    out, _err = command("--cooperative", cooperative.slug, "--date", "2026-03-10")

    assert f"{cooperative.slug} 2026-03-10: 1 loans late, penalties Rp 74;" in out
    assert "reminders: none" in out  # a past day tells nobody
    assert not Notification.objects.filter(kind__startswith="loan.").exists()
    assert penalties(loan)[0] == DAY_PENALTY  # 5 days late: one day past the grace days

    again, _err = command("--cooperative", cooperative.slug, "--date", "2026-03-10")
    assert "already ran" in again
    assert penalties(loan)[0] == DAY_PENALTY


def test_the_command_defaults_to_today_and_every_verified_cooperative(
    cooperative, other_cooperative, pending_cooperative, loan
):
    out, _err = command()

    today = timezone.localdate()
    ran = set(LoanDailyRun.objects.values_list("cooperative__slug", "date"))
    assert ran == {(cooperative.slug, today), (other_cooperative.slug, today)}
    assert f"{cooperative.slug} {today}: 1 loans late" in out
    assert (
        f"{other_cooperative.slug} {today}: 0 loans late, penalties Rp 0; reminders: loan." in out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "YYYY-MM-DD"),
        (["--date", "yesterday"], "YYYY-MM-DD"),
        (["--cooperative", "tidak-ada"], "No cooperative"),
    ],
)
def test_the_command_rejects_a_bad_date_or_an_unknown_cooperative(cooperative, loan, args, message):
    with pytest.raises(CommandError, match=message):
        command(*args)

    assert not LoanDailyRun.objects.exists()


def test_the_command_refuses_a_future_date(cooperative, loan):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(CommandError):
        command("--cooperative", cooperative.slug, "--date", tomorrow.isoformat())

    assert not LoanDailyRun.objects.exists()


def test_the_beat_task_queues_today_for_every_verified_cooperative(
    cooperative, other_cooperative, pending_cooperative, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.loans_daily_for, "delay", lambda *args: queued.append(args))

    assert tasks.loans_daily_all() == 2

    today = timezone.localdate().isoformat()
    assert sorted(queued) == sorted([(cooperative.pk, today), (other_cooperative.pk, today)])


def test_the_task_runs_the_job_once(cooperative, loan):
    first = tasks.loans_daily_for(cooperative.pk, "2026-03-10")
    again = tasks.loans_daily_for(cooperative.pk, "2026-03-10")

    assert first == {
        "created": True,
        "loans_late": 1,
        "penalties": DAY_PENALTY,
        "reminders": {},
    }
    assert again["created"] is False
