"""Jobs: the SHU trio of tests/participation_shu (three members with a year of savings and a
loan, an SHU 2025 of Rp 10.000.000), a members' vote that approved it at the RAT for 2025, a
small loan book, and Celery either in-process (eager) or as a real worker on the Redis broker,
on a queue of the test's own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone

from koperasi.celery import app as celery_app
from services.loans.models import Loan, grade_for
from services.participation.models import Attendance, Meeting, Vote, VoteCast, VoteOption
from tests.conftest import client_for
from tests.factories import make_member
from tests.loans.conftest import make_product
from tests.notifications.helpers import forget_queue, running_worker
from tests.participation_shu import conftest as shu_fixtures

# The SHU trio and its year, shared with tests/participation_shu.
ani_user = shu_fixtures.ani_user
product = shu_fixtures.product
trio = shu_fixtures.trio
shu_year = shu_fixtures.shu_year


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def celery_queue() -> Iterator[str]:
    """Whatever a test publishes lands in a fresh queue, deleted afterwards."""
    name = f"test-jobs-{uuid.uuid4().hex[:12]}"
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    try:
        yield name
    finally:
        celery_app.conf.task_default_queue = previous
        forget_queue(name)


@pytest.fixture
def eager() -> Iterator[None]:
    """As `make run` without Redis: tasks run in-process when they are sent."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker(celery_queue, transactional_db):
    """A real worker thread on this test's queue; yields the tasks it ran."""
    with running_worker(celery_queue) as ran:
        yield ran


def english(user):
    client = client_for(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def rat_2025(cooperative, chair, trio, shu_year) -> dict:
    """The RAT for 2025, held in March 2026: Ani and Budi present, Citra not (quorum: more
    than half of 3 active members, so 2). Its vote approved the SHU split 2 to 1, everyone
    voting (an open ballot)."""
    ani, budi, citra = trio
    starts = dt.datetime(2026, 3, 14, 9, 0, tzinfo=timezone.get_current_timezone())
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        kind=Meeting.Kind.RAT,
        title="RAT Tahun Buku 2025",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place="Balai Desa",
        agenda="Laporan pengurus; SHU 2025",
        fiscal_year=2025,
        created_by=chair,
    )
    for present in (ani, budi):
        Attendance.objects.create(
            meeting=meeting, member=present, rsvp="yes", present_at=starts, present_how="door"
        )
    now = timezone.now()
    vote = Vote.objects.create(
        cooperative=cooperative,
        meeting=meeting,
        question="Approve the SHU 2025 split?",
        secret=False,
        opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(days=1),
        subject="shu",
        created_by=chair,
    )
    yes, no, _abstain = (
        VoteOption.objects.create(vote=vote, label=label, position=i)
        for i, label in enumerate(("Setuju", "Tidak setuju", "Abstain"))
    )
    for member, option in ((ani, yes), (budi, yes), (citra, no)):
        VoteCast.objects.create(vote=vote, member=member, option=option)
    shu_year.vote = vote
    shu_year.save(update_fields=["vote"])
    return {"meeting": meeting, "vote": vote}


def loan(member, loan_product, *, outstanding: int, days: int) -> Loan:
    return Loan.objects.create(
        cooperative=member.cooperative,
        member=member,
        product=loan_product,
        amount=max(outstanding, 1),
        term_months=12,
        annual_rate=Decimal("12.00"),
        method="flat",
        purpose="Usaha",
        status=Loan.Status.ACTIVE,
        outstanding_principal=outstanding,
        days_past_due=days,
        grade=grade_for(days),
    )


@pytest.fixture
def loan_book(cooperative) -> dict:
    """Rp 6.000.000 outstanding; two loans in arrears (45 and 10 days late)."""
    usaha = make_product(cooperative, name="Usaha")
    ani = make_member(cooperative, full_name="Ani", phone="+6281100000001")
    budi = make_member(cooperative, full_name="Budi", phone="+6281100000002")
    citra = make_member(cooperative, full_name="Citra", phone="+6281100000003")
    return {
        "current": loan(ani, usaha, outstanding=1_000_000, days=0),
        "45 days": loan(budi, usaha, outstanding=2_000_000, days=45),
        "10 days": loan(citra, usaha, outstanding=3_000_000, days=10),
    }
