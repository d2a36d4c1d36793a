"""`make bench`: the portal at scale, on a PostgreSQL database of its own. Prints one table.

    make bench                                # or: .venv/bin/python -m bench.run
    BENCH_DATABASE_URL=postgres://u@host:5432/db make bench
    BENCH_RESEED=1 make bench                 # drop the data and seed again (times the seed)

It creates and migrates `koperasi_bench` (never the test or development database), seeds the
demo cooperative with 50,000 members and 24 months of history with `seed_demo` (about 2.4
million postings; reused on the next run when the size is right), and a second cooperative
with 10 members. The history ends two months ago, so last month has ended but is not closed.
Then, in one run:

a. the member dashboard's query count with 10 members and with 50,000 (equal, at most 12);
b. its server time at 50,000 members: 30 requests through Django's test client after a
   warm-up, median and p95;
c. month end (`month_end_run`) of the unclosed month for 50,000 members beside a raw
   `INSERT ... SELECT` of the same rows (the wajib bills and the interest postings), each
   inside a transaction rolled back, so the bench can run again; the ratio should stay <= 3;
d. the member dashboard under load (bench/load.py): gunicorn on the bench database, a member
   signed in through the login form, wrk's requests per second and latency for the dashboard
   beside a trivial signed-in page, in the same run (needs wrk; about a minute).

Exit status 1 when a target is missed. Settings are production-like: DEBUG off, no Redis.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/koperasi_bench"
MEMBERS = 50_000
MONTHS = 24
SMALL_MEMBERS = 10
SMALL_SLUG = "bench-sepuluh-anggota"
REQUESTS = 30
MONTH_END_REPEATS = 3
QUERY_LIMIT = 12
SEED_LIMIT_S = 120
RATIO_LIMIT = 3.0
VACUUMED = (
    "members_member",
    "services_account",
    "services_journalentry",
    "services_posting",
    "services_savingsbill",
)


@dataclass
class Row:
    what: str
    value: str
    target: str = ""
    ok: bool | None = None  # None: nothing to judge


def _configure_environment(variable: str = "BENCH_DATABASE_URL", default: str = DEFAULT_URL) -> str:
    """Point Django at the bench's own PostgreSQL database, with production-like settings."""
    url = os.environ.get(variable, default)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"{variable} must point at PostgreSQL.")
    os.environ.update(
        DATABASE_URL=url,
        DEBUG="false",
        HTTPS="false",
        ALLOWED_HOSTS="testserver",
        REDIS_URL="",
        STATIC_MANIFEST="false",
        CELERY_TASK_ALWAYS_EAGER="true",
        LOG_LEVEL="ERROR",
        EMAIL_URL="dummymail://",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "b" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "koperasi.settings")
    return url


def _this_month() -> dt.date:
    from django.utils import timezone

    return timezone.localdate().replace(day=1)


