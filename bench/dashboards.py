"""The dashboards at scale, for `make bench` (bench/run.py calls `run()` once the database is
ready).

    .venv/bin/python -m bench.dashboards   # alone: prepares the bench database as run.py does

On the seeded demo cooperative (50,000 members, 24 months of postings) it makes sure the
bench loans of `bench.loans` exist (so that PAR30 has loans to weigh; they go to members
without a login) and takes today's portfolio snapshot of every verified cooperative
(`snapshots_take`, timed; it replaces today's row, so a rerun is harmless). Then:

a. the board's dashboard (koperasi:dashboard) as the chair, with 10 members and with 50,000:
   the query count must be the same and at most QUERY_LIMIT; then its server time at 50,000
   members, REQUESTS requests after a warm-up, median and p95 (target: p95 under
   TIME_LIMIT_MS, "well under a second");
b. the same for the platform staff's dashboard (platform:home), which sums every verified
   cooperative, with its query count and times.
"""

from __future__ import annotations

import statistics
import time

REQUESTS = 20
QUERY_LIMIT = 13
PLATFORM_QUERY_LIMIT = 14
TIME_LIMIT_MS = 500
STAFF_EMAIL = "platform@bench.test"

Rows = list[tuple[str, str, str, str]]


def _row(what: str, value: str, target: str = "", ok: bool | None = None):
    return (what, value, target, "-" if ok is None else ("yes" if ok else "NO"))


def _measure(url: str, user) -> tuple[int, list[float]]:
    """(queries of one request, milliseconds of REQUESTS requests) of GET `url` as `user`."""
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from koperasi.security import has_second_factor, needs_second_factor

    if needs_second_factor(user) and not has_second_factor(user):
        # Board members and platform staff must have an authenticator (koperasi/security.py).
        TOTP.activate(user, "BENCHBENCHBENCHBENCHBENCH")
    client = Client()
    client.force_login(user)
    for _ in range(2):  # warm-up: templates, translations, the session
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured.captured_queries)  # read now: the next request empties the log
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return queries, times


def _timing_rows(name: str, times: list[float]) -> Rows:
    ms = sorted(times)
    p95 = ms[min(len(ms) - 1, round(0.95 * len(ms)) - 1)]
    return [
        _row(f"{name} median, {REQUESTS} requests", f"{statistics.median(ms):.1f} ms"),
        _row(f"{name} p95", f"{p95:.1f} ms", f"< {TIME_LIMIT_MS} ms", p95 < TIME_LIMIT_MS),
    ]


def _board_rows() -> Rows:
    from django.urls import reverse

    from bench.run import MEMBERS, SMALL_MEMBERS, SMALL_SLUG
    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from koperasi.models import User

    measured = {}
    for slug, email in ((SMALL_SLUG, "ketua@bench.test"), (DEMO_SLUG, "ketua@sejahtera.demo")):
        url = reverse("koperasi:dashboard", kwargs={"coop_slug": slug})
        measured[slug] = _measure(url, User.objects.get(email=email))
    small, _ = measured[SMALL_SLUG]
    big, times = measured[DEMO_SLUG]
    return [
        _row(
            f"board dashboard queries, {SMALL_MEMBERS} members",
            str(small),
            f"<= {QUERY_LIMIT}",
            small <= QUERY_LIMIT,
        ),
        _row(
            f"board dashboard queries, {MEMBERS:,} members",
            str(big),
            f"= {small}",
            big == small and big <= QUERY_LIMIT,
        ),
        *_timing_rows(f"board dashboard, {MEMBERS:,} members", times),
    ]


def _platform_rows() -> Rows:
    from django.urls import reverse

    from koperasi.models import Cooperative, User

    staff, _ = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"full_name": "Fasilitator Bench", "is_platform_staff": True}
    )
    verified = Cooperative.objects.verified().count()
    queries, times = _measure(reverse("platform:home"), staff)
    return [
        _row(
            f"platform dashboard queries, {verified} verified cooperatives",
            str(queries),
            f"<= {PLATFORM_QUERY_LIMIT}",
            queries <= PLATFORM_QUERY_LIMIT,
        ),
        *_timing_rows("platform dashboard", times),
    ]


def _snapshot_row() -> Rows:
    from django.db import transaction

    from services.snapshots import snapshots_take

    started = time.perf_counter()
    with transaction.atomic():
        written = snapshots_take()
    seconds = time.perf_counter() - started
    return [_row(f"portfolio snapshots of {written} cooperatives", f"{seconds * 1000:.0f} ms")]


def run() -> Rows:
    """The dashboard rows of the bench table: (what, value, target, ok), ok yes / NO / -."""
    from django.urls import NoReverseMatch

    from bench.loans import _seed
    from koperasi.management.commands.seed_demo import DEMO_SLUG
    from koperasi.models import Cooperative

    _seed(Cooperative.objects.get(slug=DEMO_SLUG))  # reused when already there
    rows = _snapshot_row()
    try:
        rows += _board_rows()
        rows += _platform_rows()
    except (NoReverseMatch, RuntimeError) as error:
        rows.append(_row("dashboards", f"missing: {error}", "", False))
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
