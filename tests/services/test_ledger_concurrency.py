"""Concurrency on real PostgreSQL: many connections hit the same account, key or month at once.

Each thread has its own database connection (Django keeps one per thread) and closes it when
done; a barrier releases them together so the requests really overlap.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from koperasi.errors import DomainError
from members.models import Member
from services.ledger import chart
from services.ledger.actions import LedgerError, entry_post, entry_reverse
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry, SavingsKind
from services.savings.actions import member_account, savings_deposit, savings_withdraw
from services.savings.models import MonthEndRun, SavingsBill
from services.savings.month_end import month_end_run
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 20


def all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) in `count` threads released together; each returns its result or the
    exception it raised."""
    barrier = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def kinds_of(results: list[Any]) -> Counter:
    return Counter(type(result).__name__ for result in results)


@pytest.fixture
def saver(cooperative):
    member = make_member(cooperative, full_name="Siti Aminah")
    savings_deposit(
        member=member,
        kind=SavingsKind.SUKARELA,
        amount=100_000,
        channel="cash",
        acting_user=None,
    )
    return member


def sukarela(member) -> int:
    return member_account(member, SavingsKind.SUKARELA).balance


def test_concurrent_withdrawals_never_overdraw(cooperative, saver):
    def withdraw(_index):
        member = Member.objects.get(pk=saver.pk)
        return savings_withdraw(member=member, amount=30_000, channel="cash", acting_user=None)

    results = all_at_once(THREADS, withdraw)

    posted = [r for r in results if isinstance(r, JournalEntry)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(posted), len(refused)) == (3, THREADS - 3), kinds_of(results)
    assert all(error.field == "amount" for error in refused)
    assert sukarela(saver) == 10_000
    assert chart.gl_account(cooperative, chart.CASH).balance == 10_000
    assert JournalEntry.objects.filter(kind="withdrawal").count() == 3
    assert ledger_violations() == []


def test_concurrent_deposits_lose_no_update(cooperative, saver):
    def deposit(index):
        member = Member.objects.get(pk=saver.pk)
        return savings_deposit(
            member=member,
            kind=SavingsKind.SUKARELA,
            amount=1_000 + index,
            channel="transfer",
            acting_user=None,
        )

    results = all_at_once(THREADS, deposit)

    assert kinds_of(results) == {"JournalEntry": THREADS}
    added = sum(1_000 + i for i in range(THREADS))
    assert sukarela(saver) == 100_000 + added
    assert chart.gl_account(cooperative, chart.BANK).balance == added
    assert ledger_violations() == []


def test_the_same_key_posted_at_once_makes_one_entry(cooperative, saver):
    cash = chart.gl_account(cooperative, chart.CASH)
    account = member_account(saver, SavingsKind.SUKARELA)

    def post(_index):
        return entry_post(
            cooperative=cooperative,
            date=dt.date(2026, 3, 5),
            kind=JournalEntry.Kind.DEPOSIT,
            legs=[(cash, 50_000), (account, -50_000)],
            channel="cash",
            idempotency_key="one-form",
        )

    results = all_at_once(THREADS, post)

    assert kinds_of(results) == {"JournalEntry": THREADS}
    assert len({entry.pk for entry in results}) == 1
    assert JournalEntry.objects.filter(idempotency_key="one-form").count() == 1
    assert sukarela(saver) == 150_000
    assert ledger_violations() == []


def test_the_same_deposit_form_submitted_at_once_posts_once(cooperative, saver):
    def deposit(_index):
        member = Member.objects.get(pk=saver.pk)
        return savings_deposit(
            member=member,
            kind=SavingsKind.SUKARELA,
            amount=50_000,
            channel="cash",
            acting_user=None,
            idempotency_key="deposit-form",
        )

    results = all_at_once(THREADS, deposit)

    assert kinds_of(results) == {"JournalEntry": THREADS}
    assert len({entry.pk for entry in results}) == 1
    assert sukarela(saver) == 150_000
    assert ledger_violations() == []