def _database_state(url: str, demo_slug: str) -> tuple[bool, int, int, dt.date | None]:
    """(exists, members of the big cooperative, closed months, last closed month)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg2.connect(admin) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            return False, 0, 0, None
    try:
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(
                """SELECT (SELECT COUNT(*) FROM members_member m
                            WHERE m.cooperative_id = c.id),
                          (SELECT COUNT(*) FROM services_monthendrun r
                            WHERE r.cooperative_id = c.id),
                          (SELECT MAX(month) FROM services_monthendrun r
                            WHERE r.cooperative_id = c.id)
                     FROM koperasi_cooperative c WHERE c.slug = %s""",
                [demo_slug],
            )
            row = cursor.fetchone()
    except psycopg2.Error:  # not migrated yet
        return True, 0, 0, None
    return (True, *row) if row else (True, 0, 0, None)


def _recreate_database(url: str, *, drop: bool) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cursor:
        if drop:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _prepare(url: str) -> tuple[list[Row], dt.date]:
    """Create, migrate and seed the bench database when needed. Returns the seed's rows and
    the month to close (the first unclosed month, which has ended)."""
    import django

    django.setup()  # no database connection yet: the database may still be created below
    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from services.savings.actions import add_months

    this_month = _this_month()
    exists, members, closed, last_closed = _database_state(url, DEMO_SLUG)
    reusable = (
        members == MEMBERS
        and closed == MONTHS
        and last_closed is not None
        and add_months(last_closed, 1) < this_month
        and not os.environ.get("BENCH_RESEED")
    )
    if not exists or (members and not reusable):
        _recreate_database(url, drop=exists)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows: list[Row] = []
    if reusable:
        rows.append(
            Row(f"seed {MEMBERS:,} members x {MONTHS} months", "reused; BENCH_RESEED=1 times it")
        )
        month = add_months(last_closed, 1)
    else:
        end_month = add_months(this_month, -2)
        started = time.perf_counter()
        call_command(
            "seed_demo",
            members=MEMBERS,
            months=MONTHS,
            end_month=f"{end_month:%Y-%m}",
            stdout=io.StringIO(),
        )
        seconds = time.perf_counter() - started
        rows.append(
            Row(
                f"seed {MEMBERS:,} members x {MONTHS} months",
                f"{seconds:.1f} s",
                f"<= {SEED_LIMIT_S} s",
                seconds <= SEED_LIMIT_S,
            )
        )
        month = add_months(end_month, 1)
    from django.db import connection

    from services.ledger.models import Posting

    with connection.cursor() as cursor:  # the steady state autovacuum keeps in production
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(VACUUMED)}")
    postings = Posting.objects.filter(cooperative__slug=DEMO_SLUG).count()
    rows.append(Row(f"postings, {MEMBERS:,}-member cooperative", f"{postings:,}", "~2.4 M"))
    _small_cooperative(last_month=add_months(month, -1))
    return rows, month


def _small_cooperative(*, last_month: dt.date) -> None:
    """A second cooperative with 10 members and the same months, for the query count."""
    from django.db import transaction
    from django.utils import timezone

    from koperasi.models import Cooperative, Role, User
    from services.savings.demo_history import demo_history_seed

    with transaction.atomic():
        chair, _ = User.objects.get_or_create(
            email="ketua@bench.test", defaults={"full_name": "Ketua Bench"}
        )
        member_user, _ = User.objects.get_or_create(
            email="anggota@bench.test", defaults={"full_name": "Anggota Bench"}
        )
        cooperative, _ = Cooperative.objects.get_or_create(
            slug=SMALL_SLUG,
            defaults={
                "name": "Koperasi Bench Sepuluh Anggota",
                "legal_entity_number": "AHU-0009999.AH.01.26.TAHUN 2024",
                "nik_koperasi": "3273019999990010",
                "type": Cooperative.Type.KSP,
                "province_id": "32",
                "regency_id": "32.73",
                "address": "Jl. Braga No. 1, Bandung",
                "phone": "+62225550010",
                "email": "bench@bench.test",
                "status": Cooperative.Status.VERIFIED,
                "decided_at": timezone.now(),
                "created_by": chair,
            },
        )
        for user, kind, title in (
            (chair, Role.Kind.BOARD, Role.Title.CHAIR),
            (member_user, Role.Kind.MEMBER, ""),
        ):
            Role.objects.get_or_create(
                cooperative=cooperative, user=user, kind=kind, defaults={"title": title}
            )
        demo_history_seed(
            cooperative=cooperative,
            acting_user=chair,
            members=SMALL_MEMBERS,
            months=MONTHS,
            last_month=last_month,
            member_users=[member_user],
        )


def _dashboard(slug: str, email: str) -> tuple[str, int, list[float]]:
    """(url, queries of one request, seconds of REQUESTS requests) of the member dashboard."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from koperasi.models import User

    url = reverse("koperasi:member-home", kwargs={"coop_slug": slug})
    client = Client()
    client.force_login(User.objects.get(email=email))
    for _ in range(3):  # warm-up: templates, translations, the session
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Read now: Django empties the query log when the next request starts.
    queries = len(captured.captured_queries)
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return url, queries, times


