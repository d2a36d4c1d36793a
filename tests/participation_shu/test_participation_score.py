"""Participation scores for fiscal year 2025, from meetings, votes, wajib bills and loans."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.participation.models import (
    Attendance,
    Meeting,
    ParticipationWeights,
    Vote,
    VoteCast,
)
from services.participation.score import participation_scores
from services.savings.models import SavingsBill

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 1, 15, 9, 0, tzinfo=JAKARTA)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JAKARTA)


@pytest.fixture
def year_2025(cooperative, chair, trio):
    """One meeting held (Ani and Citra present), one in 2026; one vote closed in 2025 (Ani
    voted); Ani's wajib bills for June to August 2025 paid on time (the fixture's deposits
    are otherwise recorded as paid today, which is late)."""
    ani, budi, citra = trio
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        title="RAT 2024",
        starts_at=at(dt.date(2025, 3, 1)),
        ends_at=at(dt.date(2025, 3, 1), 12),
        agenda="RAT",
        created_by=chair,
    )
    Meeting.objects.create(
        cooperative=cooperative,
        title="Later",
        starts_at=at(dt.date(2026, 1, 3)),
        ends_at=at(dt.date(2026, 1, 3), 12),
        agenda="-",
        created_by=chair,
    )
    for member in (ani, citra):
        Attendance.objects.create(
            meeting=meeting, member=member, present_at=at(dt.date(2025, 3, 1))
        )
    Attendance.objects.create(meeting=meeting, member=budi, rsvp="yes")  # said yes, not present
    vote = Vote.objects.create(
        cooperative=cooperative,
        question="Approve?",
        opens_at=at(dt.date(2025, 3, 1)),
        closes_at=at(dt.date(2025, 3, 1), 12),
        created_by=chair,
    )
    VoteCast.objects.create(vote=vote, member=ani, cast_on=dt.date(2025, 3, 1))
    SavingsBill.objects.filter(member=ani, kind="wajib", period__lt=dt.date(2025, 9, 1)).update(
        paid_at=at(dt.date(2025, 6, 10))
    )
    return trio


def scores(cooperative):
    return {
        s.full_name: (
            s.meetings_held,
            s.meetings_attended,
            s.votes_open_to_member,
            s.votes_cast,
            s.wajib_due,
            s.wajib_on_time,
            s.used_services,
            s.score,
        )
        for s in participation_scores(cooperative=cooperative, year=2025, now=NOW)
    }


def test_scores_from_the_years_participation(cooperative, year_2025):
    assert scores(cooperative) == {
        # (30 + 20 + 30 * 3/7 + 20) / 100 = 82.86
        "Ani Lestari": (1, 1, 1, 1, 7, 3, True, 83),
        # Bills for April to July 2025, all paid late: nothing.
        "Budi Santoso": (1, 0, 1, 0, 4, 0, False, 0),
        # No bill due: that part is left out; 30 of 30 + 20 + 20 = 42.86.
        "Citra Dewi": (1, 1, 1, 0, 0, 0, False, 43),
    }


def test_weights_come_from_the_cooperative(cooperative, year_2025):
    ParticipationWeights.objects.create(
        cooperative=cooperative, attendance=50, votes=0, wajib_on_time=0, services=50
    )

    assert {name: row[-1] for name, row in scores(cooperative).items()} == {
        "Ani Lestari": 100,
        "Budi Santoso": 0,
        "Citra Dewi": 50,
    }


def test_scores_are_one_query(cooperative, year_2025, django_assert_num_queries):
    with django_assert_num_queries(2):  # the weights, then the scores
        participation_scores(cooperative=cooperative, year=2025, now=NOW)


def test_another_cooperative_sees_none_of_it(other_cooperative, year_2025):
    assert participation_scores(cooperative=other_cooperative, year=2025, now=NOW) == []
