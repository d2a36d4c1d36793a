"""Ids in query strings, which the URL sweep does not see: another cooperative's id is either
not found or simply not used, and nothing of it shows.

- `?edit=<SHU year>` on the SHU page opens a draft for changes: another cooperative's → 404;
- `?rapat=<meeting>` on the new-vote form preselects a meeting: another cooperative's is not
  offered, and its title does not appear;
- `?number=<member number>` on the teller's member preview: numbers count per cooperative,
  so only the teller's own cooperative's member with that number can show.

`?mitra=<partner>` on the board's partnership proposal is left out on purpose: partner
businesses are a directory every board searches (their name and town), not a tenant's data.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from members.models import Member
from services.participation.models import Meeting
from tests.conftest import client_for
from tests.security.world import world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

SECRET = "Rahasia Koperasi Beta"


def _url(name: str, world, **query) -> str:
    path = reverse(f"koperasi:{name}", args=[world.a.cooperative.slug])
    return path + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def test_another_cooperatives_shu_year_cannot_be_opened_for_changes(world):
    board = client_for(world.a.board)

    own = board.get(_url("shu-list", world, edit=world.a.shu.pk))
    foreign = board.get(_url("shu-list", world, edit=world.b.shu.pk))

    assert own.status_code == 200
    assert foreign.status_code == 404


def test_another_cooperatives_meeting_is_not_offered_for_a_vote(world):
    Meeting.objects.filter(pk=world.b.meeting.pk).update(title=SECRET)
    board = client_for(world.a.board)

    own = board.get(_url("vote-create", world, rapat=world.a.meeting.pk))
    foreign = board.get(_url("vote-create", world, rapat=world.b.meeting.pk))

    assert f'value="{world.a.meeting.pk}" selected' in own.content.decode()
    assert foreign.status_code == 200
    assert SECRET not in foreign.content.decode()
    assert f'value="{world.b.meeting.pk}"' not in foreign.content.decode()


def test_the_teller_preview_finds_only_their_own_cooperatives_members(world):
    Member.objects.filter(pk=world.b.member.pk).update(full_name=SECRET)
    teller = client_for(world.a.teller)

    answer = teller.get(_url("teller-member", world, number=world.b.member.number))

    assert answer.status_code == 200
    assert SECRET not in answer.content.decode()
