"""Load test for `make bench`: requests per second of the member dashboard beside a trivial
logged-in page, through gunicorn, on the 50,000-member bench database.

    .venv/bin/python -m bench.load    # alone (make bench-load): prepares the database as run.py
    BENCH_LOAD_WORKERS=3 BENCH_LOAD_SECONDS=60 make bench-load   # defaults: 2 workers, 20 s

`run()` expects bench/run.py's environment (the bench database, seeded). It starts gunicorn
(`koperasi.wsgi`, WORKERS sync workers as in the Procfile, on a free port of 127.0.0.1) with
production settings: DEBUG off, HTTPS on, a SECRET_KEY, no `.env`. It is reached the way it
is behind a TLS-terminating proxy, with `X-Forwarded-Proto: https`, so the HTTPS redirect,
secure cookies and CSRF's origin checks all apply. A demo member signs in through the real
login form (GET for the CSRF cookie, POST the email and password) and keeps the session
cookie. After a short warm-up of both, `wrk` runs for DURATION_S seconds a page with THREADS
threads and CONNECTIONS connections, in rounds of half that, ordered A B B A so that a change
in the machine's other work does not weigh on one page only, against:

a. the cheapest page a signed-in member gets: "My cooperatives" (/koperasi-saya/), the base
   layout and a list of the person's cooperatives;
b. the member dashboard (/k/<demo slug>/anggota/) of a member of the 50,000-member
   cooperative: balances, open bills, 24 month-end balances, the chart.

For each: requests per second, latency p50 (the rounds' mean) and p99 (the higher round's),
responses other than 200 (counted by a Lua script: wrk itself would count a redirect to the
login page as a success) and socket errors; the queries and session writes of one request
(Django's test client, in-process); then the dashboard's requests per second as a fraction of
the trivial page's. The CPU count and the load average go in the table: other work on the
machine moves these figures.

wrk comes from Debian (`apt-get install -y wrk`, done here when running as root). gunicorn is
stopped at the end, also when something fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPResponse
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "2"))
THREADS = 2
CONNECTIONS = 8
DURATION_S = max(2, int(os.environ.get("BENCH_LOAD_SECONDS", "20")))  # a page, in two rounds
WARMUP_S = 2
START_TIMEOUT_S = 30
MEMBER_EMAIL = "anggota1@sejahtera.demo"
TRIVIAL_PATH = "/koperasi-saya/"

Rows = list[tuple[str, str, str, str]]

# Counts what wrk would not (a 302 to the login page is a "success" to wrk) and prints one
# JSON line that run() parses instead of wrk's human-readable report.
WRK_SCRIPT = """
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   not_ok = 0
end

function response(status, headers, body)
   if status ~= 200 then
      not_ok = not_ok + 1
   end
end

function done(summary, latency, requests)
   local not_ok_total = 0
   for _, thread in ipairs(threads) do
      not_ok_total = not_ok_total + thread:get("not_ok")
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"not_200": %d, "socket_errors": %d, "timeouts": %d}\\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      not_ok_total, e.connect + e.read + e.write, e.timeout))
end
"""


class LoadError(Exception):
    """The load test could not run (no wrk, gunicorn did not start, the login failed)."""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    not_200: int
    socket_errors: int
    timeouts: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def _row(what: str, value: str, target: str = "", ok: bool | None = None):
    return (what, value, target, "-" if ok is None else ("yes" if ok else "NO"))


def _wrk() -> str:
    """The wrk binary; installed with apt when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    apt_get = shutil.which("apt-get")
    if os.geteuid() == 0 and apt_get:
        sys.stdout.write("wrk is missing: apt-get install -y wrk\n")

        def apt(*arguments: str) -> int:
            return subprocess.run(  # noqa: S603 - apt-get with fixed arguments
                [apt_get, "-q", *arguments], capture_output=True, check=False
            ).returncode

        if apt("install", "-y", "wrk") != 0:  # the package lists may be missing: update first
            apt("update")
            apt("install", "-y", "wrk")
        found = shutil.which("wrk")
        if found:
            return found
    raise LoadError("wrk is not installed: run `apt-get install wrk` (Debian/Ubuntu) as root")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_environment() -> dict[str, str]:
    """Production settings (DEBUG off, HTTPS on) on the bench database."""
    environment = dict(os.environ)
    environment.update(
        DEBUG="false",
        HTTPS="true",
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ENV_FILE=os.devnull,  # a developer's .env must not change the figures
        LOG_LEVEL="WARNING",
        # No collectstatic here: {% static %} without the manifest (a dict lookup less).
        STATIC_MANIFEST="false",
        DJANGO_SETTINGS_MODULE="koperasi.settings",
    )
    return environment


