"""Loans at scale, for `make bench` (bench/run.py calls `run()` once the database is ready).

    .venv/bin/python -m bench.loans        # alone: prepares the bench database as run.py does

On the seeded demo cooperative it creates, once, 20,000 active loans set-based (Rp 6.000.000
over 12 months, flat 12 %, disbursed over the last 330 days; most installments due so far are
paid, about 10 % of the loans stopped paying after a few installments and 10 % owe their most
recent installment). They go to members without a login, so the dashboard bench's members
keep no loan. Then, in one run, each measurement inside a transaction rolled back so that the
bench can run again:

a. the daily job (`loans_daily_run`, no reminders) beside the same two UPDATEs run directly
   through a cursor: the ratio is the job's own cost (run row, totals, event) and should stay
   <= 3;
b. the daily job with its reminders: how many notifications and how long (the reminders are
   written set-based by koperasi.notifications.bulk), and for comparison what `notify()` one
   reminder at a time costs per reminder;
c. the member's loan page (koperasi:member-loan-detail) for a loan with 5 repayments and one
   with 60, both up to date: its query count must not grow with the history (a missing or
   failing page is reported as a missed target).

The bench loans have schedules but no ledger entries (they are fixtures for the daily job,
which writes none); `ledger_check` is not affected because no posting is involved.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from contextlib import contextmanager
from decimal import Decimal

LOANS = 20_000
PURPOSE = "bench-loans"
REPEATS = 3
RATIO_LIMIT = 3.0
NOTIFY_SAMPLE = 200
HISTORIES = (5, 60)

Rows = list[tuple[str, str, str, str]]


def _row(what: str, value: str, target: str = "", ok: bool | None = None):
    return (what, value, target, "-" if ok is None else ("yes" if ok else "NO"))


LOANS_SQL = """
INSERT INTO services_loan
    (cooperative_id, member_id, product_id, amount, term_months, annual_rate, method, purpose,
     status, applied_at, decided_at, rejection_reason, admin_fee_percent, admin_fee,
     disbursed_on, disbursed_via,
     outstanding_principal, days_past_due, grade)
SELECT %(coop)s, m.id, %(product)s, 6000000, 12, 12.00, 'flat', %(purpose)s,
       'active', %(now)s, %(now)s, '', 1.00, 60000,
       CAST(%(today)s AS date) - 1 - CAST(ROW_NUMBER() OVER (ORDER BY m.id) %% 330 AS integer),
       'cash', 6000000, 0, 'lancar'
  FROM members_member m
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active' AND m.user_id IS NULL
 ORDER BY m.id
 LIMIT %(loans)s
"""

# Paid: every installment due before today, except, for one loan in ten, those after its
# first 0-2 installments, and for another one in ten, the one due in the last 30 days.
INSTALLMENTS_SQL = """
INSERT INTO services_installment
    (loan_id, cooperative_id, number, due_date, principal, interest, penalty, paid_principal,
     paid_interest, paid_penalty, paid_on, waived)
WITH s AS (
    SELECT l.id AS loan_id, k AS number,
           CAST(l.disbursed_on + k * INTERVAL '1 month' AS date) AS due,
           l.id %% 10 AS bucket, (l.id / 10) %% 3 AS kept
      FROM services_loan l CROSS JOIN generate_series(1, 12) AS k
     WHERE l.cooperative_id = %(coop)s AND l.purpose = %(purpose)s
), p AS (
    SELECT s.*, (s.due < CAST(%(today)s AS date)
                 AND NOT (s.bucket = 0 AND s.number > s.kept)
                 AND NOT (s.bucket = 1 AND s.due >= CAST(%(today)s AS date) - 30)) AS paid
      FROM s
)
SELECT loan_id, %(coop)s, number, due, 500000, 60000, 0,
       CASE WHEN paid THEN 500000 ELSE 0 END, CASE WHEN paid THEN 60000 ELSE 0 END, 0,
       CASE WHEN paid THEN due END, FALSE
  FROM p
"""

OUTSTANDING_SQL = """
UPDATE services_loan SET outstanding_principal = services_loan.amount - s.paid
  FROM (SELECT i.loan_id, SUM(i.paid_principal) AS paid FROM services_installment i
         WHERE i.cooperative_id = %(coop)s GROUP BY i.loan_id) s
 WHERE services_loan.id = s.loan_id AND services_loan.purpose = %(purpose)s
