"""Loans: a product, a member with savings who borrows, and the steps of a loan's life."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from koperasi.models import Role
from services.loans import actions
from services.loans.models import Installment, Loan, LoanApproval, LoanProduct, Repayment
from services.savings.actions import savings_deposit
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory, make_member
from tests.services.helpers import books


def make_product(cooperative, **overrides) -> LoanProduct:
    fields = {
        "name": "Pinjaman Usaha",
        "method": "flat",
        "annual_rate": Decimal("12.00"),
        "max_amount": 20_000_000,
        "min_term": 3,
        "max_term": 24,
        "admin_fee_percent": Decimal("1.00"),
        "penalty_percent": Decimal("2.00"),
        "grace_days": 3,
        "savings_multiple": Decimal(3),
    }
    fields.update(overrides)
    return LoanProduct.objects.create(cooperative=cooperative, **fields)


@pytest.fixture
def product(cooperative) -> LoanProduct:
    return make_product(cooperative)


def make_borrower(cooperative, *, sukarela: int = 5_000_000, **overrides):
    """An active member with a login and `sukarela` in voluntary savings."""
    member = make_member(cooperative, user=UserFactory(), **overrides)
    if sukarela:
        savings_deposit(
            member=member, kind="sukarela", amount=sukarela, channel="cash", acting_user=None
        )
    return member


@pytest.fixture
def borrower(cooperative):
    return make_borrower(cooperative)


@pytest.fixture
def borrower_client(borrower) -> Client:
    return client_for(borrower.user)


@pytest.fixture
def treasurer(cooperative):
    return RoleFactory(
        cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.TREASURER
    ).user


def apply(member, product, amount=6_000_000, term=12, purpose="Modal warung") -> Loan:
    return actions.loan_apply(
        member=member, product=product, amount=amount, term=term, purpose=purpose
    )


def approved(member, product, approver, **kwargs) -> Loan:
    return actions.loan_approve(loan=apply(member, product, **kwargs), acting_user=approver)


def disbursed(member, product, approver, channel="sukarela", **kwargs) -> Loan:
    loan = approved(member, product, approver, **kwargs)
    return actions.loan_disburse(loan=loan, acting_user=approver, channel=channel)


def loan_books() -> tuple:
    """Everything a refused loan step must leave untouched: the ledger and every loan row."""
    return (
        books(),
        sorted(
            Loan.objects.values_list(
                "pk", "status", "outstanding_principal", "rejection_reason", "disbursed_on"
            )
        ),
        LoanApproval.objects.count(),
        sorted(
            Installment.objects.values_list(
                "pk", "paid_principal", "paid_interest", "paid_penalty", "waived"
            )
        ),
        Repayment.objects.count(),
    )
