"""seed_demo with history: real members, months of savings, arrears, a sound ledger, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from koperasi.models import Cooperative, Event, Role, User
from members.models import Member
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.actions import add_months
from services.savings.models import MonthEndRun, SavingsBill
from services.savings.month_end import month_end_run

pytestmark = pytest.mark.django_db

MEMBERS, MONTHS = 30, 6


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", members=MEMBERS, months=MONTHS, stdout=out, **options)
    return out.getvalue()


def _snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "members": Member.objects.count(),
        "accounts": Account.objects.count(),
        "entries": JournalEntry.objects.count(),
        "postings": Posting.objects.count(),
        "bills": SavingsBill.objects.count(),
        "month_end_runs": MonthEndRun.objects.count(),
        "events": Event.objects.count(),
    }


def _member(email: str) -> Member:
    return Member.objects.get(user__email=email)


def _balances(member: Member) -> dict[str, int]:
    return dict(member.accounts.values_list("savings_kind", "balance"))


def test_seed_gives_every_member_three_accounts_and_a_sound_ledger():
    _seed()

    cooperative = Cooperative.objects.get()
    members = Member.objects.filter(cooperative=cooperative)
    assert members.count() == MEMBERS
    assert set(members.values_list("status", flat=True)) == {Member.Status.ACTIVE}
    assert sorted(members.values_list("number", flat=True)) == list(range(1, MEMBERS + 1))
    per_member = members.annotate(n=Count("accounts")).values_list("n", flat=True)
    assert set(per_member) == {3}
    assert ledger_violations() == []
    assert not Account.objects.filter(member__isnull=False, balance__lt=0).exists()
    # Every member paid pokok once, on joining.
    pokok = SavingsBill.objects.filter(kind=SavingsKind.POKOK)
    assert pokok.count() == MEMBERS
    assert set(pokok.values_list("status", flat=True)) == {SavingsBill.Status.PAID}
    assert set(
        Account.objects.filter(savings_kind=SavingsKind.POKOK).values_list("balance", flat=True)
    ) == {100_000}


def test_seed_leaves_arrears_open_and_closes_every_month():
    _seed()

    open_wajib = SavingsBill.objects.filter(kind=SavingsKind.WAJIB, status=SavingsBill.Status.OPEN)
    assert open_wajib.exists()
    this_month = timezone.localdate().replace(day=1)
    window = [add_months(this_month, -n) for n in range(MONTHS, 0, -1)]
    cooperative = Cooperative.objects.get()
    assert (
        list(
            MonthEndRun.objects.filter(cooperative=cooperative)
            .order_by("month")
            .values_list("month", flat=True)
        )
        == window
    )
    # Month end of a seeded month finds it closed and posts nothing.
    before = _snapshot()
    assert month_end_run(cooperative=cooperative, month=window[-1]).created is False
    assert _snapshot() == before
    # Wajib balances are what the paid bills add up to, member by member.
    paid = dict(
        SavingsBill.objects.filter(kind=SavingsKind.WAJIB, status=SavingsBill.Status.PAID)
        .values("member")
        .annotate(n=Count("id"))
        .values_list("member", "n")
    )
    wajib = dict(
        Account.objects.filter(savings_kind=SavingsKind.WAJIB).values_list("member", "balance")
    )
    assert wajib == {member: paid.get(member, 0) * 25_000 for member in wajib}


def test_demo_logins_are_members_with_their_own_story():
    _seed()

    this_month = timezone.localdate().replace(day=1)
    on_time = _member("anggota1@sejahtera.demo")
    behind = _member("anggota2@sejahtera.demo")
    irregular = _member("anggota3@sejahtera.demo")
    assert [m.number for m in (on_time, behind, irregular)] == [1, 2, 3]
    assert on_time.joined_on == add_months(this_month, -MONTHS).replace(day=2)
    # anggota1 pays every month and saves sukarela.
    assert not on_time.bills.filter(status=SavingsBill.Status.OPEN).exists()
    assert _balances(on_time)["wajib"] == MONTHS * 25_000
    assert _balances(on_time)["sukarela"] > 0
    # anggota2 has not paid the last two months.
    assert list(
        behind.bills.filter(status=SavingsBill.Status.OPEN).values_list("kind", "period")
    ) == [
        (SavingsKind.WAJIB, add_months(this_month, -2)),
        (SavingsKind.WAJIB, add_months(this_month, -1)),
    ]
    assert _balances(behind) == {"pokok": 100_000, "wajib": (MONTHS - 2) * 25_000, "sukarela": 0}
    for email in ("anggota1@sejahtera.demo", "anggota2@sejahtera.demo", "anggota3@sejahtera.demo"):
        assert Client().login(email=email, password="koperasi-demo-2026")


def test_a_second_seed_adds_nothing():
    _seed()
    before = _snapshot()

    out = _seed()

    assert _snapshot() == before
    assert "nothing added" in out
    assert "koperasi-demo-2026" in out
    assert ledger_violations() == []


def test_month_end_after_the_seeded_history_bills_everyone_and_pays_interest():
    two_months_ago = add_months(timezone.localdate().replace(day=1), -2)
    _seed(end_month=f"{two_months_ago:%Y-%m}")
    cooperative = Cooperative.objects.get()
    last_month = add_months(two_months_ago, 1)
    savers = dict(
        Account.objects.filter(savings_kind=SavingsKind.SUKARELA, balance__gte=400).values_list(
            "pk", "balance"
        )
    )

    run = month_end_run(cooperative=cooperative, month=last_month).run

    assert run.bills_created == MEMBERS
    # No movement in that month: interest is on the balance, 3 % a year, rounded down.
    assert run.interest_members == len(savers)
    assert run.interest_total == sum(balance * 300 // 120_000 for balance in savers.values())
    assert ledger_violations() == []
