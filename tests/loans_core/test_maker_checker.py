"""Maker-checker approval: one board approval up to the cooperative's threshold, two different
board members above it; nobody approves their own loan; only the board approves."""

from __future__ import annotations

import pytest

from koperasi.errors import DomainError
from koperasi.models import Role
from services.loans.actions import loan_apply, loan_approve
from services.loans.models import Loan, LoanApproval, LoanPolicy
from tests.factories import RoleFactory, make_member

pytestmark = pytest.mark.django_db


def apply(member, product, amount: int) -> Loan:
    return loan_apply(member=member, product=product, amount=amount, term=12, purpose="Modal")


def state(loan: Loan) -> tuple:
    loan.refresh_from_db()
    return (
        loan.status,
        loan.decided_at,
        sorted(LoanApproval.objects.filter(loan=loan).values_list("user_id", flat=True)),
    )


def test_up_to_the_default_threshold_one_board_approval_approves(borrower, product, chair):
    loan = apply(borrower, product, 10_000_000)  # the default threshold: not above it

    loan = loan_approve(loan=loan, acting_user=chair)

    assert loan.status == Loan.Status.APPROVED
    assert loan.decided_at is not None
    assert state(loan)[2] == [chair.pk]


def test_above_the_threshold_two_different_board_members_must_approve(
    borrower, product, chair, treasurer
):
    loan = apply(borrower, product, 10_000_001)

    loan = loan_approve(loan=loan, acting_user=chair)
    assert (loan.status, loan.decided_at) == (Loan.Status.APPLIED, None)

    loan = loan_approve(loan=loan, acting_user=treasurer)
    assert loan.status == Loan.Status.APPROVED
    assert state(loan)[2] == sorted([chair.pk, treasurer.pk])


def test_the_threshold_comes_from_the_cooperatives_policy(
    cooperative, borrower, product, chair, treasurer
):
    LoanPolicy.objects.create(cooperative=cooperative, two_approvals_above=1_000_000)
    small = apply(borrower, product, 1_000_000)

    small = loan_approve(loan=small, acting_user=chair)
    assert small.status == Loan.Status.APPROVED

    other = make_member(cooperative, full_name="Budi Santoso")
    big = apply(other, product, 1_000_001)
    big = loan_approve(loan=big, acting_user=chair)
    assert big.status == Loan.Status.APPLIED
    assert loan_approve(loan=big, acting_user=treasurer).status == Loan.Status.APPROVED


def test_the_same_board_member_cannot_approve_twice(borrower, product, chair):
    loan = apply(borrower, product, 20_000_000)
    loan_approve(loan=loan, acting_user=chair)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=chair)

    assert state(loan) == before
    assert before[0] == Loan.Status.APPLIED


def test_nobody_approves_their_own_loan(cooperative, product, chair, treasurer):
    # The chair is a member of the cooperative too, and borrows.
    own = make_member(cooperative, user=chair, full_name="Ketua Koperasi")
    loan = apply(own, product, 2_000_000)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=chair)

    assert state(loan) == before
    # Another board member may.
    assert loan_approve(loan=loan, acting_user=treasurer).status == Loan.Status.APPROVED


def test_own_loan_does_not_count_as_the_second_approval(cooperative, product, chair, treasurer):
    own = make_member(cooperative, user=treasurer, full_name="Bendahara")
    loan = apply(own, product, 20_000_000)
    loan_approve(loan=loan, acting_user=chair)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=treasurer)

    assert state(loan) == before


@pytest.mark.parametrize("kind", [Role.Kind.TELLER, Role.Kind.SUPERVISOR, Role.Kind.MEMBER])
def test_only_the_board_approves(cooperative, borrower, product, kind):
    someone = RoleFactory(cooperative=cooperative, kind=kind).user
    loan = apply(borrower, product, 2_000_000)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=someone)

    assert state(loan) == before


def test_a_board_member_of_another_cooperative_cannot_approve(borrower, product, other_cooperative):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    loan = apply(borrower, product, 2_000_000)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=outsider)

    assert state(loan) == before


def test_a_decided_loan_takes_no_more_approvals(borrower, product, chair, treasurer):
    loan = loan_approve(loan=apply(borrower, product, 2_000_000), acting_user=chair)
    before = state(loan)

    with pytest.raises(DomainError):
        loan_approve(loan=loan, acting_user=treasurer)

    assert state(loan) == before
