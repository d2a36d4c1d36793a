from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from members.models import Member
from services.participation.models import Meeting, Vote
from services.participation.votes import vote_create
from tests.factories import make_member

JOINED = dt.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _participation_urls(settings):
    """Serve this app's URLs whether or not koperasi/urls.py includes them yet."""
    try:
        reverse("koperasi:meeting-list", kwargs={"coop_slug": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.participation.urls"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def members_of(cooperative, count: int, *, prefix: str = "anggota") -> list[Member]:
    """`count` active members with logins, joined on 1 January 2026."""
    members = [
        make_member(
            cooperative,
            full_name=f"Anggota {i}",
            email=f"{prefix}{i}-{cooperative.pk}@example.test",
        )
        for i in range(count)
    ]
    Member.objects.filter(pk__in=[m.pk for m in members]).update(joined_on=JOINED)
    return list(Member.objects.filter(pk__in=[m.pk for m in members]).select_related("user"))


@pytest.fixture
def active_members(cooperative) -> list[Member]:
    return members_of(cooperative, 4)


def make_meeting(cooperative, user, *, starts_at=None, hours=3, **overrides) -> Meeting:
    starts_at = starts_at or timezone.now() + dt.timedelta(days=7)
    data = {
        "cooperative": cooperative,
        "kind": Meeting.Kind.RAT,
        "title": "RAT Tahun Buku 2025",
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=hours),
        "place": "Balai Desa",
        "agenda": "1. Laporan pengurus",
        "created_by": user,
    }
    data.update(overrides)
    return Meeting.objects.create(**data)


def make_vote(cooperative, user, *, state: str = "open", **overrides) -> Vote:
    """A vote that is "open" now, "closed" (an hour ago) or "future" (opens tomorrow)."""
    now = timezone.now()
    opens_at, closes_at = {
        "open": (now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)),
        "closed": (now - dt.timedelta(hours=3), now - dt.timedelta(hours=1)),
        "future": (now + dt.timedelta(days=1), now + dt.timedelta(days=2)),
    }[state]
    data = {
        "cooperative": cooperative,
        "acting_user": user,
        "kind": Vote.Kind.MOTION,
        "question": "Setujukah laporan pengurus?",
        "opens_at": opens_at,
        "closes_at": closes_at,
        "secret": True,
    }
    data.update(overrides)
    return vote_create(**data)


def close(vote: Vote) -> None:
    """End a vote now (it opened earlier)."""
    now = timezone.now()
    Vote.objects.filter(pk=vote.pk).update(
        opens_at=now - dt.timedelta(hours=3), closes_at=now - dt.timedelta(seconds=1)
    )
    vote.refresh_from_db()
