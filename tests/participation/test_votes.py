from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.models import Role
from members.models import Member
from services.participation import votes
from services.participation.models import Ballot, Vote, VoteCast, VoteOption
from tests.conftest import client_for
from tests.participation.conftest import close, make_meeting, make_vote, members_of

pytestmark = pytest.mark.django_db


def url(name: str, cooperative, **kwargs) -> str:
    return reverse(f"koperasi:{name}", kwargs={"coop_slug": cooperative.slug, **kwargs})


def labels(vote: Vote) -> list[str]:
    return list(vote.options.values_list("label", flat=True))


def option(vote: Vote, label: str) -> VoteOption:
    return vote.options.get(label=label)


# Creating votes


def test_the_board_puts_a_motion_with_the_default_options(cooperative, chair, board_client):
    meeting = make_meeting(cooperative, chair)

    response = board_client.post(
        url("vote-create", cooperative),
        {
            "kind": "motion",
            "question": "Setujukah laporan keuangan 2025?",
            "description": "",
            "secret": "on",
            "opens_at": "2026-12-12T10:00",
            "closes_at": "2026-12-12T11:00",
            "options": "",
            "meeting": meeting.pk,
        },
    )

    vote = Vote.objects.get()
    assert response.status_code == 302
    assert response.url == url("vote-admin", cooperative, vote_id=vote.pk)
    assert (vote.cooperative, vote.meeting, vote.secret, vote.created_by) == (
        cooperative,
        meeting,
        True,
        chair,
    )
    assert labels(vote) == ["Setuju", "Tidak setuju", "Abstain"]


def test_an_election_needs_two_different_options(cooperative, chair, board_client):
    base = {
        "kind": "election",
        "question": "Ketua pengurus 2027-2031",
        "opens_at": "2026-12-12T10:00",
        "closes_at": "2026-12-12T11:00",
    }
    one = board_client.post(url("vote-create", cooperative), {**base, "options": "Budi"})
    twice = board_client.post(url("vote-create", cooperative), {**base, "options": "Budi\nbudi"})
    backwards = board_client.post(
        url("vote-create", cooperative),
        {**base, "options": "Budi\nSiti", "closes_at": "2026-12-12T09:00"},
    )
    assert "options" in one.context["form"].errors
    assert "options" in twice.context["form"].errors
    assert "closes_at" in backwards.context["form"].errors
    assert Vote.objects.count() == 0

    board_client.post(url("vote-create", cooperative), {**base, "options": "Budi\n Siti \n"})
    vote = Vote.objects.get()
    assert (labels(vote), vote.secret) == (["Budi", "Siti"], False)


def test_only_the_board_creates_votes(cooperative, supervisor, teller, active_members):
    for user in (supervisor, teller, active_members[0].user):
        assert client_for(user).get(url("vote-create", cooperative)).status_code == 403
    with pytest.raises(DomainError):
        make_vote(cooperative, active_members[0].user)
    assert Vote.objects.count() == 0


# Eligibility and one member one vote


def test_an_eligible_member_votes_once_in_secret(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair, secret=True)
    member = active_members[0]
    client = client_for(member.user)
    path = url("member-vote", cooperative, vote_id=vote.pk)

    first = client.post(path, {"option": option(vote, "Setuju").pk})
    second = client.post(path, {"option": option(vote, "Tidak setuju").pk})

    assert first.status_code == 302
    assert second.status_code == 422
    assert VoteCast.objects.filter(vote=vote).count() == 1
    cast = VoteCast.objects.get()
    assert (cast.member, cast.option) == (member, None)
    assert list(Ballot.objects.values_list("option__label", flat=True)) == ["Setuju"]
    page = client.get(path)
    assert 'id="vote-counted"' in page.content.decode()
    assert "Setuju" not in page.content.decode().split('id="vote-counted"')[1].split("</p>")[0]


