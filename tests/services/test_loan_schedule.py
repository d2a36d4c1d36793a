"""Loan schedules: textbook vectors for flat, annuity and declining, and the rounding rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.loans.schedule import build_schedule

JAN_31 = dt.date(2026, 1, 31)


def test_flat_textbook_example():
    # Rp 12.000.000 at 12 % a year flat over 12 months: Rp 1.000.000 principal and
    # Rp 120.000 interest (1 % of the original principal) every month, Rp 1.440.000 in all.
    schedule = build_schedule(12_000_000, Decimal("0.12"), 12, "flat", JAN_31)

    assert {(i.principal, i.interest, i.payment) for i in schedule} == {
        (1_000_000, 120_000, 1_120_000)
    }
    assert sum(i.interest for i in schedule) == 1_440_000


def test_annuity_textbook_example():
    # Rp 10.000.000 at 12 % a year over 12 months: A = P*i / (1 - (1+i)^-n)
    # = 10.000.000 * 0.01 / (1 - 1.01^-12) = 888.487,88 -> Rp 888.488 a month. Month 1 pays
    # interest 1 % of 10.000.000 = 100.000 and principal 788.488; month 2's interest is 1 % of
    # the 9.211.512 left = 92.115. The last installment takes the rounding remainder.
    schedule = build_schedule(10_000_000, Decimal("0.12"), 12, "annuity", JAN_31)

    assert (schedule[0].payment, schedule[0].interest, schedule[0].principal) == (
        888_488,
        100_000,
        788_488,
    )
    assert (schedule[1].interest, schedule[1].balance) == (92_115, 8_415_139)
    assert all(i.payment == 888_488 for i in schedule[:-1])
    assert schedule[-1].payment == 888_485
    assert sum(i.principal for i in schedule) == 10_000_000
    assert sum(i.interest for i in schedule) == 661_853


def test_declining_textbook_example():
    # Rp 12.000.000 at 12 % a year over 12 months, principal Rp 1.000.000 a month, interest
    # 1 % of the balance: 120.000, 110.000, ... 10.000; total = 1 % * 1.000.000 * 78 = 780.000.
    schedule = build_schedule(12_000_000, Decimal("0.12"), 12, "declining", JAN_31)

    assert [i.interest for i in schedule] == [120_000 - 10_000 * k for k in range(12)]
    assert sum(i.interest for i in schedule) == 780_000
    assert [i.balance for i in schedule[:3]] == [11_000_000, 10_000_000, 9_000_000]


def test_the_rounding_remainder_goes_into_the_last_installment():
    schedule = build_schedule(10_000_000, Decimal("0.12"), 12, "flat", JAN_31)

    assert [i.principal for i in schedule] == [833_333] * 11 + [833_337]
    assert schedule[-1].balance == 0


def test_due_dates_keep_the_day_of_the_month_where_they_can():
    schedule = build_schedule(3_000_000, Decimal("0.12"), 3, "declining", JAN_31)

    assert [i.due_date for i in schedule] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
    ]


def test_a_zero_rate_annuity_is_equal_principal():
    schedule = build_schedule(1_000_000, Decimal(0), 3, "annuity", JAN_31)

    assert [(i.principal, i.interest) for i in schedule] == [
        (333_333, 0),
        (333_333, 0),
        (333_334, 0),
    ]


@pytest.mark.parametrize(
    ("principal", "rate", "months", "method"),
    [
        (0, Decimal("0.12"), 12, "flat"),
        (-5, Decimal("0.12"), 12, "flat"),
        (1_000_000.0, Decimal("0.12"), 12, "flat"),
        (1_000_000, 0.12, 12, "flat"),
        (1_000_000, Decimal("-0.01"), 12, "flat"),
        (1_000_000, Decimal("0.12"), 0, "flat"),
        (1_000_000, Decimal("0.12"), 12, "balloon"),
    ],
)
def test_what_cannot_be_a_loan_is_refused(principal, rate, months, method):
    with pytest.raises(ValueError, match="must"):
        build_schedule(principal, rate, months, method, JAN_31)


@given(
    principal=st.integers(min_value=1, max_value=5_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.6"), places=4),
    months=st.integers(min_value=1, max_value=120),
    method=st.sampled_from(["flat", "annuity", "declining"]),
)
def test_any_schedule_repays_exactly_the_principal(principal, rate, months, method):
    schedule = build_schedule(principal, rate, months, method, JAN_31)

    assert len(schedule) == months
    assert sum(i.principal for i in schedule) == principal
    assert schedule[-1].balance == 0
    assert all(i.payment == i.principal + i.interest for i in schedule)
    assert all(i.interest >= 0 for i in schedule)
    balances = [principal] + [i.balance for i in schedule]
    assert all(a >= b for a, b in pairwise(balances))
    assert all(i.principal >= 0 for i in schedule)