class Server:
    """HTTP/1.1 requests to the gunicorn under test, as if through a TLS proxy, with cookies."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        """(status, Location header, body); keeps the cookies the server sets."""
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = self.headers()
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        try:
            connection.request(method, path, body=body, headers=headers)
            response: HTTPResponse = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.headers.get("Location", ""), text


@contextlib.contextmanager
def gunicorn(log: Path) -> Iterator[Server]:
    """gunicorn on a free port, answering; stopped (TERM, then KILL) whatever happens."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "koperasi.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        "--log-level=warning",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env=_server_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl+C reaches us, and the finally below stops it
        )
    stop_on_term = signal.signal(signal.SIGTERM, _exit_on_term)  # run the finally below too
    try:
        server = Server(port)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise LoadError(f"gunicorn exited ({process.returncode}): {_tail(log)}")
            try:
                status, _location, _body = server.request("GET", "/akun/login/")
            except OSError:
                status = 0
            if status == 200:
                break
            if time.monotonic() > deadline:
                raise LoadError(f"gunicorn did not answer 200 in {START_TIMEOUT_S} s: {_tail(log)}")
            time.sleep(0.2)
        server.cookies.clear()
        yield server
    finally:
        signal.signal(signal.SIGTERM, stop_on_term)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _exit_on_term(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _login(server: Server, email: str, password: str) -> None:
    """Sign in through the login form; the server keeps the session cookie."""
    status, _location, page = server.request("GET", "/akun/login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or not match or "csrftoken" not in server.cookies:
        raise LoadError(f"GET /akun/login/ answered {status} without a CSRF form or cookie")
    status, location, _page = server.request(
        "POST",
        "/akun/login/",
        {"csrfmiddlewaretoken": match.group(1), "login": email, "password": password},
    )
    if status != 302 or "sessionid" not in server.cookies or "login" in location:
        raise LoadError(f"the login of {email} answered {status} -> {location or 'no redirect'}")


def _check(server: Server, path: str, marker: str) -> None:
    status, location, page = server.request("GET", path)
    if status != 200 or marker not in page:
        where = f" -> {location}" if location else ""
        raise LoadError(f"GET {path} answered {status}{where}, not the page (no {marker!r})")


def _run_wrk(wrk: str, script: Path, server: Server, path: str, seconds: int) -> WrkResult:
    command = [
        wrk,
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={script}",
    ]
    for name, value in server.headers().items():
        command.append(f"--header={name}: {value}")
    command.append(f"http://127.0.0.1:{server.port}{path}")
    finished = subprocess.run(  # noqa: S603 - wrk, with our own arguments
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    line = next(
        (line for line in finished.stdout.splitlines() if line.startswith("WRK_RESULT ")), ""
    )
    if finished.returncode != 0 or not line:
        raise LoadError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()[-500:]}")
    result = json.loads(line.removeprefix("WRK_RESULT "))
    return WrkResult(
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        not_200=result["not_200"],
        socket_errors=result["socket_errors"],
        timeouts=result["timeouts"],
    )


def _combined(rounds: list[WrkResult]) -> WrkResult:
    """The rounds of one page as one: counts and time added up, the p50 averaged, the
    highest p99 (wrk reports percentiles, not the samples they come from)."""
    return WrkResult(
        requests=sum(result.requests for result in rounds),
        seconds=sum(result.seconds for result in rounds),
        p50_ms=sum(result.p50_ms for result in rounds) / len(rounds),
        p99_ms=max(result.p99_ms for result in rounds),
        not_200=sum(result.not_200 for result in rounds),
        socket_errors=sum(result.socket_errors for result in rounds),
        timeouts=sum(result.timeouts for result in rounds),
    )


def _queries(path: str) -> tuple[int, int]:
    """(queries, session writes) of one GET of `path` by the member, after a first one.

    In-process with Django's test client: the same middleware and view as under gunicorn."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from koperasi.models import User

    client = Client()
    client.force_login(User.objects.get(email=MEMBER_EMAIL))
    if client.get(path).status_code != 200:
        raise LoadError(f"GET {path} in-process did not answer 200")
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    session_writes = sum(
        1
        for query in captured.captured_queries
        if "django_session" in query["sql"]
        and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )
    return len(captured.captured_queries), session_writes


def _page_rows(name: str, result: WrkResult, queries: tuple[int, int]) -> Rows:
    failures = result.not_200 + result.socket_errors + result.timeouts
    return [
        _row(
            f"{name}: requests/s",
            f"{result.per_second:,.0f} ({result.requests:,} in {result.seconds:.0f} s)",
        ),
        _row(f"{name}: latency p50 / p99", f"{result.p50_ms:.1f} / {result.p99_ms:.1f} ms"),
        _row(
            f"{name}: not 200, socket errors, timeouts",
            f"{result.not_200}, {result.socket_errors}, {result.timeouts}",
            "0",
            failures == 0,
        ),
        _row(f"{name}: queries (session writes) per request", f"{queries[0]} ({queries[1]})"),
    ]


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run() -> Rows:
    """The load test's rows of the bench table: (what, value, target, ok), ok yes / NO / -."""
    from django.urls import reverse

    from koperasi.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SLUG

    dashboard_path = reverse("koperasi:member-home", kwargs={"coop_slug": DEMO_SLUG})
    pages = (
        ("trivial page " + TRIVIAL_PATH, TRIVIAL_PATH, f'href="/k/{DEMO_SLUG}/'),
        ("member dashboard", dashboard_path, 'id="total-savings"'),
    )
    setup = (
        f"gunicorn {WORKERS} sync workers; wrk {THREADS} threads,"
        f" {CONNECTIONS} connections, {DURATION_S} s a page (A B B A)"
    )
    rows: Rows = []
    try:
        wrk = _wrk()
        queries = {path: _queries(path) for _name, path, _marker in pages}
        load_before = _load_average()
        with tempfile.TemporaryDirectory(prefix="koperasi-load-") as directory:
            script = Path(directory, "count.lua")
            script.write_text(WRK_SCRIPT)
            with gunicorn(Path(directory, "gunicorn.log")) as server:
                _login(server, MEMBER_EMAIL, DEMO_PASSWORD)
                for _name, path, marker in pages:
                    _check(server, path, marker)
                for _name, path, _marker in pages:  # warm-up: each worker's first requests
                    _run_wrk(wrk, script, server, path, WARMUP_S)
                # Rounds in the order A B B A: a change in the machine's other work while
                # the bench runs weighs on both pages alike, not on the one measured last.
                rounds: dict[str, list[WrkResult]] = {path: [] for _n, path, _m in pages}
                for _name, path, _marker in (*pages, *reversed(pages)):
                    rounds[path].append(_run_wrk(wrk, script, server, path, DURATION_S // 2))
                results = {path: _combined(done) for path, done in rounds.items()}
                for _name, path, marker in pages:  # still signed in at the end
                    _check(server, path, marker)
    except LoadError as error:
        return [_row(f"load test ({setup})", f"failed: {error}", "", False)]
    rows.append(
        _row(
            f"load: {setup}",
            f"{os.cpu_count()} CPUs, load {load_before} -> {_load_average()}",
        )
    )
    for name, path, _marker in pages:
        rows += _page_rows(name, results[path], queries[path])
    trivial, dashboard = (results[path].per_second for _name, path, _marker in pages)
    rows.append(_row("dashboard / trivial page, requests/s", f"{dashboard / trivial:.2f}"))
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
    sys.exit(main())
