"""Loans core: a product, borrowers with a login, and a loan taken through the real actions
(apply, approve, disburse). The reminder kinds are added to KINDS here until kinds.py has
them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from koperasi.models import Role
from koperasi.notifications import kinds
from koperasi.notifications.kinds import INAPP, SMS, Kind
from services.ledger import chart
from services.loans.actions import loan_apply, loan_approve, loan_disburse
from services.loans.models import Installment, Loan, LoanProduct
from services.savings.actions import add_months
from tests.factories import RoleFactory, UserFactory, make_loan_product, make_member

LOAN_KINDS = (
    Kind("loan.due_soon", "Loan installment due soon", (INAPP, SMS)),
    Kind("loan.due_today", "Loan installment due today", (INAPP, SMS)),
    Kind("loan.overdue", "Loan installment overdue", (INAPP, SMS)),
)


@pytest.fixture(autouse=True)
def _loan_kinds(monkeypatch):
    for kind in LOAN_KINDS:
        monkeypatch.setitem(kinds.KINDS, kind.key, kind)


@pytest.fixture
def product(cooperative) -> LoanProduct:
    """Flat 12 % a year, 1 % admin fee, 2 % a month late penalty after 3 grace days."""
    return make_loan_product(cooperative)


@pytest.fixture
def treasurer(cooperative):
    return RoleFactory(
        cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.TREASURER
    ).user


@pytest.fixture
def borrower(cooperative):
    """An active member with a login (so reminders reach the in-app inbox)."""
    return make_member(cooperative, user=UserFactory(), full_name="Siti Aminah")


def disbursed(
    member,
    product,
    *,
    approver,
    amount: int = 1_200_000,
    term: int = 12,
    on: dt.date = dt.date(2026, 1, 5),
    first_due: dt.date | None = None,
    channel: str = "sukarela",
) -> Loan:
    """A loan applied for, approved (one approval: below the two-approval threshold) and paid
    out to the member's sukarela on `on`; the first installment is due on `first_due`."""
    loan = loan_apply(member=member, product=product, amount=amount, term=term, purpose="Modal")
    loan = loan_approve(loan=loan, acting_user=approver)
    return loan_disburse(
        loan=loan,
        acting_user=approver,
        channel=channel,
        on=on,
        first_due=first_due or add_months(on, 1),
    )


def rows(loan: Loan) -> list[tuple]:
    """(number, due, principal, interest, penalty, paid principal, interest, penalty, paid on,
    waived) of every installment, in order."""
    return list(
        Installment.objects.filter(loan=loan)
        .order_by("number")
        .values_list(
            "number",
            "due_date",
            "principal",
            "interest",
            "penalty",
            "paid_principal",
            "paid_interest",
            "paid_penalty",
            "paid_on",
            "waived",
        )
    )


def loan_state(loan: Loan) -> tuple:
    loan.refresh_from_db()
    return (
        loan.status,
        loan.outstanding_principal,
        loan.days_past_due,
        loan.grade,
        loan.closed_on,
        loan.repayments.count(),
        rows(loan),
    )


def receivable(cooperative) -> int:
    return chart.gl_account(cooperative, chart.LOANS_RECEIVABLE).balance


def outstanding(cooperative) -> int:
    return (
        Loan.objects.filter(cooperative=cooperative).aggregate(total=Sum("outstanding_principal"))[
            "total"
        ]
        or 0
    )
