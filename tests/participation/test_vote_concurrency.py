"""Two browsers of one member cast at the same moment: exactly one vote counts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from koperasi.errors import DomainError
from services.participation import votes
from services.participation.models import Ballot, VoteCast
from tests.participation.conftest import make_vote, members_of


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("secret", [True, False])
def test_two_simultaneous_casts_count_once(cooperative, chair, secret):
    # given an open vote and one eligible member voting from two browsers at once
    member = members_of(cooperative, 1)[0]
    vote = make_vote(cooperative, chair, secret=secret)
    choices = [vote.options.get(label="Setuju").pk, vote.options.get(label="Tidak setuju").pk]
    start = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def cast(option_id: int) -> None:
        try:
            start.wait(timeout=10)
            votes.vote_cast(vote=vote, member=member, option_id=option_id)
            outcome = "counted"
        except DomainError:
            outcome = "already voted"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=cast, args=(choice,)) for choice in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one counted, the other was told the member already voted, and one row of each
    assert sorted(outcomes) == ["already voted", "counted"]
    assert VoteCast.objects.filter(vote=vote, member=member).count() == 1
    assert Ballot.objects.filter(vote=vote).count() == (1 if secret else 0)
    cast_row = VoteCast.objects.get(vote=vote)
    if secret:
        assert cast_row.option_id is None
    else:
        assert cast_row.option_id in choices
