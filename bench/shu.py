"""SHU at scale, for `make bench` (bench/run.py calls `run()` once the database is ready).

    .venv/bin/python -m bench.shu          # alone: prepares the bench database as run.py does

On the seeded demo cooperative (50,000 members, 24 months of savings postings), for the last
full calendar year, inside a transaction rolled back so that the bench can run again:

- setup (not timed): one repayment with interest for each bench loan of bench/loans.py that
  was disbursed (20,000, when bench.loans has run; else no member has transactions), each
  with its own journal entry dated in the year, so the jasa usaha side has real inputs;
- `shu_preview` of an unsaved draft (sukarela included): the bases query plus `split_shu`
  in Python, beside a raw SQL aggregate of the same inputs (savings per member at year end,
  interest per member in the year) written independently; totals must agree; ratio <= 3x and
  the preview under 5 s;
- `shu_publish` with credit to sukarela (50,000 allocations, one entry with a posting per
  member), the vote's verdict stubbed as approved: how long it takes.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from contextlib import contextmanager

REPEATS = 3
RATIO_LIMIT = 3.0
SECONDS_LIMIT = 5.0
SURPLUS = 5_000_000_000

Rows = list[tuple[str, str, str, str]]


def _row(what: str, value: str, target: str = "", ok: bool | None = None):
    return (what, value, target, "-" if ok is None else ("yes" if ok else "NO"))


REPAYMENT_ENTRIES_SQL = """
INSERT INTO services_journalentry
    (cooperative_id, date, kind, memo, channel, idempotency_key, fingerprint, created_at,
     member_id)
SELECT %(coop)s, %(day)s, 'other', 'bench-shu ' || l.id, 'cash', 'bench-shu-' || l.id,
       'bench-shu', %(now)s, l.member_id
  FROM services_loan l
 WHERE l.cooperative_id = %(coop)s AND l.disbursed_on IS NOT NULL
"""

REPAYMENTS_SQL = """
INSERT INTO services_repayment
    (loan_id, entry_id, amount, penalty, interest, principal, prepaid, created_at)
SELECT l.id, e.id, 560000, 0, 60000 + (l.id %% 7) * 1000, 500000, 0, %(now)s
  FROM services_loan l
  JOIN services_journalentry e
    ON e.cooperative_id = %(coop)s AND e.idempotency_key = 'bench-shu-' || l.id
 WHERE l.cooperative_id = %(coop)s AND l.disbursed_on IS NOT NULL
"""

RAW_SAVINGS_SQL = """
SELECT a.member_id, SUM(-p.amount)
  FROM services_posting p JOIN services_account a ON a.id = p.account_id
 WHERE a.cooperative_id = %(coop)s AND a.member_id IS NOT NULL AND p.date <= %(last)s
 GROUP BY a.member_id
"""

RAW_INTEREST_SQL = """
SELECT l.member_id, SUM(r.interest)
  FROM services_repayment r
  JOIN services_loan l ON l.id = r.loan_id
  JOIN services_journalentry e ON e.id = r.entry_id
 WHERE l.cooperative_id = %(coop)s AND e.date BETWEEN %(first)s AND %(last)s
 GROUP BY l.member_id
"""


def _rolled_back(work):
    from django.db import transaction

    with transaction.atomic():
        result = work()
        transaction.set_rollback(True)
    return result


def _timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


@contextmanager
def _vote_stubbed_approved():
    from services.participation import shu as shu_module

    original = shu_module._vote_check
    shu_module._vote_check = lambda: lambda vote: True
    try:
        yield
    finally:
        shu_module._vote_check = original


def run() -> Rows:
    """The SHU rows of the bench table: (what, value, target, ok) with ok yes / NO / -."""
    from django.db import connection
    from django.utils import timezone

    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from koperasi.models import Cooperative
    from services.participation.models import ShuYear, Vote
    from services.participation.shu import fiscal_year_bounds, shu_preview, shu_publish

    cooperative = Cooperative.objects.get(slug=DEMO_SLUG)
    year = timezone.localdate().year - 1
    first, last = fiscal_year_bounds(cooperative, year)
    params = {"coop": cooperative.pk, "first": first, "last": last}

    def setup() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                REPAYMENT_ENTRIES_SQL,
                {**params, "day": dt.date(year, 6, 15), "now": timezone.now()},
            )
            cursor.execute(REPAYMENTS_SQL, {**params, "now": timezone.now()})
            return cursor.rowcount

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM members_member WHERE cooperative_id = %(coop)s"
                " AND status = 'active' AND joined_on <= %(last)s",
                params,
            )
            members = {row[0] for row in cursor.fetchall()}
            cursor.execute(RAW_SAVINGS_SQL, params)
            savings = {m: int(s) for m, s in cursor.fetchall() if m in members}
            cursor.execute(RAW_INTEREST_SQL, params)
            interest = {m: int(i) for m, i in cursor.fetchall() if m in members}
        return len(members), sum(savings.values()), sum(interest.values())

    def measure():
        repayments = setup()
        draft = ShuYear(cooperative=cooperative, year=year, surplus=SURPLUS, include_sukarela=True)
        times: dict[str, list[float]] = {"preview": [], "raw": []}
        preview = raw_result = None
        for _ in range(REPEATS):
            seconds, preview = _timed(lambda: shu_preview(shu_year=draft))
            times["preview"].append(seconds)
            seconds, raw_result = _timed(raw)
            times["raw"].append(seconds)
        now = timezone.now()
        vote = Vote.objects.create(
            cooperative=cooperative,
            question="bench",
            opens_at=now - dt.timedelta(days=2),
            closes_at=now - dt.timedelta(days=1),
            created_by=cooperative.created_by,
        )
        draft.credit_to_sukarela = True
        draft.vote = vote
        ShuYear.objects.filter(cooperative=cooperative, year=year).delete()
        draft.save()
        with _vote_stubbed_approved():
            publish_s, published = _timed(lambda: shu_publish(shu_year=draft, acting_user=None))
        postings = published.entry.postings.count() if published.entry_id else 0
        return repayments, preview, raw_result, times, publish_s, postings

    repayments, preview, raw_result, times, publish_s, postings = _rolled_back(measure)
    preview_s = statistics.median(times["preview"])
    raw_s = statistics.median(times["raw"])
    ratio = preview_s / raw_s if raw_s else float("inf")
    mine = (len(preview.rows), preview.savings_total, preview.transactions_total)
    return [
        _row(
            f"SHU {year}: members, savings, interest",
            f"{mine[0]:,}, Rp {mine[1]:,}, Rp {mine[2]:,} ({repayments:,} repayments)",
            "= raw",
            mine == raw_result,
        ),
        _row(f"SHU {year}: paid to members", f"Rp {preview.members_total:,}"),
        _row(
            f"shu_preview (bases + split), median of {REPEATS}",
            f"{preview_s:.2f} s",
            f"< {SECONDS_LIMIT:g} s",
            preview_s < SECONDS_LIMIT,
        ),
        _row("raw SQL aggregate, same inputs", f"{raw_s:.2f} s"),
        _row("SHU preview / raw", f"{ratio:.1f}x", f"<= {RATIO_LIMIT:g}x", ratio <= RATIO_LIMIT),
        _row(
            "shu_publish to sukarela (rolled back)",
            f"{publish_s:.2f} s, {postings:,} postings",
        ),
    ]


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
