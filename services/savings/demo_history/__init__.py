"""Demo history at scale: members with months of savings, bills and ledger postings, set-based.

`demo_history_seed` gives a cooperative N active members (the demo logins among them, admitted
through the real actions) and M months of history ending last month:

- every member pays simpanan pokok on joining;
- a wajib bill for every month from the month they joined, and monthly wajib deposits; some
  members skip months (a few stop paying altogether), and a payment settles the oldest open bill
  first, as `savings_deposit` does, so arrears show as the newest bills left open;
- about a third of the members use simpanan sukarela: occasional deposits and withdrawals that
  never take the balance below the product's minimum;
- month end for every month: sukarela interest on the month's lowest balance (the rule in
  `services.savings.month_end`), one interest entry per month, and a `MonthEndRun` row, so
  month end for a seeded month posts nothing.

Nothing loops per member. The plan of each member's months is one recursive CTE (the sukarela
balance and the count of paid bills carry from month to month); journal entries, postings and
bills are `INSERT ... SELECT` from it, each entry's postings in the same statement (PostgreSQL
checks every posting statement for balance), and the stored balances are set at the end by one
`UPDATE` from the postings' sums. Pseudo-randomness is integer arithmetic on the member number and
the month, so the same arguments give the same history on PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from koperasi import events
from koperasi.models import Cooperative, User
from koperasi.sequences import sequence_take
from members.actions import member_apply, member_approve
from members.models import Member
from services.ledger import chart
from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.actions import add_months, product_for
from services.savings.demo_history import sql
from services.savings.models import SavingsBill

MAX_MEMBERS = 900_000  # the NIK serials below stay unique up to 99 x 9,999 members
MAX_MONTHS = 120


def _words(text: str, separator: str = " ") -> list[str]:
    return [word for word in text.split(separator) if word]


FIRST_NAMES = {
    "m": _words(
        "Agus Ahmad Andi Arif Bambang Budi Dedi Dian Eko Fajar Hadi Hendra Heru Imam Irfan Joko "
        "Kurniawan Lukman Made Muhammad Nur Putu Rahmat Rizki Rudi Slamet Sugeng Supriyadi "
        "Taufik Teguh Wahyu Wayan Yusuf Zainal Asep Ujang Dadang Cecep Yogi Bayu"
    ),
    "f": _words(
        "Ani Ayu Dewi Dwi Eka Endang Fitri Indah Intan Kartini Lestari Lina Maya Mega Nia Novi "
        "Nur Putri Ratna Rina Rini Sari Siti Sri Tuti Wati Wulan Yanti Yuli Yuni Euis Neng Ika "
        "Ratih Desi Lilis Nining Titin Imas Cucu"
    ),
}
LAST_NAMES = _words(
    "Santoso Wibowo Saputra Hidayat Setiawan Kusuma Nugroho Pratama Wijaya Susanto Gunawan "
    "Hakim Siregar Nasution Simanjuntak Lubis Purnomo Rahayu Suryadi Permana Sumarni Hartono "
    "Firmansyah Ramadhan Kurniasih Suherman Sulastri Maulana Handayani Mulyadi Sutrisno "
    "Rahmawati Hasanah Syahputra Wahyuni Nurhayati Anggraini Iskandar Sembiring Tarigan"
)
STREETS = _words(
    "Merdeka|Sudirman|Diponegoro|Ahmad Yani|Gatot Subroto|Cihampelas|Dago|Pasteur|Setiabudi|"
    "Buah Batu|Soekarno-Hatta|Kiaracondong|Antapani|Cicadas|Sukajadi|Pajajaran|Braga|Riau|"
    "Supratman|Burangrang",
    "|",
)

# Member profiles, in parts per thousand: how often they skip a month's wajib, how often they
# catch up (pay two months) when behind, and who stops paying for the last 1-4 months.
REGULAR, IRREGULAR = 700, 920  # pr < 700: regular; < 920: irregular; else delinquent
SAVERS = 350  # members who use simpanan sukarela


@dataclass(frozen=True)
class DemoProfile:
    """A fixed behaviour for a demo login, so each shows something worth seeing."""

    saver: bool
    skip_rate: int  # per mille of months skipped
    catch_rate: int  # per mille of months paid double while behind
    stop_months: int  # the last n months unpaid


DEMO_PROFILES = [
    DemoProfile(saver=True, skip_rate=0, catch_rate=0, stop_months=0),  # always on time
    DemoProfile(saver=False, skip_rate=0, catch_rate=0, stop_months=2),  # two months behind
    DemoProfile(saver=True, skip_rate=250, catch_rate=500, stop_months=0),  # irregular
]


@dataclass(frozen=True)
class DemoHistoryResult:
    created: bool
    members: int
    months: int
    entries: int = 0
    postings: int = 0
    open_wajib_bills: int = 0
    seconds: float = 0.0
    steps: tuple[tuple[str, float], ...] = ()  # the slow statements, for tuning


def _months_between_window(last_month: dt.date, months: int) -> list[dt.date]:
    first = add_months(last_month, -(months - 1))
    return [add_months(first, index) for index in range(months)]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone)


class _Runner:
    """Executes the generator's statements with one parameter dict (so `%%` always means %)."""

    def __init__(self, cursor, params: dict):
        self.cursor = cursor
        self.params = params
        self.steps: list[tuple[str, float]] = []

    def __call__(self, sql: str, **extra) -> int:
        started = time.perf_counter()
        self.cursor.execute(sql, {**self.params, **extra})
        words = " ".join(sql.split()[:4])
        self.steps.append((words, time.perf_counter() - started))
        return self.cursor.rowcount

    def one(self, sql: str, **extra):
        self(sql, **extra)
        return self.cursor.fetchone()

    def analyze(self, table: str) -> None:
        if connection.vendor == "postgresql":
            self.cursor.execute(f"ANALYZE {table}")


