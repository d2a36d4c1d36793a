"""The posting function (entry_post, entry_reverse) and PostgreSQL's own guards on the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from services.ledger import chart
from services.ledger.actions import (
    MAX_POSTING,
    IdempotencyConflictError,
    InsufficientBalanceError,
    LedgerError,
    entry_post,
    entry_reverse,
)
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry, Posting, SavingsKind
from services.savings.actions import member_account
from tests.factories import make_member
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 5)


def balance(account: Account) -> int:
    return Account.objects.get(pk=account.pk).balance


@pytest.fixture
def saver(cooperative):
    return make_member(cooperative, full_name="Siti Aminah")


@pytest.fixture
def cash(cooperative, saver):
    return chart.gl_account(cooperative, chart.CASH)


@pytest.fixture
def sukarela(saver):
    return member_account(saver, SavingsKind.SUKARELA)


def deposit(cooperative, cash, account, amount, **kwargs) -> JournalEntry:
    return entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.DEPOSIT,
        legs=[(cash, amount), (account, -amount)],
        member=account.member,
        channel="cash",
        **kwargs,
    )


# --- entry_post -------------------------------------------------------------------------------


def test_a_balanced_entry_posts_and_moves_balances_in_their_natural_sign(
    cooperative, saver, cash, sukarela, teller
):
    entry = deposit(cooperative, cash, sukarela, 250_000, memo="Setoran", created_by=teller)

    assert list(entry.postings.order_by("amount").values_list("account_id", "amount", "date")) == [
        (sukarela.pk, -250_000, DAY),
        (cash.pk, 250_000, DAY),
    ]
    assert (entry.kind, entry.member_id, entry.channel, entry.memo) == (
        "deposit",
        saver.pk,
        "cash",
        "Setoran",
    )
    assert entry.created_by == teller
    # Cash is an asset (debit-normal), the member's savings a liability (credit-normal): both
    # read as positive numbers.
    assert balance(cash) == 250_000
    assert balance(sukarela) == 250_000
    assert balance(chart.gl_account(cooperative, chart.BANK)) == 0
    assert ledger_violations() == []


def test_an_entry_may_touch_several_accounts(cooperative, saver, cash):
    pokok = member_account(saver, SavingsKind.POKOK)
    wajib = member_account(saver, SavingsKind.WAJIB)
    sukarela = member_account(saver, SavingsKind.SUKARELA)

    entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.OPENING,
        legs=[(cash, 175_000), (pokok, -100_000), (wajib, -50_000), (sukarela, -25_000)],
    )

    assert [balance(a) for a in (cash, pokok, wajib, sukarela)] == [
        175_000,
        100_000,
        50_000,
        25_000,
    ]
    assert ledger_violations() == []


def _other_account(other_cooperative):
    chart.chart_install(cooperative=other_cooperative)
    return chart.gl_account(other_cooperative, chart.CASH)


BAD_LEGS = {
    "unbalanced": lambda cash, acc, other: [(cash, 100_000), (acc, -99_999)],
    "single leg": lambda cash, acc, other: [(cash, 100_000)],
    "no legs": lambda cash, acc, other: [],
    "zero legs": lambda cash, acc, other: [(cash, 0), (acc, 0)],
    "a zero leg among others": lambda cash, acc, other: [(cash, 5), (acc, -5), (cash, 0)],
    "float": lambda cash, acc, other: [(cash, 100_000.0), (acc, -100_000.0)],
    "Decimal": lambda cash, acc, other: [(cash, Decimal(100_000)), (acc, Decimal(-100_000))],
    "bool": lambda cash, acc, other: [(cash, True), (acc, -1)],
    "string": lambda cash, acc, other: [(cash, "100000"), (acc, -100_000)],
    "absurd": lambda cash, acc, other: [(cash, MAX_POSTING + 1), (acc, -(MAX_POSTING + 1))],
    "another cooperative's account": lambda cash, acc, other: [(other, 100_000), (acc, -100_000)],
}


@pytest.mark.parametrize("case", BAD_LEGS)
def test_a_malformed_entry_is_refused_and_nothing_is_written(
    case, cooperative, other_cooperative, cash, sukarela
):
    deposit(cooperative, cash, sukarela, 40_000)
    legs = BAD_LEGS[case](cash, sukarela, _other_account(other_cooperative))
    before = books()

    with pytest.raises(LedgerError):
        entry_post(
            cooperative=cooperative,
            date=DAY,
            kind=JournalEntry.Kind.DEPOSIT,
            legs=legs,
            idempotency_key=f"bad-{case}",
        )

    assert books() == before
    assert not JournalEntry.objects.filter(idempotency_key=f"bad-{case}").exists()
    assert ledger_violations() == []


def test_the_largest_allowed_posting_is_accepted(cooperative, cash):
    reserve = chart.gl_account(cooperative, chart.RESERVE)

    entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.OTHER,
        legs=[(cash, MAX_POSTING), (reserve, -MAX_POSTING)],
    )

    assert (balance(cash), balance(reserve)) == (MAX_POSTING, MAX_POSTING)


def test_a_replayed_key_returns_the_first_entry_and_posts_nothing(cooperative, cash, sukarela):
    first = deposit(cooperative, cash, sukarela, 75_000, idempotency_key="form-1")
    before = books()

    again = deposit(cooperative, cash, sukarela, 75_000, idempotency_key="form-1")

    assert again.pk == first.pk
    assert books() == before
    assert balance(sukarela) == 75_000


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 75_001},
        {"date": DAY + dt.timedelta(days=1)},
        {"kind": JournalEntry.Kind.OPENING},
        {"channel": "transfer"},
    ],
    ids=["amount", "date", "kind", "channel"],
)
def test_the_same_key_with_different_content_is_a_conflict(change, cooperative, cash, sukarela):
    deposit(cooperative, cash, sukarela, 75_000, idempotency_key="form-1")
    before = books()
    amount = change.get("amount", 75_000)

    with pytest.raises(IdempotencyConflictError):
        entry_post(
            cooperative=cooperative,
            date=change.get("date", DAY),
            kind=change.get("kind", JournalEntry.Kind.DEPOSIT),
            legs=[(cash, amount), (sukarela, -amount)],
            member=sukarela.member,
            channel=change.get("channel", "cash"),
            idempotency_key="form-1",
        )

    assert books() == before


def test_a_key_is_scoped_to_its_cooperative(cooperative, other_cooperative, cash, sukarela):
    other_saver = make_member(other_cooperative)
    other_cash = chart.gl_account(other_cooperative, chart.CASH)
    other_sukarela = member_account(other_saver, SavingsKind.SUKARELA)

    mine = deposit(cooperative, cash, sukarela, 10_000, idempotency_key="k-1")
    theirs = deposit(other_cooperative, other_cash, other_sukarela, 10_000, idempotency_key="k-1")

    assert mine.pk != theirs.pk
    assert (balance(sukarela), balance(other_sukarela)) == (10_000, 10_000)


def test_a_withdrawal_beyond_the_balance_is_refused(cooperative, cash, sukarela):
    deposit(cooperative, cash, sukarela, 50_000)
    before = books()

    with pytest.raises(InsufficientBalanceError) as refused:
        entry_post(
            cooperative=cooperative,
            date=DAY,
            kind=JournalEntry.Kind.WITHDRAWAL,
            legs=[(sukarela, 50_001), (cash, -50_001)],
        )

    assert refused.value.account == sukarela
    assert refused.value.field == "amount"
    assert books() == before
    # Exactly the balance is fine and leaves zero.
    entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.WITHDRAWAL,
        legs=[(sukarela, 50_000), (cash, -50_000)],
    )
    assert (balance(sukarela), balance(cash)) == (0, 0)


def test_a_general_ledger_account_may_go_negative(cooperative, cash):
    expense = chart.gl_account(cooperative, chart.OPERATING_EXPENSE)

    entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.OTHER,
        legs=[(expense, 30_000), (cash, -30_000)],
    )

    assert (balance(expense), balance(cash)) == (30_000, -30_000)


# --- entry_reverse ----------------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_and_restores_balances(
    cooperative, saver, cash, sukarela, chair
):
    deposit(cooperative, cash, sukarela, 20_000)
    entry = deposit(cooperative, cash, sukarela, 130_000)

    reversal = entry_reverse(entry=entry, acting_user=chair, date=DAY + dt.timedelta(days=2))

    assert reversal.kind == JournalEntry.Kind.REVERSAL
    assert reversal.reverses == entry
    assert reversal.member_id == saver.pk
    assert reversal.channel == "cash"
    assert reversal.created_by == chair
    assert reversal.date == DAY + dt.timedelta(days=2)
    assert reversal.memo == f"#{entry.pk}"
    assert sorted(reversal.postings.values_list("account_id", "amount")) == sorted(
        (account_id, -amount)
        for account_id, amount in entry.postings.values_list("account_id", "amount")
    )
    assert (balance(cash), balance(sukarela)) == (20_000, 20_000)
    assert ledger_violations() == []


def test_an_entry_is_reversed_at_most_once(cooperative, cash, sukarela):
    entry = deposit(cooperative, cash, sukarela, 130_000)
    entry_reverse(entry=entry, acting_user=None)
    before = books()

    with pytest.raises(LedgerError):
        entry_reverse(entry=entry, acting_user=None)

    assert books() == before
    assert JournalEntry.objects.filter(reverses=entry).count() == 1


def test_a_reversal_cannot_be_reversed(cooperative, cash, sukarela):
    entry = deposit(cooperative, cash, sukarela, 130_000)
    reversal = entry_reverse(entry=entry, acting_user=None)
    before = books()

    with pytest.raises(LedgerError):
        entry_reverse(entry=reversal, acting_user=None)

    assert books() == before


def test_reversing_a_deposit_already_withdrawn_is_refused(cooperative, cash, sukarela):
    entry = deposit(cooperative, cash, sukarela, 100_000)
    entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.WITHDRAWAL,
        legs=[(sukarela, 60_000), (cash, -60_000)],
    )
    before = books()

    with pytest.raises(InsufficientBalanceError):
        entry_reverse(entry=entry, acting_user=None)

    assert books() == before
    assert not JournalEntry.objects.filter(reverses=entry).exists()


def test_reversing_a_withdrawal_gives_the_money_back(cooperative, cash, sukarela):
    deposit(cooperative, cash, sukarela, 100_000)
    withdrawal = entry_post(
        cooperative=cooperative,
        date=DAY,
        kind=JournalEntry.Kind.WITHDRAWAL,
        legs=[(sukarela, 60_000), (cash, -60_000)],
    )

    entry_reverse(entry=withdrawal, acting_user=None)

    assert (balance(sukarela), balance(cash)) == (100_000, 100_000)


# --- PostgreSQL's own guards ------------------------------------------------------------------


def _raw_entry(cooperative) -> JournalEntry:
    return JournalEntry.objects.create(
        cooperative=cooperative, date=DAY, kind=JournalEntry.Kind.OTHER, fingerprint="raw"
    )


def _insert_postings(entry, rows) -> None:
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = []
    for account, amount in rows:
        params += [entry.pk, entry.cooperative_id, account.pk, amount, DAY]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO services_posting (entry_id, cooperative_id, account_id, amount, date) "  # noqa: S608
            f"VALUES {values}",
            params,
        )


def test_the_database_refuses_unbalanced_postings_written_by_hand(cooperative, cash, sukarela):
    entry = _raw_entry(cooperative)
    before = Posting.objects.count()

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _insert_postings(entry, [(cash, 100_000), (sukarela, -90_000)])

    assert Posting.objects.count() == before


def test_the_database_checks_the_balance_after_each_statement(cooperative, cash, sukarela):
    """Half an entry in one statement is refused even if a second statement would balance it."""
    entry = _raw_entry(cooperative)

    def half_then_half():
        with transaction.atomic():
            _insert_postings(entry, [(cash, 100_000)])
            _insert_postings(entry, [(sukarela, -100_000)])

    with pytest.raises(IntegrityError, match="does not balance"):
        half_then_half()

    assert not Posting.objects.filter(entry=entry).exists()


def test_the_database_accepts_balanced_postings_written_by_hand(cooperative, cash, sukarela):
    entry = _raw_entry(cooperative)

    with transaction.atomic():
        _insert_postings(entry, [(cash, 100_000), (sukarela, -100_000)])

    assert Posting.objects.filter(entry=entry).count() == 2


def test_the_database_refuses_a_zero_posting(cooperative, cash, sukarela):
    entry = _raw_entry(cooperative)

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_postings(entry, [(cash, 0), (sukarela, 0)])

    assert not Posting.objects.filter(entry=entry).exists()


RAW_CHANGES = {
    "update a posting": "UPDATE services_posting SET amount = amount * 2 WHERE entry_id = %s",
    "delete a posting": "DELETE FROM services_posting WHERE entry_id = %s",
    "update an entry": "UPDATE services_journalentry SET memo = 'edited' WHERE id = %s",
    "delete an entry": "DELETE FROM services_journalentry WHERE id = %s",
}


@pytest.mark.parametrize("case", RAW_CHANGES)
def test_the_database_refuses_to_change_history(case, cooperative, cash, sukarela):
    entry = deposit(cooperative, cash, sukarela, 100_000)
    postings = sorted(Posting.objects.filter(entry=entry).values_list("pk", "amount"))

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():  # noqa: SIM117
        with connection.cursor() as cursor:
            cursor.execute(RAW_CHANGES[case], [entry.pk])

    assert sorted(Posting.objects.filter(entry=entry).values_list("pk", "amount")) == postings
    assert JournalEntry.objects.get(pk=entry.pk).memo == entry.memo
    assert ledger_violations() == []


def test_the_database_refuses_a_negative_member_savings_balance(cooperative, cash, sukarela):
    deposit(cooperative, cash, sukarela, 100_000)

    with pytest.raises(IntegrityError, match="account_balance_not_negative"), transaction.atomic():  # noqa: SIM117
        with connection.cursor() as cursor:
            cursor.execute("UPDATE services_account SET balance = -1 WHERE id = %s", [sukarela.pk])

    assert balance(sukarela) == 100_000
    # A general-ledger account has no such floor.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE services_account SET balance = -1 WHERE id = %s", [cash.pk])
    assert balance(cash) == -1
