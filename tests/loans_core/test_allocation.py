"""Repayment allocation: penalty -> interest -> principal, oldest installment first; the
prepayment rule; the payoff amount; an over-payment refused with nothing changed.

The loan: Rp 1.200.000 over 12 months, flat 12 % a year, disbursed 5 January 2026: each
installment is Rp 100.000 principal + Rp 12.000 interest, due on the 5th from February."""

from __future__ import annotations

import datetime as dt

import pytest

from koperasi.errors import DomainError
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.loans.actions import loan_repay, payoff_amount
from services.loans.models import Installment, Loan
from tests.loans_core.conftest import disbursed, loan_state, rows
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

FEB, MAR, APR = dt.date(2026, 2, 5), dt.date(2026, 3, 5), dt.date(2026, 4, 5)


@pytest.fixture
def loan(borrower, product, chair) -> Loan:
    return disbursed(borrower, product, approver=chair)


def repay(loan: Loan, amount: int, on: dt.date, channel: str = "cash"):
    return loan_repay(loan=loan, amount=amount, channel=channel, acting_user=None, on=on)


def with_penalty(loan: Loan, number: int, penalty: int) -> None:
    Installment.objects.filter(loan=loan, number=number).update(penalty=penalty)


def credited(repayment, code: str) -> int:
    """What the repayment's entry credited to a general-ledger account (0 if nothing)."""
    return -sum(p.amount for p in repayment.entry.postings.all() if p.account.code == code)


def test_the_schedule_the_tests_rely_on(loan):
    schedule = rows(loan)

    assert len(schedule) == 12
    assert schedule[0] == (1, FEB, 100_000, 12_000, 0, 0, 0, 0, None, False)
    assert schedule[11] == (12, dt.date(2027, 1, 5), 100_000, 12_000, 0, 0, 0, 0, None, False)


def test_a_payment_settles_penalty_then_interest_then_principal_oldest_first(loan):
    with_penalty(loan, 1, 5_000)

    repayment = repay(loan, 150_000, on=dt.date(2026, 3, 10))

    # Installment 1 in full (5.000 + 12.000 + 100.000), then 33.000 into installment 2:
    # its interest 12.000 first, then 21.000 of its principal.
    assert (repayment.penalty, repayment.interest, repayment.principal, repayment.prepaid) == (
        5_000,
        24_000,
        121_000,
        0,
    )
    schedule = rows(loan)
    assert schedule[0] == (
        1,
        FEB,
        100_000,
        12_000,
        5_000,
        100_000,
        12_000,
        5_000,
        dt.date(2026, 3, 10),
        False,
    )
    assert schedule[1] == (2, MAR, 100_000, 12_000, 0, 21_000, 12_000, 0, None, False)
    assert schedule[2] == (3, APR, 100_000, 12_000, 0, 0, 0, 0, None, False)
    loan.refresh_from_db()
    assert loan.outstanding_principal == 1_079_000
    assert credited(repayment, chart.PENALTY_INCOME) == 5_000
    assert credited(repayment, chart.LOAN_INTEREST_INCOME) == 24_000
    assert credited(repayment, chart.LOANS_RECEIVABLE) == 121_000
    assert ledger_violations() == []


def test_penalty_of_a_later_installment_waits_for_the_older_installment(loan):
    with_penalty(loan, 2, 3_000)  # only installment 2 carries a penalty

    repayment = repay(loan, 50_000, on=dt.date(2026, 3, 10))

    # All 50.000 goes to installment 1 (interest 12.000, principal 38.000): the older
    # installment comes first, even before the newer one's penalty.
    assert (repayment.penalty, repayment.interest, repayment.principal) == (0, 12_000, 38_000)
    assert rows(loan)[1][4:8] == (3_000, 0, 0, 0)


def test_a_payment_covers_only_installments_due_by_its_date(loan):
    repayment = repay(loan, 112_000, on=dt.date(2026, 3, 4))  # installment 2 is due on the 5th

    assert (repayment.interest, repayment.principal, repayment.prepaid) == (12_000, 100_000, 0)
    assert rows(loan)[0][5:9] == (100_000, 12_000, 0, dt.date(2026, 3, 4))