TEMP_TABLES = (
    "demo_days",
    "demo_months",
    "demo_names",
    "demo_kinds",
    "demo_mem",
    "demo_plan",
    "demo_moves",
    "demo_interest",
)


def _fill_calendar(run: _Runner, window: list[dt.date], v: dict[str, str]) -> None:
    """Day and month tables: every date the generator uses, so its SQL needs no date maths."""
    ops = connection.ops
    run(
        "CREATE TEMPORARY TABLE demo_days (m integer, d integer, on_day date,"
        f" stamp {v['timestamp']}, plus30 date)"
    )
    run(
        "CREATE TEMPORARY TABLE demo_months (m integer, month_first date, month_last date,"
        f" due date, label varchar(7), closed_at {v['timestamp']})"
    )
    days, months = [], []
    due_day = run.params["due_day"]
    for index, first in enumerate(window):
        following = add_months(first, 1)
        last = following - dt.timedelta(days=1)
        months.append(
            (
                index,
                ops.adapt_datefield_value(first),
                ops.adapt_datefield_value(last),
                ops.adapt_datefield_value(first.replace(day=due_day)),
                f"{first:%Y-%m}",
                ops.adapt_datetimefield_value(_at(following, hour=1)),
            )
        )
        for day_number in range(1, 29):
            day = first.replace(day=day_number)
            days.append(
                (
                    index,
                    day_number,
                    ops.adapt_datefield_value(day),
                    ops.adapt_datetimefield_value(_at(day)),
                    ops.adapt_datefield_value(day + dt.timedelta(days=30)),
                )
            )
    run.cursor.executemany("INSERT INTO demo_days VALUES (%s, %s, %s, %s, %s)", days)
    run.cursor.executemany("INSERT INTO demo_months VALUES (%s, %s, %s, %s, %s, %s)", months)


def _fill_names(run: _Runner) -> None:
    run("CREATE TEMPORARY TABLE demo_names (kind varchar(1), i integer, name varchar(60))")
    rows = [
        (kind, index, name)
        for kind, names in (*FIRST_NAMES.items(), ("l", LAST_NAMES), ("s", STREETS))
        for index, name in enumerate(names)
    ]
    run.cursor.executemany("INSERT INTO demo_names VALUES (%s, %s, %s)", rows)
    run.analyze("demo_names")


BULK_TABLES = (
    "services_account",
    "services_journalentry",
    "services_posting",
    "services_savingsbill",
)