"""


def _product(cooperative, name: str, **extra):
    from services.loans.models import LoanProduct

    product, _ = LoanProduct.objects.get_or_create(
        cooperative=cooperative,
        name=name,
        defaults={
            "method": "flat",
            "annual_rate": Decimal("12.00"),
            "max_amount": 50_000_000,
            "max_term": 60,
            "penalty_percent": Decimal("2.00"),
            "grace_days": 3,
            "savings_multiple": Decimal(0),
            **extra,
        },
    )
    return product


def _seed(cooperative) -> float | None:
    """Create the bench loans unless they are there; seconds taken (None: reused)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from services.loans.models import Loan

    loans = Loan.objects.filter(cooperative=cooperative, purpose=PURPOSE)
    if (
        loans.filter(status=Loan.Status.ACTIVE).count() == LOANS
        and not loans.filter(member__user__isnull=False).exists()
    ):
        return None
    started = time.perf_counter()
    with transaction.atomic():
        loans.delete()  # installments go with them (cascade)
        product = _product(cooperative, "Bench: flat 12 %")
        params = {
            "coop": cooperative.pk,
            "product": product.pk,
            "purpose": PURPOSE,
            "now": timezone.now(),
            "today": timezone.localdate(),
            "loans": LOANS,
        }
        with connection.cursor() as cursor:
            cursor.execute(LOANS_SQL, params)
            cursor.execute(INSTALLMENTS_SQL, params)
            cursor.execute(OUTSTANDING_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) services_loan, services_installment")
    return time.perf_counter() - started


@contextmanager
def _loan_kinds():
    """The reminder kinds, until koperasi/notifications/kinds.py has them."""
    from koperasi.notifications import kinds

    wanted = {
        "loan.due_soon": "Loan installment due soon",
        "loan.due_today": "Loan installment due today",
        "loan.overdue": "Loan installment overdue",
    }
    added = [key for key in wanted if key not in kinds.KINDS]
    for key in added:
        kinds.KINDS[key] = kinds.Kind(key, wanted[key], (kinds.INAPP, kinds.SMS))
    try:
        yield
    finally:
        for key in added:
            del kinds.KINDS[key]


