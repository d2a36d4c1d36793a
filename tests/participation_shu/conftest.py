"""SHU for real: three members with a year of savings and one loan, posted through the real
actions, and an SHU year of Rp 10.000.000 with the default split.

Fiscal year 2025 (January to December). At 31 December 2025:
- Ani: pokok 100.000 + wajib 300.000 (+ sukarela 500.000); a wajib deposit of 25.000 on
  10 January 2026 does not count. Loan interest paid in 2025: 2 x 12.000 = 24.000 (a third
  installment on 5 January 2026 does not count).
- Budi: pokok 100.000 + wajib 100.000 (+ sukarela 1.000.000); no loan.
- Citra: nothing paid.
"""

from __future__ import annotations

import datetime as dt

import pytest

from members.actions import member_apply, member_approve
from services.ledger.models import SavingsKind
from services.loans.actions import loan_apply, loan_approve, loan_disburse, loan_repay
from services.loans.models import LoanProduct
from services.participation.models import ShuYear
from services.savings.actions import savings_deposit
from tests.factories import UserFactory, make_loan_product, member_data

JOINED = dt.date(2025, 1, 2)


def admitted(cooperative, *, acting_user, name: str, user=None):
    member = member_apply(cooperative=cooperative, data=member_data(full_name=name), user=user)
    return member_approve(member=member, acting_user=acting_user, joined_on=JOINED)


def deposit(member, kind: str, amount: int, on: dt.date) -> None:
    savings_deposit(
        member=member, kind=kind, amount=amount, channel="cash", acting_user=None, on=on
    )


@pytest.fixture
def product(cooperative) -> LoanProduct:
    return make_loan_product(cooperative)


@pytest.fixture
def ani_user():
    return UserFactory()


@pytest.fixture
def trio(cooperative, chair, product, ani_user):
    """(Ani, Budi, Citra) with the history described above."""
    ani = admitted(cooperative, acting_user=chair, name="Ani Lestari", user=ani_user)
    budi = admitted(cooperative, acting_user=chair, name="Budi Santoso", user=UserFactory())
    citra = admitted(cooperative, acting_user=chair, name="Citra Dewi")
    deposit(ani, SavingsKind.POKOK, 100_000, JOINED)
    deposit(ani, SavingsKind.WAJIB, 300_000, dt.date(2025, 6, 10))
    deposit(ani, SavingsKind.SUKARELA, 500_000, dt.date(2025, 7, 1))
    deposit(ani, SavingsKind.WAJIB, 25_000, dt.date(2026, 1, 10))
    deposit(budi, SavingsKind.POKOK, 100_000, JOINED)
    deposit(budi, SavingsKind.WAJIB, 100_000, dt.date(2025, 4, 10))
    deposit(budi, SavingsKind.SUKARELA, 1_000_000, dt.date(2025, 5, 1))
    loan = loan_apply(member=ani, product=product, amount=1_200_000, term=12, purpose="Modal")
    loan = loan_approve(loan=loan, acting_user=chair)
    loan = loan_disburse(
        loan=loan,
        acting_user=chair,
        channel="cash",
        on=dt.date(2025, 10, 5),
        first_due=dt.date(2025, 11, 5),
    )
    for day in (dt.date(2025, 11, 5), dt.date(2025, 12, 5), dt.date(2026, 1, 5)):
        loan_repay(loan=loan, amount=112_000, channel="cash", acting_user=chair, on=day)
    return ani, budi, citra


@pytest.fixture
def shu_year(cooperative) -> ShuYear:
    return ShuYear.objects.create(cooperative=cooperative, year=2025, surplus=10_000_000)