@pytest.mark.parametrize("open_bill", [False, True], ids=["no-open-bill", "open-bill"])
def test_the_same_wajib_form_submitted_at_once_settles_bills_once(open_bill, cooperative, saver):
    if open_bill:
        Member.objects.filter(pk=saver.pk).update(joined_on=dt.date(2026, 1, 15))
        month_end_run(cooperative=cooperative, month=dt.date(2026, 1, 1))

    def deposit(_index):
        member = Member.objects.get(pk=saver.pk)
        return savings_deposit(
            member=member,
            kind=SavingsKind.WAJIB,
            amount=25_000,
            channel="cash",
            acting_user=None,
            idempotency_key="wajib-form",
        )

    results = all_at_once(10, deposit)

    paid = SavingsBill.objects.filter(member=saver, kind=SavingsKind.WAJIB)
    assert sum(paid.values_list("paid_amount", flat=True)) == 25_000
    assert kinds_of(results) == {"JournalEntry": 10}
    assert member_account(saver, SavingsKind.WAJIB).balance == 25_000


def test_pokok_taken_by_several_tellers_at_once_is_taken_once(cooperative, saver):
    def deposit(index):
        member = Member.objects.get(pk=saver.pk)
        return savings_deposit(
            member=member,
            kind=SavingsKind.POKOK,
            amount=100_000,
            channel="cash",
            acting_user=None,
            idempotency_key=f"pokok-{index}",
        )

    results = all_at_once(5, deposit)

    assert member_account(saver, SavingsKind.POKOK).balance == 100_000
    assert kinds_of(results) == {"JournalEntry": 1, "DomainError": 4}


def test_wajib_paid_by_several_tellers_at_once_is_all_applied(cooperative, saver):
    def deposit(index):
        member = Member.objects.get(pk=saver.pk)
        return savings_deposit(
            member=member,
            kind=SavingsKind.WAJIB,
            amount=25_000,
            channel="cash",
            acting_user=None,
            idempotency_key=f"wajib-{index}",
        )

    results = all_at_once(5, deposit)

    assert kinds_of(results) == {"JournalEntry": 5}
    assert member_account(saver, SavingsKind.WAJIB).balance == 125_000
    paid = SavingsBill.objects.filter(member=saver, kind=SavingsKind.WAJIB, status="paid")
    assert paid.count() == 5


def test_an_entry_reversed_at_once_is_reversed_once(cooperative, saver):
    entry = JournalEntry.objects.get(kind="deposit")

    def reverse(_index):
        return entry_reverse(entry=JournalEntry.objects.get(pk=entry.pk), acting_user=None)

    results = all_at_once(10, reverse)

    assert sum(isinstance(r, JournalEntry) for r in results) == 1, kinds_of(results)
    assert sum(isinstance(r, LedgerError) for r in results) == 9, kinds_of(results)
    assert JournalEntry.objects.filter(reverses=entry).count() == 1
    assert sukarela(saver) == 0
    assert ledger_violations() == []


def test_month_end_run_twice_at_once_posts_once(cooperative):
    siti = make_member(cooperative, full_name="Siti Aminah")
    budi = make_member(cooperative, full_name="Budi")
    Member.objects.filter(pk__in=[siti.pk, budi.pk]).update(joined_on=dt.date(2026, 1, 15))
    for member in (siti, budi):
        savings_deposit(
            member=member,
            kind=SavingsKind.SUKARELA,
            amount=1_200_000,
            channel="cash",
            acting_user=None,
            on=dt.date(2026, 2, 20),
        )

    results = all_at_once(
        4, lambda _i: month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 1))
    )

    created = sorted(result.created for result in results)
    assert created == [False, False, False, True], results
    assert MonthEndRun.objects.filter(cooperative=cooperative).count() == 1
    assert JournalEntry.objects.filter(kind="interest").count() == 1
    assert SavingsBill.objects.filter(kind=SavingsKind.WAJIB).count() == 2
    # 1,200,000 x 3 % / 12 = 3,000 each, once.
    assert sukarela(siti) == sukarela(budi) == 1_203_000
    assert chart.gl_account(cooperative, chart.SAVINGS_INTEREST_EXPENSE).balance == 6_000
    assert ledger_violations() == []