def _dashboard_rows() -> list[Row]:
    from django.urls import NoReverseMatch

    from koperasi.management.commands.seed_demo import DEMO_SLUG

    try:
        _url, small_queries, _times = _dashboard(SMALL_SLUG, "anggota@bench.test")
        _url, big_queries, times = _dashboard(DEMO_SLUG, "anggota1@sejahtera.demo")
    except (NoReverseMatch, RuntimeError) as error:
        return [Row("member dashboard (koperasi:member-home)", f"missing: {error}", "", False)]
    ms = sorted(seconds * 1000 for seconds in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    target = f"<= {QUERY_LIMIT}"
    return [
        Row(
            f"dashboard queries, {SMALL_MEMBERS} members",
            str(small_queries),
            target,
            small_queries <= QUERY_LIMIT,
        ),
        Row(
            f"dashboard queries, {MEMBERS:,} members",
            str(big_queries),
            f"{target}, = {small_queries}",
            big_queries <= QUERY_LIMIT and big_queries == small_queries,
        ),
        Row(f"dashboard median, {REQUESTS} requests", f"{statistics.median(ms):.1f} ms"),
        Row("dashboard p95", f"{p95:.1f} ms"),
    ]


RAW_BILLS_SQL = """
INSERT INTO services_savingsbill
    (cooperative_id, member_id, kind, period, due_date, amount, paid_amount, status)
SELECT m.cooperative_id, m.id, 'wajib', %(period)s, %(due)s, %(amount)s, 0, 'open'
  FROM members_member m
 WHERE m.cooperative_id = %(coop)s AND m.status = 'active' AND m.joined_on <= %(last)s
"""

# The month has no movements in the bench data, so its lowest balance is the stored balance.
RAW_INTEREST_SQL = """
INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date)
WITH i AS (
    SELECT a.id, a.balance * %(rate_bp)s / 120000 AS interest
      FROM services_account a JOIN members_member m ON m.id = a.member_id
     WHERE a.cooperative_id = %(coop)s AND a.savings_kind = 'sukarela' AND m.status = 'active'
       AND a.balance >= %(minimum)s AND a.balance * %(rate_bp)s / 120000 > 0
)
SELECT %(entry)s, %(coop)s, id, -interest, %(last)s FROM i
UNION ALL
SELECT %(entry)s, %(coop)s, %(expense)s, SUM(interest), %(last)s FROM i
"""


def _rolled_back(work):
    """Run `work()` in a transaction that is rolled back; return (seconds, its result)."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, result


def _month_end_rows(month: dt.date) -> list[Row]:
    from django.db import connection

    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from koperasi.models import Cooperative
    from services.ledger import chart
    from services.ledger.models import JournalEntry
    from services.savings.actions import product_for
    from services.savings.month_end import month_bounds, month_end_run

    cooperative = Cooperative.objects.get(slug=DEMO_SLUG)
    product = product_for(cooperative)
    first, last = month_bounds(month)

    def month_end():
        run = month_end_run(cooperative=cooperative, month=month).run
        return run.bills_created, run.interest_members + 1, run.interest_total

    def raw():
        expense = chart.gl_account(cooperative, chart.SAVINGS_INTEREST_EXPENSE)
        with connection.cursor() as cursor:
            cursor.execute(
                RAW_BILLS_SQL,
                {
                    "coop": cooperative.pk,
                    "period": first,
                    "due": first.replace(day=product.wajib_due_day),
                    "amount": product.wajib_amount,
                    "last": last,
                },
            )
            bills = cursor.rowcount
            entry = JournalEntry.objects.create(
                cooperative=cooperative,
                date=last,
                kind=JournalEntry.Kind.INTEREST,
                idempotency_key=f"bench-raw-{first:%Y-%m}",
                fingerprint="bench",
            )
            cursor.execute(
                RAW_INTEREST_SQL,
                {
                    "coop": cooperative.pk,
                    "entry": entry.pk,
                    "expense": expense.pk,
                    "last": last,
                    "rate_bp": int(product.sukarela_annual_rate * 100),
                    "minimum": max(product.sukarela_min_balance, 1),
                },
            )
            postings = cursor.rowcount
            cursor.execute(
                "SELECT amount FROM services_posting WHERE entry_id = %s AND account_id = %s",
                [entry.pk, expense.pk],
            )
            (total,) = cursor.fetchone()
        return bills, postings, total

    timings: dict[str, list[float]] = {"month_end": [], "raw": []}
    results = {}
    for _ in range(MONTH_END_REPEATS):
        for name, work in (("month_end", month_end), ("raw", raw)):
            seconds, results[name] = _rolled_back(work)
            timings[name].append(seconds)
    month_end_s = statistics.median(timings["month_end"])
    raw_s = statistics.median(timings["raw"])
    ratio = month_end_s / raw_s
    bills, postings, total = results["month_end"]
    same = results["month_end"] == results["raw"]
    return [
        Row(
            f"month end {first:%Y-%m}: bills, interest postings",
            f"{bills:,}, {postings:,} (Rp {total:,})",
            "= raw",
            same,
        ),
        Row(f"month_end_run, median of {MONTH_END_REPEATS}", f"{month_end_s:.2f} s"),
        Row("raw INSERT ... SELECT, same rows", f"{raw_s:.2f} s"),
        Row("month end / raw", f"{ratio:.1f}x", f"<= {RATIO_LIMIT:g}x", ratio <= RATIO_LIMIT),
    ]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _print(rows: list[Row]) -> None:
    header = Row("what", "value", "target")
    widths = [
        max(len(getattr(row, name)) for row in [header, *rows])
        for name in ("what", "value", "target")
    ]

    def line(what: str, value: str, target: str, ok: str) -> str:
        return f"{what:<{widths[0]}}  {value:>{widths[1]}}  {target:<{widths[2]}}  {ok}"

    _out(line("what", "value", "target", "ok?"))
    _out(line("-" * widths[0], "-" * widths[1], "-" * widths[2], "---"))
    for row in rows:
        ok = "-" if row.ok is None else ("yes" if row.ok else "NO")
        _out(line(row.what, row.value, row.target, ok))


def _imported_rows(module: str) -> list[Row]:
    """Rows from another bench module's run(): (what, value, target, ok) with ok yes/NO/-."""
    import importlib

    judged = {"yes": True, "NO": False}
    return [
        Row(what, value, target, judged.get(ok))
        for what, value, target, ok in importlib.import_module(module).run()
    ]


def main() -> int:
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic here
    url = _configure_environment()
    _out(f"Benchmark database {urlsplit(url).path.lstrip('/')}: preparing (a first seed: ~1 min)")
    rows, month = _prepare(url)
    rows += _dashboard_rows()
    rows += _imported_rows("bench.load")
    rows += _month_end_rows(month)
    rows += _imported_rows("bench.loans")
    rows += _imported_rows("bench.dashboards")
    rows += _imported_rows("bench.notifications")
    rows += _imported_rows("bench.shu")
    _out()
    _print(rows)
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
