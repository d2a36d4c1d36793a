"""The audit trail: a browser with a known address and user agent, and helpers."""

from __future__ import annotations

import pytest
from django.test import Client

from koperasi.models import Event, Role
from tests.factories import RoleFactory, UserFactory

IP = "203.0.113.7"
USER_AGENT = "Mozilla/5.0 (Linux; Android 10; SM-A105F) AuditTest/1.0"


def browser(user=None, **defaults) -> Client:
    """A client that comes from IP with USER_AGENT, signed in as `user` (no sign-in event:
    `force_login` is not a sign-in from anywhere)."""
    client = Client(**{"REMOTE_ADDR": IP, "HTTP_USER_AGENT": USER_AGENT, **defaults})
    if user is not None:
        client.force_login(user)
    return client


def only(kind: str, **lookup) -> Event:
    """The one event of `kind`; fails if there are none or several."""
    events = list(Event.objects.filter(kind=kind, **lookup))
    assert len(events) == 1, [(e.kind, e.data) for e in Event.objects.order_by("pk")]
    return events[0]


def assert_from_browser(event: Event, path: str) -> None:
    assert event.ip_address == IP
    assert event.user_agent == USER_AGENT
    assert event.path == path


@pytest.fixture
def other_board(other_cooperative):
    return RoleFactory(
        cooperative=other_cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR
    ).user


@pytest.fixture
def english_supervisor(cooperative):
    return RoleFactory(
        cooperative=cooperative, kind=Role.Kind.SUPERVISOR, user=UserFactory(language="en")
    ).user
