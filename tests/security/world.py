"""One of every object the portal's URLs name by id, for a cooperative and its partner, made
through the app's own actions (as the tests of each app make them).

`world_build()` makes two such cooperatives, A and B, each with its partner (P1 works with A,
P2 with B), and platform staff. The tenant-isolation sweep asks for B's objects through A's
pages (and P2's through P1's portal); the role matrix asks for A's own objects.

The `world` fixture builds it once per test module inside a transaction that is rolled back at
the end; each test runs in a savepoint of its own inside it, so what a test changes is undone
before the next one.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from PIL import Image

from koperasi.actions import role_grant
from koperasi.models import Cooperative, Role, User
from koperasi.notifications.announcements import announcement_create
from koperasi.notifications.models import Announcement, Delivery, Notification
from members.imports import import_job_create, import_job_validate, template_csv
from members.models import ImportJob, Member
from partners.actions import partnership_accept, partnership_propose
from partners.models import ApiToken, Offer, Order, Partner, Partnership, Purchase
from partners.offers import offer_create, order_place
from partners.purchases import purchase_code_issue, purchase_record
from partners.tokens import api_token_create
from services.jobs.actions import job_execute, job_start
from services.jobs.models import Job
from services.ledger.models import JournalEntry
from services.loans.actions import (
    loan_apply,
    loan_approve,
    loan_disburse,
    loan_product_save,
    loan_repay,
)
from services.loans.models import Loan, LoanProduct, Repayment
from services.participation.meetings import meeting_create
from services.participation.models import Meeting, MeetingDocument, ShuYear, Vote
from services.participation.shu import shu_year_save
from services.participation.votes import vote_create
from services.savings.actions import savings_deposit, withdrawal_request_create
from services.savings.models import WithdrawalRequest
from tests.factories import (
    CooperativeFactory,
    RoleFactory,
    UserFactory,
    add_partner_user,
    make_member,
    make_partner,
)

#: Not the birth date of the sample import file's members (their NIKs would clash).
BORN = dt.date(1990, 6, 1)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass(frozen=True)
class CoopWorld:
    """A cooperative with its people and one of every object its pages name, and its partner."""

    cooperative: Cooperative
    board: User
    teller: User
    supervisor: User
    #: The teller's role: what the board's "remove role" button names.
    teller_role: Role
    member: Member
    other_member: Member
    import_job: ImportJob
    #: The member's sukarela deposit (a teller's receipt).
    entry: JournalEntry
    withdrawal: WithdrawalRequest
    product: LoanProduct
    #: The member's loan, paid out and repaid once.
    loan: Loan
    repayment: Repayment
    #: The other member's loan, applied for (the board may still approve or reject it).
    other_loan: Loan
    announcement: Announcement
    #: A failed email about the member's deposit.
    delivery: Delivery
    meeting: Meeting
    document: MeetingDocument
    vote: Vote
    shu: ShuYear
    #: A finished loan-portfolio export, with its file.
    job: Job
    partner: Partner
    partner_owner: User
    partnership: Partnership
    offer: Offer
    #: The member's order, and the other member's.
    order: Order
    other_order: Order
    purchase: Purchase
    token: ApiToken
    token_plaintext: str
    #: The member's notification about the deposit, and the other member's.
    notification: Notification
    other_notification: Notification


@dataclass(frozen=True)
class World:
    a: CoopWorld
    b: CoopWorld
    platform_staff: User


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(out, format="PNG")
    return SimpleUploadedFile("beras.png", out.getvalue(), content_type="image/png")


def coop_world_build(*, name: str, purchase_amount: int) -> CoopWorld:
    """A verified cooperative with everything its URLs name, and a partner working with it."""
    cooperative = CooperativeFactory(name=f"Koperasi {name}")
    board = RoleFactory(cooperative=cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR).user
    teller_role = role_grant(
        cooperative=cooperative, user=UserFactory(), kind=Role.Kind.TELLER, acting_user=board
    )
    supervisor = role_grant(
        cooperative=cooperative, user=UserFactory(), kind=Role.Kind.SUPERVISOR, acting_user=board
    ).user
    member = make_member(
        cooperative, user=UserFactory(), acting_user=board, full_name="Sri", birth_date=BORN
    )
    other_member = make_member(
        cooperative, user=UserFactory(), acting_user=board, full_name="Budi", birth_date=BORN
    )

    upload = SimpleUploadedFile(
        "anggota.csv", template_csv().encode("utf-8"), content_type="text/csv"
    )
    import_job = import_job_create(cooperative=cooperative, acting_user=board, upload=upload)
    import_job = import_job_validate(job_id=import_job.pk)

    entry = savings_deposit(
        member=member, kind="sukarela", amount=1_000_000, channel="cash", acting_user=board
    )
    savings_deposit(
        member=other_member, kind="sukarela", amount=500_000, channel="cash", acting_user=board
    )
    withdrawal = withdrawal_request_create(
        member=member,
        amount=200_000,
        bank_name="BRI",
        bank_account_number="0123456789",
        bank_account_holder="Sri",
    )

    product = loan_product_save(
        cooperative=cooperative,
        product=None,
        data={
            "name": "Pinjaman Usaha",
            "method": "flat",
            "annual_rate": Decimal("12.00"),
            "max_amount": 20_000_000,
            "min_term": 3,
            "max_term": 24,
            "admin_fee_percent": Decimal("1.00"),
            "penalty_percent": Decimal("2.00"),
            "grace_days": 3,
            "savings_multiple": Decimal(0),
        },
        acting_user=board,
    )
    loan = loan_apply(member=member, product=product, amount=1_200_000, term=12, purpose="Warung")
    loan = loan_approve(loan=loan, acting_user=board)
    loan = loan_disburse(loan=loan, acting_user=board, channel="cash")
    repayment = loan_repay(loan=loan, amount=112_000, channel="cash", acting_user=board)
    other_loan = loan_apply(
        member=other_member, product=product, amount=900_000, term=6, purpose="Sawah"
    )

    announcement = announcement_create(
        cooperative=cooperative,
        author=board,
        audience=Announcement.Audience.ACTIVE,
        title="Libur Lebaran",
        body="Kantor tutup tanggal 1-3.",
    )
    notification = Notification.objects.get(kind="savings.deposited", recipient=member.user)
    other_notification = Notification.objects.get(
        kind="savings.deposited", recipient=other_member.user
    )
    delivery = notification.deliveries.get(channel="email")
    # What the worker does after the last attempt (tests/notifications/test_failures.py).
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, attempts=6, last_error="mailbox unavailable"
    )
    delivery.refresh_from_db()

    starts = timezone.now() + dt.timedelta(days=7)
    meeting = meeting_create(
        cooperative=cooperative,
        acting_user=board,
        kind=Meeting.Kind.RAT,
        title="RAT Tahun Buku",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="Balai Desa",
        agenda="1. Laporan pengurus",
        documents=[SimpleUploadedFile("laporan.pdf", PDF, content_type="application/pdf")],
    )
    now = timezone.now()
    vote = vote_create(
        cooperative=cooperative,
        acting_user=board,
        kind=Vote.Kind.MOTION,
        question="Setujukah laporan pengurus?",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
    )
    shu = shu_year_save(
        cooperative=cooperative,
        data={
            "year": timezone.localdate().year - 1,
            "surplus": 10_000_000,
            "reserve_pct": Decimal(40),
            "jasa_modal_pct": Decimal(20),
            "jasa_usaha_pct": Decimal(25),
            "board_pct": Decimal(5),
            "staff_pct": Decimal(5),
            "education_pct": Decimal("2.5"),
            "social_pct": Decimal("2.5"),
            "include_sukarela": False,
            "credit_to_sukarela": False,
            "vote": None,
        },
        acting_user=board,
    )
    job = job_start(
        cooperative=cooperative,
        kind=Job.Kind.LOAN_PORTFOLIO,
        key="portfolio:csv",
        params={"fmt": "csv"},
        acting_user=board,
    )
    job_execute(job_id=job.pk)  # what the worker does once the job is committed
    job.refresh_from_db()

    partner = make_partner(f"PT Mitra {name}")
    partner_owner = add_partner_user(partner)
    partnership = partnership_propose(
        cooperative=cooperative,
        partner=partner,
        acting_user=board,
        data={
            "terms": "Diskon anggota",
            "valid_from": timezone.localdate() - dt.timedelta(days=30),
            "commission_percent": Decimal("2.50"),
        },
    )
    partnership = partnership_accept(partnership=partnership, acting_user=partner_owner)
    offer = offer_create(
        partner=partner,
        acting_user=partner_owner,
        data={
            "title": f"Beras {name}",
            "unit": "karung",
            "price": 75_000,
            "discount_percent": Decimal(10),
            "valid_from": timezone.localdate(),
            "picture": _png(),
        },
    )
    order = order_place(member=member, offer=offer, quantity=2, note="", acting_user=member.user)
    other_order = order_place(
        member=other_member, offer=offer, quantity=1, note="", acting_user=other_member.user
    )
    purchase = purchase_record(
        partner=partner,
        acting_user=partner_owner,
        cooperative=cooperative,
        member_number=member.number,
        code=purchase_code_issue(member=member).code,
        amount=purchase_amount,
        description=f"Pupuk {name}",
    )
    token, token_plaintext = api_token_create(
        partner=partner, acting_user=partner_owner, name="Kasir"
    )
    return CoopWorld(
        cooperative=cooperative,
        board=board,
        teller=teller_role.user,
        supervisor=supervisor,
        teller_role=teller_role,
        member=member,
        other_member=other_member,
        import_job=import_job,
        entry=entry,
        withdrawal=withdrawal,
        product=product,
        loan=loan,
        repayment=repayment,
        other_loan=other_loan,
        announcement=announcement,
        delivery=delivery,
        meeting=meeting,
        document=meeting.documents.get(),
        vote=vote,
        shu=shu,
        job=job,
        partner=partner,
        partner_owner=partner_owner,
        partnership=partnership,
        offer=offer,
        order=order,
        other_order=other_order,
        purchase=purchase,
        token=token,
        token_plaintext=token_plaintext,
        notification=notification,
        other_notification=other_notification,
    )


def world_build() -> World:
    with translation.override("id"):
        return World(
            a=coop_world_build(name="Alpha", purchase_amount=123_456),
            b=coop_world_build(name="Beta", purchase_amount=423_456),
            platform_staff=UserFactory(is_platform_staff=True),
        )


@pytest.fixture(scope="module", name="world")
def world_fixture(django_db_setup, django_db_blocker, tmp_path_factory):
    """The two cooperatives, built once for the test module and rolled back after it."""
    media = tmp_path_factory.mktemp("world-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        yield world_build()
        transaction.set_rollback(True)