def test_an_open_ballot_shows_the_member_what_they_chose(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair, secret=False)
    member = active_members[0]
    client = client_for(member.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    client.post(
        url("member-vote", cooperative, vote_id=vote.pk), {"option": option(vote, "Abstain").pk}
    )

    cast = VoteCast.objects.get()
    assert cast.option == option(vote, "Abstain")
    assert Ballot.objects.count() == 0
    page = client.get(url("member-vote", cooperative, vote_id=vote.pk)).content.decode()
    assert "Your vote was counted." in page
    assert "You chose: Abstain" in page


def test_who_may_vote(cooperative, other_cooperative, chair, active_members):
    vote = make_vote(cooperative, chair)
    opened_on = timezone.localdate(vote.opens_at)
    newcomer, resigned = members_of(cooperative, 2, prefix="baru")
    Member.objects.filter(pk=newcomer.pk).update(joined_on=opened_on + dt.timedelta(days=1))
    Member.objects.filter(pk=resigned.pk).update(status=Member.Status.RESIGNED)
    joined_that_day = active_members[1]
    Member.objects.filter(pk=joined_that_day.pk).update(joined_on=opened_on)
    outsider = members_of(other_cooperative, 1, prefix="luar")[0]
    setuju = option(vote, "Setuju").pk

    for member in (newcomer, resigned, outsider):
        member.refresh_from_db()
        with pytest.raises(DomainError):
            votes.vote_cast(vote=vote, member=member, option_id=setuju)
    joined_that_day.refresh_from_db()
    votes.vote_cast(vote=vote, member=joined_that_day, option_id=setuju)

    assert list(VoteCast.objects.values_list("member_id", flat=True)) == [joined_that_day.pk]
    assert Ballot.objects.count() == 1
    # the newcomer is told why on the page, and a forged POST changes nothing
    client = client_for(newcomer.user)
    page = client.get(url("member-vote", cooperative, vote_id=vote.pk))
    assert 'id="vote-refused"' in page.content.decode()
    refused = client.post(url("member-vote", cooperative, vote_id=vote.pk), {"option": setuju})
    assert refused.status_code == 422
    assert VoteCast.objects.count() == 1
    # the outsider cannot even see the vote
    assert (
        client_for(outsider.user).get(url("member-vote", cooperative, vote_id=vote.pk)).status_code
        == 404
    )


def test_nobody_votes_before_the_opening_or_after_the_close(cooperative, chair, active_members):
    future = make_vote(cooperative, chair, state="future")
    closed = make_vote(cooperative, chair, state="closed")
    member = active_members[0]
    for vote in (future, closed):
        with pytest.raises(DomainError):
            votes.vote_cast(vote=vote, member=member, option_id=option(vote, "Setuju").pk)
    assert VoteCast.objects.count() == 0
    assert Ballot.objects.count() == 0


def test_an_option_of_another_vote_is_refused(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair)
    other = make_vote(cooperative, chair)
    with pytest.raises(DomainError):
        votes.vote_cast(vote=vote, member=active_members[0], option_id=option(other, "Setuju").pk)
    assert VoteCast.objects.count() == 0


def test_a_secret_ballot_cannot_be_linked_to_the_voter():
    fields = {f.name: f for f in Ballot._meta.get_fields() if f.concrete}
    assert set(fields) == {"id", "vote", "option"}
    assert isinstance(fields["id"], models.UUIDField)
    assert fields["vote"].related_model is Vote
    assert fields["option"].related_model is VoteOption
    assert not any(
        isinstance(f, models.DateField | models.DateTimeField | models.TimeField)
        for f in fields.values()
    )
    # and the cast of a secret vote records no choice (checked in the views test above)


# Results


def test_results_are_hidden_until_the_vote_closes(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair)
    votes.vote_cast(vote=vote, member=active_members[0], option_id=option(vote, "Setuju").pk)

    assert votes.vote_results(vote=vote) is None
    assert votes.vote_approved(vote) is False
    board_page = client_for(chair).get(url("vote-admin", cooperative, vote_id=vote.pk))
    member_page = client_for(active_members[1].user).get(
        url("member-vote", cooperative, vote_id=vote.pk)
    )
    for page in (board_page, member_page):
        assert page.context["results"] is None
        assert 'id="vote-results"' not in page.content.decode()


def test_results_and_turnout_after_closing(cooperative, chair, supervisor, active_members):
    # given five eligible members (four + one who joined the day it opened) and one newcomer
    vote = make_vote(cooperative, chair)
    _extra, newcomer = members_of(cooperative, 2, prefix="lain")
    Member.objects.filter(pk=newcomer.pk).update(
        joined_on=timezone.localdate(vote.opens_at) + dt.timedelta(days=1)
    )
    setuju, tidak, abstain = (option(vote, x).pk for x in ("Setuju", "Tidak setuju", "Abstain"))
    for member, choice in zip(active_members, [setuju, setuju, tidak, abstain], strict=True):
        votes.vote_cast(vote=vote, member=member, option_id=choice)
    # a voter who resigns afterwards still counts among the eligible
    Member.objects.filter(pk=active_members[0].pk).update(status=Member.Status.RESIGNED)

    close(vote)
    results = votes.vote_results(vote=vote)

    assert [(r.option.label, r.count) for r in results.options] == [
        ("Setuju", 2),
        ("Tidak setuju", 1),
        ("Abstain", 1),
    ]
    assert [r.percent for r in results.options] == [
        Decimal("50.0"),
        Decimal("25.0"),
        Decimal("25.0"),
    ]
    assert (results.casts, results.eligible, results.turnout) == (4, 5, Decimal("80.0"))
    assert votes.vote_approved(vote) is True
    for user in (chair, supervisor, active_members[1].user):
        path = "vote-admin" if user != active_members[1].user else "member-vote"
        page = client_for(user).get(url(path, cooperative, vote_id=vote.pk)).content.decode()
        assert 'id="results-turnout" data-value="80.0"' in page
        assert '<strong id="results-casts">4</strong>' in page


def test_a_tie_is_not_approved(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair, secret=False)
    setuju, tidak = option(vote, "Setuju").pk, option(vote, "Tidak setuju").pk
    votes.vote_cast(vote=vote, member=active_members[0], option_id=setuju)
    votes.vote_cast(vote=vote, member=active_members[1], option_id=tidak)
    close(vote)

    results = votes.vote_results(vote=vote)
    assert [r.count for r in results.options] == [1, 1, 0]
    assert (results.casts, results.eligible, results.turnout) == (2, 4, Decimal("50.0"))
    assert votes.vote_approved(vote) is False


# Isolation


def test_another_cooperatives_vote_is_not_found_and_cannot_be_cast(
    cooperative, other_cooperative, chair, active_members
):
    other_board = other_cooperative.created_by
    Role.objects.create(cooperative=other_cooperative, user=other_board, kind=Role.Kind.BOARD)
    foreign = make_vote(other_cooperative, other_board)
    setuju = option(foreign, "Setuju").pk
    member = active_members[0]

    assert (
        client_for(chair).get(url("vote-admin", cooperative, vote_id=foreign.pk)).status_code == 404
    )
    client = client_for(member.user)
    assert client.get(url("member-vote", cooperative, vote_id=foreign.pk)).status_code == 404
    assert (
        client.post(
            url("member-vote", cooperative, vote_id=foreign.pk), {"option": setuju}
        ).status_code
        == 404
    )
    with pytest.raises(DomainError):
        votes.vote_cast(vote=foreign, member=member, option_id=setuju)
    # the other cooperative's page is not theirs to see either
    assert client.get(url("member-vote", other_cooperative, vote_id=foreign.pk)).status_code == 404
    assert VoteCast.objects.count() == 0
    assert Ballot.objects.count() == 0
    assert client.get(url("member-votes", cooperative)).context["open_votes"] == []


def test_every_page_renders(
    cooperative, chair, teller, active_members, django_assert_max_num_queries
):
    meeting = make_meeting(cooperative, chair, starts_at=timezone.now() - dt.timedelta(hours=1))
    open_vote = make_vote(cooperative, chair, meeting=meeting)
    closed_vote = make_vote(cooperative, chair, state="closed", secret=False)
    votes.vote_cast(
        vote=open_vote, member=active_members[0], option_id=option(open_vote, "Setuju").pk
    )
    board, member = client_for(chair), client_for(active_members[0].user)
    pages = [
        (board, url("meeting-list", cooperative)),
        (board, url("meeting-create", cooperative)),
        (board, url("meeting-admin", cooperative, meeting_id=meeting.pk)),
        (board, url("vote-list", cooperative)),
        (board, url("vote-create", cooperative) + f"?rapat={meeting.pk}"),
        (board, url("vote-admin", cooperative, vote_id=open_vote.pk)),
        (board, url("vote-admin", cooperative, vote_id=closed_vote.pk)),
        (client_for(teller), url("meeting-admin", cooperative, meeting_id=meeting.pk)),
        (member, url("member-meetings", cooperative)),
        (member, url("member-meeting", cooperative, meeting_id=meeting.pk)),
        (member, url("member-votes", cooperative)),
        (member, url("member-vote", cooperative, vote_id=open_vote.pk)),
        (member, url("member-vote", cooperative, vote_id=closed_vote.pk)),
    ]
    for client, path in pages:
        with django_assert_max_num_queries(25):
            response = client.get(path)
        assert response.status_code == 200, path
    page = member.get(url("member-meeting", cooperative, meeting_id=meeting.pk)).content.decode()
    assert url("member-vote", cooperative, vote_id=open_vote.pk) in page
    listing = member.get(url("member-votes", cooperative))
    assert [v.pk for v in listing.context["open_votes"]] == [open_vote.pk]
    assert listing.context["voted"] == {open_vote.pk}


def test_members_cannot_open_the_back_office(cooperative, chair, active_members):
    vote = make_vote(cooperative, chair)
    client = client_for(active_members[0].user)
    for path in (url("vote-list", cooperative), url("vote-admin", cooperative, vote_id=vote.pk)):
        assert client.get(path).status_code == 403
