"""A small ledger built by hand through the real posting actions, with every figure known.

Calendar fiscal year 2026; sukarela earns 12 % a year (1 % a month, on the month's lowest
balance). Siti and Budi join on 2 January 2026.

    date        what                                           Dr            Cr
    2026-01-05  Siti pays pokok 100.000 in cash                1101 100.000  3101
    2026-01-05  Siti deposits sukarela 2.000.000 in cash       1101          2101
    2026-01-06  Budi pays pokok 100.000 by transfer            1102 100.000  3101
    2026-01-10  Budi pays wajib 25.000 in cash                 1101          3102
    2026-01-20  Siti withdraws 500.000 sukarela in cash        2101          1101
    2026-01     month end: lowest balance 0 -> no interest
    2026-02-02  Budi's loan 1.200.000 (12 months, flat 12 %,   1201 1.200.000
                1 % admin fee) paid out in cash                              1101 1.188.000
                                                                             4102 12.000
    2026-02-28  month end interest: 1 % of 1.500.000           5101 15.000   2101
    2026-03-02  Budi pays installment 1 in cash: 112.000       1101 112.000  4101 12.000
                                                                             1201 100.000
    2026-03-31  month end interest: 1 % of 1.515.000           5101 15.150   2101
    2026-04-01  Siti deposits sukarela 300.000 (outside Q1)    1101 300.000  2101

Q1 2026 (1 January - 31 March): cash 549.000, bank 100.000, loans 1.100.000 = assets
1.749.000; sukarela 1.530.150; pokok 200.000, wajib 25.000; income 24.000, expenses 30.150:
a deficit of 6.150. Liabilities and equity: 1.530.150 + 225.000 - 6.150 = 1.749.000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from members.actions import member_apply, member_approve
from members.models import Member
from services.ledger.models import SavingsKind
from services.loans.actions import loan_apply, loan_approve, loan_disburse, loan_repay
from services.loans.models import Loan
from services.savings.actions import product_for, savings_deposit, savings_withdraw
from services.savings.month_end import month_end_run
from tests.conftest import client_for
from tests.factories import make_loan_product, member_data

JOINED = dt.date(2026, 1, 2)


def admit(cooperative, **data) -> Member:
    applicant = member_apply(cooperative=cooperative, data=member_data(**data))
    return member_approve(member=applicant, acting_user=cooperative.created_by, joined_on=JOINED)


def deposit(member, kind: str, amount: int, on: dt.date, channel: str = "cash"):
    return savings_deposit(
        member=member, kind=kind, amount=amount, channel=channel, acting_user=None, on=on
    )


@dataclass
class Ledger:
    siti: Member
    budi: Member
    loan: Loan


def build_ledger(cooperative, board_user) -> Ledger:
    product = product_for(cooperative)
    product.sukarela_annual_rate = Decimal("12.00")
    product.save()
    siti = admit(cooperative, full_name="Siti Aminah")
    budi = admit(cooperative, full_name="Budi Santoso")
    deposit(siti, SavingsKind.POKOK, 100_000, dt.date(2026, 1, 5))
    deposit(siti, SavingsKind.SUKARELA, 2_000_000, dt.date(2026, 1, 5))
    deposit(budi, SavingsKind.POKOK, 100_000, dt.date(2026, 1, 6), channel="transfer")
    deposit(budi, SavingsKind.WAJIB, 25_000, dt.date(2026, 1, 10))
    savings_withdraw(
        member=siti, amount=500_000, channel="cash", acting_user=None, on=dt.date(2026, 1, 20)
    )
    month_end_run(cooperative=cooperative, month=dt.date(2026, 1, 1))
    loan_product = make_loan_product(cooperative)
    loan = loan_apply(
        member=budi, product=loan_product, amount=1_200_000, term=12, purpose="Modal warung"
    )
    loan = loan_approve(loan=loan, acting_user=board_user)
    loan = loan_disburse(
        loan=loan,
        acting_user=board_user,
        channel="cash",
        on=dt.date(2026, 2, 2),
        first_due=dt.date(2026, 3, 2),
    )
    month_end_run(cooperative=cooperative, month=dt.date(2026, 2, 1))
    loan_repay(loan=loan, amount=112_000, channel="cash", acting_user=None, on=dt.date(2026, 3, 2))
    month_end_run(cooperative=cooperative, month=dt.date(2026, 3, 1))
    deposit(siti, SavingsKind.SUKARELA, 300_000, dt.date(2026, 4, 1))
    return Ledger(siti=siti, budi=budi, loan=loan)


@pytest.fixture
def ledger(cooperative, chair) -> Ledger:
    return build_ledger(cooperative, chair)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def board(chair) -> Client:
    return english(client_for(chair))
