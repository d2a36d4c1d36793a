"""Property: whatever mix of deposits, withdrawals and reversals tellers post, the books stay
sound and every member balance equals a model of it computed here, independently."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from koperasi.errors import DomainError
from services.ledger import chart
from services.ledger.actions import InsufficientBalanceError, LedgerError, entry_reverse
from services.ledger.checks import ledger_violations
from services.ledger.models import Account, JournalEntry, SavingsKind
from services.savings.actions import product_for, savings_deposit, savings_withdraw
from services.savings.models import SavingsProduct
from tests.factories import make_member

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 5)
POKOK = 100_000
WAJIB = 10_000
WAJIB_MONTHS = 25  # the current month and 24 ahead
MEMBERS = 2
KINDS = [SavingsKind.POKOK, SavingsKind.WAJIB, SavingsKind.SUKARELA]
CHANNEL_CODE = {"cash": chart.CASH, "transfer": chart.BANK}


@pytest.fixture
def savers(cooperative):
    product = product_for(cooperative)
    product.pokok_amount = POKOK
    product.wajib_amount = WAJIB
    product.save()
    return [make_member(cooperative, full_name=f"Anggota {i}") for i in range(MEMBERS)]


@dataclass
class Posted:
    entry_id: int
    action: str  # deposit, withdraw, reversal
    member: int
    kind: str
    amount: int
    channel: str


@dataclass
class Model:
    """What the books must say, kept by hand."""

    minimum: int
    balance: dict[tuple[int, str], int] = field(
        default_factory=lambda: {(m, k): 0 for m in range(MEMBERS) for k in KINDS}
    )
    gl: dict[str, int] = field(default_factory=lambda: {"cash": 0, "transfer": 0})
    pokok_due: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(MEMBERS), POKOK))
    wajib_room: dict[int, int] = field(
        default_factory=lambda: dict.fromkeys(range(MEMBERS), WAJIB * WAJIB_MONTHS)
    )
    posted: list[Posted] = field(default_factory=list)
    reversed: set[int] = field(default_factory=set)

    def move(self, member: int, kind: str, channel: str, amount: int) -> None:
        """Money in (amount > 0) or out (amount < 0) of a member's account through a channel."""
        self.balance[member, kind] += amount
        self.gl[channel] += amount


deposits = st.tuples(
    st.just("deposit"),
    st.integers(0, MEMBERS - 1),
    st.sampled_from([*KINDS, SavingsKind.SUKARELA, SavingsKind.SUKARELA]),
    st.integers(1, 150_000),
    st.sampled_from(["cash", "transfer"]),
)
withdrawals = st.tuples(
    st.just("withdraw"),
    st.integers(0, MEMBERS - 1),
    st.integers(1, 80_000),
    st.sampled_from(["cash", "transfer"]),
)
reversals = st.tuples(st.just("reverse"), st.integers(0, 1_000))
operations = st.lists(st.one_of(deposits, deposits, withdrawals, reversals), max_size=25)


def _deposit(model: Model, savers, member: int, kind: str, amount: int, channel: str) -> None:
    if kind == SavingsKind.POKOK:
        allowed = amount <= model.pokok_due[member]
    elif kind == SavingsKind.WAJIB:
        allowed = amount <= model.wajib_room[member]
    else:
        allowed = True
    call = lambda: savings_deposit(  # noqa: E731
        member=savers[member], kind=kind, amount=amount, channel=channel, acting_user=None, on=ON
    )
    if not allowed:
        with pytest.raises(DomainError):
            call()
        return
    entry = call()
    model.move(member, kind, channel, amount)
    if kind == SavingsKind.POKOK:
        model.pokok_due[member] -= amount
    elif kind == SavingsKind.WAJIB:
        model.wajib_room[member] -= amount
    model.posted.append(Posted(entry.pk, "deposit", member, kind, amount, channel))


def _withdraw(model: Model, savers, member: int, amount: int, channel: str) -> None:
    call = lambda: savings_withdraw(  # noqa: E731
        member=savers[member], amount=amount, channel=channel, acting_user=None, on=ON
    )
    if model.balance[member, SavingsKind.SUKARELA] - amount < model.minimum:
        with pytest.raises(DomainError):
            call()
        return
    entry = call()
    model.move(member, SavingsKind.SUKARELA, channel, -amount)
    model.posted.append(Posted(entry.pk, "withdraw", member, SavingsKind.SUKARELA, amount, channel))


def _reverse(model: Model, pick: int) -> None:
    if not model.posted:
        return
    target = model.posted[pick % len(model.posted)]
    entry = JournalEntry.objects.get(pk=target.entry_id)
    if target.action == "reversal" or target.entry_id in model.reversed:
        with pytest.raises(LedgerError):
            entry_reverse(entry=entry, acting_user=None)
        return
    sign = -1 if target.action == "deposit" else 1
    if model.balance[target.member, target.kind] + sign * target.amount < 0:
        with pytest.raises(InsufficientBalanceError):
            entry_reverse(entry=entry, acting_user=None)
        return
    reversal = entry_reverse(entry=entry, acting_user=None)
    model.move(target.member, target.kind, target.channel, sign * target.amount)
    model.reversed.add(target.entry_id)
    model.posted.append(
        Posted(reversal.pk, "reversal", target.member, target.kind, target.amount, target.channel)
    )


def _check(model: Model, cooperative, savers) -> None:
    assert ledger_violations(cooperative=cooperative) == []
    stored = {
        (a.member_id, a.savings_kind): a.balance
        for a in Account.objects.filter(cooperative=cooperative, member__isnull=False)
    }
    expected = {(savers[m].pk, kind): amount for (m, kind), amount in model.balance.items()}
    assert stored == expected
    assert min(stored.values()) >= 0
    for channel, code in CHANNEL_CODE.items():
        assert chart.gl_account(cooperative, code).balance == model.gl[channel]
    assert JournalEntry.objects.filter(cooperative=cooperative).count() == len(model.posted)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=operations, minimum=st.sampled_from([0, 0, 50_000]))
def test_the_books_follow_the_model_whatever_is_posted(cooperative, savers, ops, minimum):
    # Each example runs in a savepoint that is rolled back: the next one starts clean.
    with transaction.atomic():
        SavingsProduct.objects.filter(cooperative=cooperative).update(sukarela_min_balance=minimum)
        model = Model(minimum=minimum)
        for op in ops:
            entries, posted = JournalEntry.objects.count(), len(model.posted)
            if op[0] == "deposit":
                _deposit(model, savers, *op[1:])
            elif op[0] == "withdraw":
                _withdraw(model, savers, *op[1:])
            else:
                _reverse(model, op[1])
            # A refused operation writes nothing; an accepted one writes exactly one entry.
            assert JournalEntry.objects.count() - entries == len(model.posted) - posted
            event(f"{op[0]} {'posted' if len(model.posted) > posted else 'refused'}")
        _check(model, cooperative, savers)
        transaction.set_rollback(True)
