"""One cooperative with something of everything, built through the real actions, for the
hostile-input tests: a board, a teller, members with savings, loans at each step, a meeting
under way, an open vote, an SHU draft, a partner with an offer and an order; and a second
cooperative and partner whose ids are the "forged" ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from koperasi.models import Cooperative, Role, User
from members.actions import member_apply
from members.models import Member
from partners.models import Offer, Order, Partner, Partnership, PartnerUser
from partners.offers import offer_create, order_place
from partners.purchases import purchase_code_issue
from services.loans import actions as loans
from services.loans.models import Loan, LoanProduct
from services.participation.models import Meeting, ShuYear, Vote
from services.participation.shu import shu_year_save
from services.participation.votes import vote_create
from services.savings.actions import savings_deposit, withdrawal_request_create
from services.savings.models import WithdrawalRequest
from tests.factories import (
    CooperativeFactory,
    RoleFactory,
    UserFactory,
    make_loan_product,
    make_member,
    make_partner,
    member_data,
)

SUKARELA = 5_000_000


@dataclass
class Side:
    """What one cooperative holds."""

    cooperative: Cooperative
    chair: User
    teller: User
    member: Member
    borrower: Member
    payer: Member
    leaver: Member
    applicant: Member
    product: LoanProduct
    submitted: Loan
    approved: Loan
    disbursed: Loan
    withdrawal: WithdrawalRequest
    meeting: Meeting
    vote: Vote
    shu: ShuYear


@dataclass
class World:
    home: Side
    other: Side
    partner: Partner
    partner_owner: User
    other_partner: Partner
    offer: Offer
    other_offer: Offer
    order: Order
    other_order: Order
    newcomer: User
    platform_staff: User
    pending: Cooperative

    @property
    def slug(self) -> str:
        return self.home.cooperative.slug


def _member(cooperative, chair, name: str) -> Member:
    member = make_member(cooperative, user=UserFactory(), acting_user=chair, full_name=name)
    savings_deposit(
        member=member, kind="sukarela", amount=SUKARELA, channel="cash", acting_user=chair
    )
    return member


def _product(cooperative) -> LoanProduct:
    return make_loan_product(
        cooperative, name="Pinjaman Usaha", max_amount=20_000_000, min_term=3, max_term=24
    )


def _side(name: str) -> Side:
    cooperative = CooperativeFactory()
    chair = RoleFactory(cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR).user
    teller = RoleFactory(cooperative=cooperative, kind=Role.Kind.TELLER).user
    member = _member(cooperative, chair, f"Sri Wahyuni {name}")
    borrower = _member(cooperative, chair, f"Budi Santoso {name}")
    payer = _member(cooperative, chair, f"Citra Dewi {name}")
    leaver = _member(cooperative, chair, f"Eko Prasetyo {name}")
    applicant = member_apply(
        cooperative=cooperative, data=member_data(full_name=f"Dewi Lestari {name}")
    )
    product = _product(cooperative)
    submitted = loans.loan_apply(
        member=member, product=product, amount=1_000_000, term=12, purpose="Modal warung"
    )
    approved = loans.loan_approve(
        loan=loans.loan_apply(
            member=borrower, product=product, amount=1_000_000, term=12, purpose="Modal tani"
        ),
        acting_user=chair,
    )
    disbursed = loans.loan_disburse(
        loan=loans.loan_approve(
            loan=loans.loan_apply(
                member=payer, product=product, amount=1_200_000, term=12, purpose="Modal"
            ),
            acting_user=chair,
        ),
        acting_user=chair,
        channel="sukarela",
    )
    withdrawal = withdrawal_request_create(
        member=member,
        amount=100_000,
        bank_name="BRI",
        bank_account_number="1234567890",
        bank_account_holder=member.full_name,
    )
    starts_at = timezone.now() - dt.timedelta(hours=1)  # running: the door is open
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        kind=Meeting.Kind.RAT,
        title="RAT Tahun Buku 2025",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        place="Balai Desa",
        agenda="1. Laporan pengurus",
        created_by=chair,
    )
    now = timezone.now()
    vote = vote_create(
        cooperative=cooperative,
        acting_user=chair,
        kind=Vote.Kind.MOTION,
        question="Setujukah laporan pengurus?",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        secret=True,
    )
    shu = shu_year_save(
        cooperative=cooperative,
        acting_user=chair,
        data={
            "year": 2025,
            "surplus": 10_000_000,
            "reserve_pct": Decimal(40),
            "jasa_modal_pct": Decimal(20),
            "jasa_usaha_pct": Decimal(20),
            "board_pct": Decimal(5),
            "staff_pct": Decimal(5),
            "education_pct": Decimal(5),
            "social_pct": Decimal(5),
            "include_sukarela": False,
            "credit_to_sukarela": False,
            "vote": None,
        },
    )
    return Side(
        cooperative=cooperative,
        chair=chair,
        teller=teller,
        member=member,
        borrower=borrower,
        payer=payer,
        leaver=leaver,
        applicant=applicant,
        product=product,
        submitted=submitted,
        approved=approved,
        disbursed=disbursed,
        withdrawal=withdrawal,
        meeting=meeting,
        vote=vote,
        shu=shu,
    )


def _partner(name: str, side: Side) -> tuple[Partner, User, Offer, Order]:
    partner = make_partner(name)
    owner = UserFactory()
    PartnerUser.objects.create(partner=partner, user=owner, role=PartnerUser.Role.OWNER)
    Partnership.objects.create(
        cooperative=side.cooperative,
        partner=partner,
        terms="Harga khusus anggota",
        valid_from=dt.date(2024, 1, 1),
        status=Partnership.Status.ACTIVE,
        commission_percent=Decimal("2.50"),
    )
    offer = offer_create(
        partner=partner,
        acting_user=owner,
        data={
            "title": "Pupuk Urea 50 kg",
            "description": "Pupuk bersubsidi",
            "unit": "karung",
            "price": 250_000,
            "discount_percent": Decimal(10),
            "valid_from": timezone.localdate() - dt.timedelta(days=1),
            "valid_to": None,
        },
    )
    order = order_place(
        member=side.member, offer=offer, quantity=2, note="Antar sore", acting_user=side.member.user
    )
    return partner, owner, offer, order


def build_world() -> World:
    home, other = _side("A"), _side("B")
    partner, owner, offer, order = _partner("PT Tani Makmur", home)
    other_partner, _other_owner, other_offer, other_order = _partner("CV Pasar Raya", other)
    return World(
        home=home,
        other=other,
        partner=partner,
        partner_owner=owner,
        other_partner=other_partner,
        offer=offer,
        other_offer=other_offer,
        order=order,
        other_order=other_order,
        newcomer=UserFactory(),
        platform_staff=UserFactory(is_platform_staff=True),
        pending=CooperativeFactory(status=Cooperative.Status.PENDING),
    )


def fresh_code(member: Member) -> str:
    return purchase_code_issue(member=member).code


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once per test module inside a transaction that is rolled back at
    the end; each test runs in a savepoint within it (like TestCase.setUpTestData)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
