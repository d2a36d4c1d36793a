"""A small cooperative built through the real actions, whose dashboard figures are known.

Dates are relative to today: `firsts` are the first days of the twelve months the dashboard
shows (firsts[0] eleven months ago, firsts[11] this month).

Members (joined on / left on):
    Ani    2 months before the window       active, borrower in arrears
    Dedi   2 months before the window       left firsts[9] + 4 days
    Budi   firsts[6] + 9 days               active, borrower up to date
    Citra  firsts[11]                       active, a loan application waiting for approval
    Fajar  firsts[11]                       active, an approved loan waiting to be paid out
    Eka    -                                applicant (waiting)
Members at each month end: 2 x 6, 3 x 3, 2 x 2, 4 (this month).

Savings (deposits through `savings_deposit`, a withdrawal through `savings_withdraw`):
    pokok     Ani 100.000 (before the window), Budi 100.000 (firsts[6] + 9)
    wajib     Ani 150.000 (firsts[5])
    sukarela  Ani +2.000.000 (firsts[2]), -300.000 (firsts[8]); Budi +500.000 (firsts[11])
At each month end:
    pokok     100.000 x 6, 200.000 x 6
    wajib     0 x 5, 150.000 x 7
    sukarela  0 x 2, 2.000.000 x 6, 1.700.000 x 3, 2.200.000

Loans (apply, approve, disburse, then the daily job for today):
    Ani   1.200.000 paid out firsts[8] + 4, nothing repaid: more than 30 days late
    Budi    600.000 paid out firsts[11], first installment next month: current
Outstanding 0 x 8, 1.200.000 x 3, 1.800.000; PAR30 now 1.200.000 / 1.800.000 = 66,67 %.
Snapshots (by hand, as the evening job would have written them): firsts[8] + 20 (PAR 0),
firsts[9] + 5 (PAR 0) and firsts[9] + 20 (PAR 100 %: the later one counts), firsts[10] + 15
(PAR 100 %); months 0 to 7 have none.

Waiting: 1 application (Eka), 1 loan to approve (Citra), 1 to pay out (Fajar), 1 withdrawal
request (Ani, 250.000), 1 message that failed for good.
Participation this fiscal year: Ani was present at a RAT an hour ago: 1 of 4 members, 25 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone

from koperasi.dashboards import month_firsts
from koperasi.models import Cooperative, Role
from koperasi.notifications.models import Delivery, Notification
from members.actions import member_apply, member_approve, member_exit
from members.models import Member
from services.loans.actions import loan_apply, loan_approve, loan_disburse
from services.loans.daily import loans_daily_run
from services.loans.models import Loan, LoanProduct
from services.participation.meetings import attendance_door
from services.participation.models import Meeting
from services.savings.actions import (
    add_months,
    savings_deposit,
    savings_withdraw,
    withdrawal_request_create,
)
from services.snapshots import PortfolioSnapshot
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory, make_loan_product, member_data


def admit(cooperative, joined_on: dt.date, *, chair, user=None, **data) -> Member:
    member = member_apply(cooperative=cooperative, data=member_data(**data), user=user)
    return member_approve(member=member, acting_user=chair, joined_on=joined_on)


def deposit(member, kind: str, amount: int, on: dt.date):
    return savings_deposit(
        member=member, kind=kind, amount=amount, channel="cash", acting_user=None, on=on
    )


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_product(cooperative) -> LoanProduct:
    return make_loan_product(cooperative)


def borrow(member, product, approver, amount: int, *, on: dt.date | None = None) -> Loan:
    """Apply and approve; with `on`, also pay out in cash on that day."""
    loan = loan_apply(member=member, product=product, amount=amount, term=12, purpose="Modal")
    loan = loan_approve(loan=loan, acting_user=approver)
    if on is None:
        return loan
    return loan_disburse(loan=loan, acting_user=approver, channel="cash", on=on)


@dataclass
class Book:
    cooperative: Cooperative
    chair: object
    firsts: list[dt.date]
    members: dict[str, Member]
    loans: dict[str, Loan]


@pytest.fixture
def firsts() -> list[dt.date]:
    return month_firsts(timezone.localdate())


@pytest.fixture
def book(cooperative, chair, firsts) -> Book:
    before = add_months(firsts[0], -2)
    day = dt.timedelta(days=1)
    ani = admit(cooperative, before, chair=chair, full_name="Ani Lestari", user=UserFactory())
    dedi = admit(cooperative, before, chair=chair, full_name="Dedi Kurniawan")
    budi = admit(cooperative, firsts[6] + 9 * day, chair=chair, full_name="Budi Santoso")
    citra = admit(cooperative, firsts[11], chair=chair, full_name="Citra Dewi")
    fajar = admit(cooperative, firsts[11], chair=chair, full_name="Fajar Nugroho")
    eka = member_apply(cooperative=cooperative, data=member_data(full_name="Eka Putri"))

    member_exit(member=dedi, acting_user=chair, reason="Pindah kota")
    Member.objects.filter(pk=dedi.pk).update(left_on=firsts[9] + 4 * day)

    deposit(ani, "pokok", 100_000, before)
    deposit(ani, "wajib", 150_000, firsts[5])
    deposit(ani, "sukarela", 2_000_000, firsts[2])
    savings_withdraw(member=ani, amount=300_000, channel="cash", acting_user=chair, on=firsts[8])
    deposit(budi, "pokok", 100_000, firsts[6] + 9 * day)
    deposit(budi, "sukarela", 500_000, firsts[11])
    withdrawal_request_create(
        member=ani,
        amount=250_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder="Ani Lestari",
    )

    product = make_product(cooperative)
    loans = {
        "ani": borrow(ani, product, chair, 1_200_000, on=firsts[8] + 4 * day),
        "budi": borrow(budi, product, chair, 600_000, on=firsts[11]),
        "fajar": borrow(fajar, product, chair, 400_000),
        "citra": loan_apply(member=citra, product=product, amount=300_000, term=6, purpose="Modal"),
    }
    loans_daily_run(cooperative=cooperative, date=timezone.localdate(), remind=False)

    for date, at_risk in (
        (firsts[8] + 20 * day, 0),
        (firsts[9] + 5 * day, 0),
        (firsts[9] + 20 * day, 1_200_000),
        (firsts[10] + 15 * day, 1_200_000),
    ):
        PortfolioSnapshot.objects.create(
            cooperative=cooperative,
            date=date,
            members=3,
            loans_outstanding=1_200_000,
            par30_outstanding=at_risk,
        )

    notification = Notification.objects.create(
        cooperative=cooperative,
        recipient=ani.user,
        kind="savings.deposited",
        title="Setoran diterima",
        body="Setoran Anda diterima.",
    )
    Delivery.objects.create(
        notification=notification, channel="email", status=Delivery.Status.FAILED, attempts=6
    )

    now = timezone.now()
    rat = Meeting.objects.create(
        cooperative=cooperative,
        kind=Meeting.Kind.RAT,
        title="RAT Tahun Buku",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=2),
        place="Balai Desa",
        agenda="1. Laporan pengurus",
        created_by=chair,
    )
    attendance_door(meeting=rat, number=ani.number, acting_user=chair, now=now)

    return Book(
        cooperative=cooperative,
        chair=chair,
        firsts=firsts,
        members={
            "ani": ani,
            "dedi": dedi,
            "budi": budi,
            "citra": citra,
            "fajar": fajar,
            "eka": eka,
        },
        loans=loans,
    )


@pytest.fixture
def board(book):
    return english(client_for(book.chair))


def role_client(cooperative, kind: str):
    return english(client_for(RoleFactory(cooperative=cooperative, kind=kind).user))


@pytest.fixture
def supervisor_client(cooperative):
    return role_client(cooperative, Role.Kind.SUPERVISOR)


@pytest.fixture
def teller_client(cooperative):
    return role_client(cooperative, Role.Kind.TELLER)