def test_paying_early_settles_the_next_installment_then_prepays_from_the_end(loan):
    # Installments 1 and 2 are due (224.000); the next one, 3, is paid early (112.000); the
    # 138.000 left prepays principal from the end: 12 in full (it drops off with its
    # interest) and 38.000 of 11.
    repayment = repay(loan, 474_000, on=dt.date(2026, 3, 10))

    assert (repayment.penalty, repayment.interest, repayment.principal, repayment.prepaid) == (
        0,
        36_000,
        300_000,
        138_000,
    )
    schedule = rows(loan)
    paid = dt.date(2026, 3, 10)
    assert schedule[0][5:] == (100_000, 12_000, 0, paid, False)
    assert schedule[1][5:] == (100_000, 12_000, 0, paid, False)
    assert schedule[2][5:] == (100_000, 12_000, 0, paid, False)
    for row in schedule[3:10]:  # installments 4..10: exactly as they were
        assert row[4:] == (0, 0, 0, 0, None, False)
    assert schedule[10] == (11, dt.date(2026, 12, 5), 100_000, 12_000, 0, 38_000, 0, 0, None, False)
    assert schedule[11] == (12, dt.date(2027, 1, 5), 100_000, 12_000, 0, 100_000, 0, 0, None, True)
    loan.refresh_from_db()
    assert loan.outstanding_principal == 762_000
    assert loan.status == Loan.Status.ACTIVE
    # The payoff now: the principal left and the current period's interest (installment 4).
    assert payoff_amount(loan, dt.date(2026, 3, 10)) == 762_000 + 12_000
    assert credited(repayment, chart.LOANS_RECEIVABLE) == 438_000


def test_payoff_amount_is_penalties_due_interest_and_all_principal(loan):
    with_penalty(loan, 1, 5_000)

    # Penalties, the interest of installments due and of the current period, all principal.
    assert payoff_amount(loan, dt.date(2026, 3, 4)) == 5_000 + 2 * 12_000 + 1_200_000
    assert payoff_amount(loan, MAR) == 5_000 + 3 * 12_000 + 1_200_000  # due on the day counts
    assert payoff_amount(loan, dt.date(2026, 3, 10)) == 1_241_000


def test_paying_the_payoff_amount_closes_the_loan(loan):
    with_penalty(loan, 1, 5_000)
    on = dt.date(2026, 3, 10)

    repayment = repay(loan, 1_241_000, on=on)

    assert (repayment.penalty, repayment.interest, repayment.principal, repayment.prepaid) == (
        5_000,
        36_000,
        300_000,
        900_000,
    )
    loan.refresh_from_db()
    assert (loan.status, loan.outstanding_principal, loan.closed_on) == (
        Loan.Status.PAID_OFF,
        0,
        on,
    )
    # 1 and 2 were due, 3 is the current period (paid with its interest); 4..12 drop off.
    assert [row[-1] for row in rows(loan)] == [False, False, False] + [True] * 9
    assert ledger_violations() == []


@pytest.mark.parametrize("amount", [1_241_001, 2_000_000])
def test_paying_more_than_the_payoff_is_refused_and_changes_nothing(loan, amount):
    with_penalty(loan, 1, 5_000)
    before, state = books(), loan_state(loan)

    with pytest.raises(DomainError) as refused:
        repay(loan, amount, on=dt.date(2026, 3, 10))

    assert refused.value.field == "amount"
    assert books() == before
    assert loan_state(loan) == state


@pytest.mark.parametrize("amount", [0, -5, 1000.0, "1000"])
def test_an_amount_that_is_not_whole_positive_rupiah_is_refused(loan, amount):
    before, state = books(), loan_state(loan)

    with pytest.raises(DomainError):
        repay(loan, amount, on=dt.date(2026, 3, 10))

    assert books() == before
    assert loan_state(loan) == state


def test_a_replayed_repayment_is_taken_once(loan):
    first = loan_repay(
        loan=loan,
        amount=112_000,
        channel="cash",
        acting_user=None,
        idempotency_key="k-1",
        on=dt.date(2026, 3, 10),
    )
    before, state = books(), loan_state(loan)

    again = loan_repay(
        loan=loan,
        amount=112_000,
        channel="cash",
        acting_user=None,
        idempotency_key="k-1",
        on=dt.date(2026, 3, 10),
    )

    assert again.pk == first.pk
    assert books() == before
    assert loan_state(loan) == state


def test_a_paid_off_loan_takes_no_repayment(loan):
    repay(loan, payoff_amount(loan, dt.date(2026, 3, 10)), on=dt.date(2026, 3, 10))
    before, state = books(), loan_state(loan)

    with pytest.raises(DomainError):
        repay(loan, 1_000, on=dt.date(2026, 3, 11))

    assert books() == before
    assert loan_state(loan) == state