def _rolled_back(work, check=lambda result: result):
    """Time `work()` in a transaction that is rolled back; (seconds, `check(its result)`),
    the check running untimed before the rollback."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        checked = check(result)
        transaction.set_rollback(True)
    return seconds, checked


def _state(cooperative) -> tuple[int, int]:
    """(late active loans, all penalties) of the cooperative."""
    from django.db.models import Sum

    from services.loans.models import Installment, Loan

    late = Loan.objects.filter(
        cooperative=cooperative, status=Loan.Status.ACTIVE, days_past_due__gt=0
    ).count()
    penalty = Installment.objects.filter(cooperative=cooperative).aggregate(s=Sum("penalty"))["s"]
    return late, penalty or 0


def _daily_rows(cooperative) -> Rows:
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from services.loans import daily

    today = timezone.localdate()

    params = {"coop": cooperative.pk, "date": today, "false": False}
    penalties_before = _state(cooperative)[1]

    def job():
        return daily.loans_daily_run(cooperative=cooperative, date=today, remind=False)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(daily.arrears_sql(), params)
            cursor.execute(daily.penalty_sql().split("RETURNING")[0], params)

    def job_check(result):
        return (result.run.loans_late, result.run.penalties), _state(cooperative)

    def raw_check(_result):
        late, total = _state(cooperative)
        return (late, total - penalties_before), (late, total)

    timings: dict[str, list[float]] = {"job": [], "raw": []}
    results = {}
    for _ in range(REPEATS):
        for name, work, check in (("job", job, job_check), ("raw", raw, raw_check)):
            seconds, results[name] = _rolled_back(work, check)
            timings[name].append(seconds)
    job_s, raw_s = statistics.median(timings["job"]), statistics.median(timings["raw"])
    (late, penalties), _after = results["job"]
    ratio = job_s / raw_s

    # Members are reached by SMS (the demo members have phones, few have a login): pretend
    # a gateway is configured. Deliveries are published after commit, and nothing commits.
    with _loan_kinds(), override_settings(NOTIFY_GATEWAY_URL="https://sms.bench.invalid/"):
        remind_s, sent = _rolled_back(
            lambda: daily.loans_daily_run(cooperative=cooperative, date=today).reminders
        )
        one_s, one_count = _rolled_back(lambda: _notify_one_by_one(cooperative, today))
    per_bulk = remind_s / max(sum(sent.values()), 1)
    per_one = one_s / max(one_count, 1)
    return [
        _row(
            f"loans daily {today}: late loans, penalties",
            f"{late:,}, Rp {penalties:,}",
            "= raw",
            results["job"] == results["raw"],
        ),
        _row(f"loans_daily_run, {LOANS:,} loans, median of {REPEATS}", f"{job_s:.2f} s"),
        _row("raw UPDATEs, same rows", f"{raw_s:.2f} s"),
        _row("loans daily / raw", f"{ratio:.1f}x", f"<= {RATIO_LIMIT:g}x", ratio <= RATIO_LIMIT),
        _row(
            "daily job with reminders: " + ", ".join(f"{k[5:]} {v:,}" for k, v in sent.items()),
            f"{remind_s:.2f} s",
        ),
        _row("  per reminder (job time / reminders)", f"{per_bulk * 1000:.3f} ms"),
        _row(f"  notify() one at a time, {one_count} reminders", f"{per_one * 1000:.3f} ms each"),
    ]


def _notify_one_by_one(cooperative, today: dt.date) -> int:
    """What the due-soon reminders cost through `notify()`, one installment at a time."""
    from koperasi.notifications.outbox import Recipient, notify
    from services.loans.models import Installment

    rows = (
        Installment.objects.filter(
            cooperative=cooperative,
            due_date__gt=today,
            due_date__lte=today + dt.timedelta(days=3),
            loan__status="active",
        )
        .select_related("loan__member__user")
        .order_by("id")[:NOTIFY_SAMPLE]
    )
    count = 0
    for row in rows:
        notify(
            kind="loan.due_soon",
            recipients=[Recipient.of_member(row.loan.member)],
            cooperative=cooperative,
            context={"amount": row.owed, "due": row.due_date},
            dedupe_key=f"bench-loan-due_soon-{row.pk}",
        )
        count += 1
    return count


def _page_rows() -> Rows:
    """The member's loan page for a loan with 5 and one with 60 repayments, both up to date
    and still running (72 months), in a transaction rolled back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from bench.run import SMALL_SLUG
    from koperasi.models import Cooperative, User
    from members.models import Member
    from services.loans.actions import loan_apply, loan_approve, loan_disburse, loan_repay
    from services.savings.actions import add_months

    cooperative = Cooperative.objects.get(slug=SMALL_SLUG)
    chair = User.objects.get(email="ketua@bench.test")
    member = Member.objects.get(cooperative=cooperative, user__email="anggota@bench.test")
    today = timezone.localdate()
    counts: dict[int, int] = {}
    problem = ""
    with transaction.atomic():
        product = _product(cooperative, "Bench: 72 months", max_term=72)
        for repayments in HISTORIES:
            loan = loan_apply(
                member=member, product=product, amount=7_200_000, term=72, purpose="bench"
            )
            loan = loan_approve(loan=loan, acting_user=chair)
            first_due = add_months(today, 1 - repayments)  # the last one paid is due today
            loan = loan_disburse(
                loan=loan,
                acting_user=chair,
                channel="sukarela",
                on=add_months(first_due, -1),
                first_due=first_due,
            )
            for number in range(repayments):
                loan_repay(
                    loan=loan,
                    amount=172_000,  # one installment: 100.000 principal + 72.000 interest
                    channel="cash",
                    acting_user=chair,
                    on=add_months(first_due, number),
                )
            try:
                url = reverse(
                    "koperasi:member-loan-detail",
                    kwargs={"coop_slug": cooperative.slug, "loan_id": loan.pk},
                )
            except NoReverseMatch as error:
                problem = f"missing: {error}"
                break
            client = Client()
            client.force_login(member.user)
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            if response.status_code != 200:
                problem = f"GET answered {response.status_code}"
                break
            counts[repayments] = len(captured.captured_queries)
        transaction.set_rollback(True)
    if problem:
        return [_row("member loan page (koperasi:member-loan-detail)", problem, "", False)]
    few, many = (counts[n] for n in HISTORIES)
    return [
        _row(f"member loan page queries, {HISTORIES[0]} repayments", str(few)),
        _row(
            f"member loan page queries, {HISTORIES[1]} repayments",
            str(many),
            f"= {few}",
            many == few,
        ),
    ]


def run() -> Rows:
    """The loan rows of the bench table: (what, value, target, ok) with ok yes / NO / -."""
    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from koperasi.models import Cooperative

    cooperative = Cooperative.objects.get(slug=DEMO_SLUG)
    seconds = _seed(cooperative)
    rows = [
        _row(
            f"seed {LOANS:,} loans x 12 installments",
            "reused" if seconds is None else f"{seconds:.1f} s",
        )
    ]
    rows += _daily_rows(cooperative)
    rows += _page_rows()
    return rows


def main() -> int:
    import warnings

    from bench import run as bench_run

    warnings.filterwarnings("ignore", message="No directory at")
    url = bench_run._configure_environment()
    bench_run._out(f"Benchmark database {url.rsplit('/', 1)[-1]}: preparing")
    bench_run._prepare(url)
    rows = run()
    judged = {"yes": True, "NO": False, "-": None}
    bench_run._print([bench_run.Row(w, v, t, judged[ok]) for w, v, t, ok in rows])
    return 1 if any(ok == "NO" for *_rest, ok in rows) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