@contextmanager
def _foreign_keys_checked_at_end(run: _Runner) -> Iterator[None]:
    """PostgreSQL checks a foreign key row by row, at commit (Django makes them deferred):
    some 13 million lookups for 2.4 million postings, over a minute. So, inside the seed's
    transaction, drop the bulk tables' foreign keys and add them back, identical, at the end:
    each is then validated by one set-based query (PostgreSQL's advice for bulk loads). The
    tables stay locked until commit; a failure rolls everything back, constraints included.
    The balance trigger on postings is not a foreign key and checks every statement."""
    if connection.vendor != "postgresql":
        yield
        return
    run.cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname",
        [list(BULK_TABLES)],
    )
    constraints = run.cursor.fetchall()
    quote = connection.ops.quote_name
    run("SET CONSTRAINTS ALL IMMEDIATE")  # settle what is pending: ALTER TABLE needs it
    for table, name, _definition in constraints:
        run(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    yield
    for table, name, definition in constraints:
        run(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    run("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys are initially deferred


def _reserve_entry_ids(run: _Runner, count: int) -> int:
    """The first of `count` consecutive journal-entry ids nobody else will take."""
    if connection.vendor == "postgresql":
        # Concurrent posters wait for the seed to finish instead of taking ids in the block.
        run("LOCK TABLE services_journalentry IN EXCLUSIVE MODE")
        (last,) = run.one(
            "SELECT setval(pg_get_serial_sequence('services_journalentry', 'id'),"
            " nextval(pg_get_serial_sequence('services_journalentry', 'id')) + %(count)s)",
            count=count,
        )
        return last - count
    (highest,) = run.one("SELECT COALESCE(MAX(id), 0) FROM services_journalentry")
    return highest + 1


def _demo_member_data(index: int, user: User) -> dict:
    born = dt.date(1975 + 7 * index, 1 + 4 * index, 3 + 9 * index)
    female = index % 3 == 1
    day = born.day + (40 if female else 0)
    return {
        "full_name": user.full_name,
        "nik": f"327301{day:02d}{born:%m%y}{index + 1:04d}",
        "birth_date": born,
        "gender": "f" if female else "m",
        "phone": f"+6281200000{index + 1:03d}",
        "email": user.email,
        "address": f"Jl. Merdeka No. {21 + index}, Bandung",
        "heir_name": "Sri Wahyuni" if not female else "Bambang Hartono",
        "heir_relationship": "Istri" if not female else "Suami",
    }


def _counts(cooperative: Cooperative) -> tuple[int, int, int, int]:
    return (
        Member.objects.filter(cooperative=cooperative).count(),
        JournalEntry.objects.filter(cooperative=cooperative).count(),
        Posting.objects.filter(cooperative=cooperative).count(),
        SavingsBill.objects.filter(
            cooperative=cooperative, kind=SavingsKind.WAJIB, status=SavingsBill.Status.OPEN
        ).count(),
    )


def _params(
    cooperative: Cooperative, product, acting_user: User, teller: User | None, months: int
) -> dict:
    gl = dict(
        Account.objects.filter(cooperative=cooperative, member__isnull=True).values_list(
            "code", "pk"
        )
    )
    return {
        "coop": cooperative.pk,
        "months": months,
        "acting_user": acting_user.pk,
        "teller": (teller or acting_user).pk,
        "false": False,
        "pokok": product.pokok_amount,
        "wajib": product.wajib_amount,
        "due_day": product.wajib_due_day,
        "rate_bp": int(product.sukarela_annual_rate * 100),  # 3.00 % -> 300
        "min_balance": product.sukarela_min_balance,
        "min_interest": max(product.sukarela_min_balance, 1),
        "cash": gl[chart.CASH],
        "bank": gl[chart.BANK],
        "expense": gl[chart.SAVINGS_INTEREST_EXPENSE],
        "savers": SAVERS,
        "regular": REGULAR,
        "irregular": IRREGULAR,
        "first_names": len(FIRST_NAMES["m"]),
        "last_names": len(LAST_NAMES),
        "streets": len(STREETS),
    }


def _temp_tables_create(run: _Runner, window: list[dt.date], controls: dict) -> None:
    for table in TEMP_TABLES:
        run(f"DROP TABLE IF EXISTS {table}")
    _fill_calendar(run, window, sql.vendor())
    _fill_names(run)
    run(
        "CREATE TEMPORARY TABLE demo_kinds (kind varchar(10), code varchar(24),"
        " label varchar(100), type varchar(10), normal_sign integer, control_id bigint)"
    )
    run.cursor.executemany(
        "INSERT INTO demo_kinds VALUES (%s, %s, %s, %s, %s, %s)",
        [
            (
                kind,
                code,
                str(SavingsKind(kind).label),
                controls[code].type,
                controls[code].normal_sign,
                controls[code].pk,
            )
            for kind, code in chart.SAVINGS_CONTROL.items()
        ],
    )


def _plan(run: _Runner, demo_members: Sequence[Member], months: int) -> None:
    """Every member's constants, the demo logins' fixed profiles, then the month-by-month plan."""
    run(sql.MEMBER_PLAN_SQL)
    for member, profile in zip(demo_members, DEMO_PROFILES, strict=False):
        run(
            "UPDATE demo_mem SET saver = %(saver)s, skip_rate = %(skip)s,"
            " catch_rate = %(catch)s, stop_from = %(stop)s WHERE member_id = %(member)s",
            saver=int(profile.saver),
            skip=profile.skip_rate,
            catch=profile.catch_rate,
            stop=months - profile.stop_months,
            member=member.pk,
        )
    run.analyze("demo_mem")
    run(sql.plan_sql())
    run.analyze("demo_plan")


def _ledger(run: _Runner, months: int) -> None:
    """Journal entries with ids reserved up front, then each entry's postings in one statement."""
    (moves,) = run.one(
        """SELECT (SELECT COUNT(*) FROM demo_mem WHERE %(pokok)s > 0)
                + (SELECT COUNT(*) FROM demo_plan WHERE k > 0)
                + (SELECT COUNT(*) FROM demo_plan WHERE dep > 0)
                + (SELECT COUNT(*) FROM demo_plan WHERE wd > 0)"""
    )
    base_id = _reserve_entry_ids(run, moves + months)
    run(sql.MOVES_SQL, base_id=base_id)
    run.analyze("demo_moves")
    run(sql.ENTRIES_SQL)
    run(sql.POSTINGS_SQL)
    run(sql.INTEREST_SQL, interest_base_id=base_id + moves)
    run(sql.INTEREST_ENTRIES_SQL)
    run(sql.INTEREST_POSTINGS_SQL)


@transaction.atomic
def demo_history_seed(
    *,
    cooperative: Cooperative,
    acting_user: User,
    members: int,
    months: int,
    member_users: Sequence[User] = (),
    teller: User | None = None,
    last_month: dt.date | None = None,
) -> DemoHistoryResult:
    """Give a cooperative `members` active members with `months` months of savings history
    ending with `last_month` (default: last month), every month closed; `member_users` become
    real members first. Adds nothing to a cooperative that already has members."""
    started = time.perf_counter()
    if Member.objects.filter(cooperative=cooperative).exists():
        count, entries, postings, open_bills = _counts(cooperative)
        return DemoHistoryResult(
            created=False,
            members=count,
            months=months,
            entries=entries,
            postings=postings,
            open_wajib_bills=open_bills,
        )
    if not len(member_users) <= members <= MAX_MEMBERS:
        raise ValueError(f"members must be between {len(member_users)} and {MAX_MEMBERS}")
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 1 and {MAX_MONTHS}")
    this_month = timezone.localdate().replace(day=1)
    last_month = (last_month or add_months(this_month, -1)).replace(day=1)
    if last_month >= this_month:
        raise ValueError("the history must end with a month that has ended")
    window = _months_between_window(last_month, months)
    product = product_for(cooperative)
    chart.chart_install(cooperative=cooperative)
    controls = {
        a.code: a
        for a in Account.objects.filter(
            cooperative=cooperative, code__in=chart.SAVINGS_CONTROL.values()
        )
    }

    # The demo logins: admitted through the real actions, in the first month of the window.
    demo_members = [
        member_approve(
            member=member_apply(
                cooperative=cooperative,
                data=_demo_member_data(index, user),
                user=user,
            ),
            acting_user=acting_user,
            joined_on=window[0].replace(day=2),
        )
        for index, user in enumerate(member_users)
    ]
    generated = members - len(demo_members)
    numbers = sequence_take(cooperative=cooperative, name="member_number", count=generated)

    with connection.cursor() as cursor:
        run = _Runner(cursor, _params(cooperative, product, acting_user, teller, months))
        if connection.vendor == "postgresql":
            run("SET LOCAL work_mem = '256MB'")
        _temp_tables_create(run, window, controls)
        if generated:
            run(sql.members_sql(sql.vendor()), first_number=numbers[0], last_number=numbers[-1])
        with _foreign_keys_checked_at_end(run):
            if generated:
                run.analyze("members_member")
                run(sql.ACCOUNTS_SQL, first_number=numbers[0], last_number=numbers[-1])
                run.analyze("services_account")
            _plan(run, demo_members, months)
            _ledger(run, months)
            run(sql.POKOK_BILLS_SQL)
            run(sql.POKOK_SETTLE_SQL)
            run(sql.WAJIB_BILLS_SQL)
            run(sql.MONTH_END_RUNS_SQL)
            run(sql.BALANCES_SQL)
        for table in TEMP_TABLES:
            run(f"DROP TABLE IF EXISTS {table}")
        for table in (*BULK_TABLES, "members_member"):
            run.analyze(table)  # the planner's statistics, right from the commit
    events.event_record(
        kind="demo.history_seeded",
        actor=acting_user,
        cooperative=cooperative,
        data={"members": members, "months": months, "last_month": f"{last_month:%Y-%m}"},
    )

    count, entries, postings, open_bills = _counts(cooperative)
    return DemoHistoryResult(
        created=True,
        members=count,
        months=months,
        entries=entries,
        postings=postings,
        open_wajib_bills=open_bills,
        seconds=time.perf_counter() - started,
        steps=tuple(step for step in run.steps if step[1] >= 0.5),
    )
