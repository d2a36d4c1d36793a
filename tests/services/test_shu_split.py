"""The SHU split: an exact worked example, the pools are never exceeded, edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.shu import Basis, Share, split_shu


def test_a_worked_example():
    # Surplus Rp 100.000.000; jasa modal 20 % = 20.000.000, jasa usaha 25 % = 25.000.000.
    # Savings 6, 3 and 1 million (10 million in all); transactions 1, 1 and 2 million (4).
    # Ani: 20.000.000 * 6/10 = 12.000.000 and 25.000.000 * 1/4 = 6.250.000 -> 18.250.000.
    # Budi: 20.000.000 * 3/10 = 6.000.000 and 6.250.000 -> 12.250.000.
    # Citra: 20.000.000 * 1/10 = 2.000.000 and 25.000.000 * 2/4 = 12.500.000 -> 14.500.000.
    bases = [
        Basis(member_id=1, savings=6_000_000, transactions=1_000_000),
        Basis(member_id=2, savings=3_000_000, transactions=1_000_000),
        Basis(member_id=3, savings=1_000_000, transactions=2_000_000),
    ]

    assert split_shu(20_000_000, 25_000_000, bases) == [
        Share(member_id=1, jasa_modal=12_000_000, jasa_usaha=6_250_000, total=18_250_000),
        Share(member_id=2, jasa_modal=6_000_000, jasa_usaha=6_250_000, total=12_250_000),
        Share(member_id=3, jasa_modal=2_000_000, jasa_usaha=12_500_000, total=14_500_000),
    ]


def test_rounding_down_leaves_the_remainder_in_the_reserve():
    # 100 split three ways by equal savings: 33 each, 1 stays in the reserve.
    bases = [Basis(member_id=i, savings=1, transactions=0) for i in (1, 2, 3)]

    shares = split_shu(100, 0, bases)

    assert [s.jasa_modal for s in shares] == [33, 33, 33]
    assert 100 - sum(s.total for s in shares) == 1


def test_zero_totals_pay_nothing_from_that_pool():
    bases = [Basis(member_id=1, savings=0, transactions=500), Basis(2, 0, 0)]

    assert split_shu(1_000, 2_000, bases) == [Share(1, 0, 2_000, 2_000), Share(2, 0, 0, 0)]


def test_one_member_takes_both_pools_whole():
    assert split_shu(700, 300, [Basis(9, 5, 7)]) == [Share(9, 700, 300, 1_000)]


def test_no_members_no_shares():
    assert split_shu(1_000, 1_000, []) == []


@pytest.mark.parametrize(
    ("modal", "usaha", "bases"),
    [
        (-1, 0, []),
        (1.5, 0, []),
        (0, 0, [Basis(1, -5, 0)]),
        (0, 0, [Basis(1, 5, 2.5)]),
        (0, 0, [Basis(1, 5, 0), Basis(1, 6, 0)]),
    ],
)
def test_what_cannot_be_split_is_refused(modal, usaha, bases):
    with pytest.raises(ValueError, match=r"must|cannot|whole|twice"):
        split_shu(modal, usaha, bases)


@given(
    modal=st.integers(min_value=0, max_value=10**12),
    usaha=st.integers(min_value=0, max_value=10**12),
    rows=st.lists(
        st.tuples(st.integers(0, 10**10), st.integers(0, 10**10)), min_size=0, max_size=40
    ),
)
def test_the_sum_paid_never_exceeds_the_pools(modal, usaha, rows):
    bases = [Basis(i, s, t) for i, (s, t) in enumerate(rows)]

    shares = split_shu(modal, usaha, bases)

    assert sum(s.jasa_modal for s in shares) <= modal
    assert sum(s.jasa_usaha for s in shares) <= usaha
    assert all(s.total == s.jasa_modal + s.jasa_usaha >= 0 for s in shares)
    # Rounding down loses less than one Rupiah per member and pool.
    if any(s for s, _ in rows):
        assert modal - sum(s.jasa_modal for s in shares) < max(len(rows), 1)
    if any(t for _, t in rows):
        assert usaha - sum(s.jasa_usaha for s in shares) < max(len(rows), 1)
