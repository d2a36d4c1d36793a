"""Votes: motions and elections, one member one vote, secret ballots, results after closing.

One member, one vote is the `one_member_one_vote` unique constraint on VoteCast, so two
requests at once (two browsers) cannot both count. A secret ballot writes, in one transaction,
a VoteCast without the choice (that the member voted) and a Ballot without the member or a
time (what was chosen, under a random key): nothing joins the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, Role, User
from members.models import Member
from services.participation.models import Ballot, Meeting, Vote, VoteCast, VoteOption

MOTION_OPTIONS = ("Setuju", "Tidak setuju", "Abstain")


@transaction.atomic
def vote_create(
    *,
    cooperative: Cooperative,
    acting_user: User,
    kind: str,
    question: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    options: list[str] | None = None,
    secret: bool = True,
    description: str = "",
    meeting: Meeting | None = None,
    subject: str = "",
) -> Vote:
    """The board puts a motion or an election to the members (a motion defaults to Setuju /
    Tidak setuju / Abstain; at least two options)."""
    if not Role.objects.filter(
        cooperative=cooperative, user=acting_user, kind=Role.Kind.BOARD
    ).exists():
        raise DomainError(_("Only the board can call a vote."))
    if kind not in Vote.Kind.values:
        raise DomainError(_("Choose a motion or an election."), field="kind")
    question = question.strip()
    if not question:
        raise DomainError(_("Write the question."), field="question")
    if closes_at <= opens_at:
        raise DomainError(_("The vote must close after it opens."), field="closes_at")
    if meeting is not None and meeting.cooperative_id != cooperative.pk:
        raise DomainError(_("Choose one of this cooperative's meetings."), field="meeting")
    labels = [label.strip() for label in (options or []) if label.strip()]
    if not labels and kind == Vote.Kind.MOTION:
        labels = list(MOTION_OPTIONS)
    if len(labels) < 2:
        raise DomainError(_("Give at least two options."), field="options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise DomainError(_("Each option must be different."), field="options")
    if any(len(label) > 200 for label in labels):
        raise DomainError(_("An option is too long."), field="options")
    vote = Vote.objects.create(
        cooperative=cooperative,
        meeting=meeting,
        kind=kind,
        question=question,
        description=description.strip(),
        secret=secret,
        opens_at=opens_at,
        closes_at=closes_at,
        subject=subject,
        created_by=acting_user,
    )
    VoteOption.objects.bulk_create(
        VoteOption(vote=vote, label=label, position=index) for index, label in enumerate(labels)
    )
    event_record(
        kind="vote.created",
        actor=acting_user,
        cooperative=cooperative,
        data={"vote_id": vote.pk, "question": question, "secret": secret},
    )
    return vote


def vote_is_open(vote: Vote, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return vote.opens_at <= now < vote.closes_at


def vote_is_closed(vote: Vote, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= vote.closes_at


def eligibility_cutoff(vote: Vote) -> dt.date:
    """Members who joined on or before the day the vote opens may vote."""
    return timezone.localdate(vote.opens_at)


def eligible_members(*, vote: Vote) -> QuerySet[Member]:
    """Active members who had joined when the vote opened."""
    return Member.objects.filter(
        cooperative_id=vote.cooperative_id,
        status=Member.Status.ACTIVE,
        joined_on__lte=eligibility_cutoff(vote),
    )


def member_refusal(*, vote: Vote, member: Member | None) -> str:
    """Why this member may not vote in this vote ("" if they may)."""
    if (
        member is None
        or member.cooperative_id != vote.cooperative_id
        or member.status != Member.Status.ACTIVE
    ):
        return _("Only active members of this cooperative can vote.")
    if member.joined_on is None or member.joined_on > eligibility_cutoff(vote):
        return _("Only members who had joined when the vote opened can vote in it.")
    return ""


@transaction.atomic
def vote_cast(
    *, vote: Vote, member: Member, option_id: int, now: dt.datetime | None = None
) -> VoteCast:
    """An eligible member votes once while the vote is open; a secret vote keeps the choice
    apart from the voter."""
    refusal = member_refusal(vote=vote, member=member)
    if refusal:
        raise DomainError(refusal)
    if not vote_is_open(vote, now=now):
        raise DomainError(_("This vote is not open."))
    option = VoteOption.objects.filter(vote=vote, pk=option_id).first()
    if option is None:
        raise DomainError(_("Choose one of the options."), field="option")
    if VoteCast.objects.filter(vote=vote, member=member).exists():
        raise DomainError(_("You have already voted. Only your first vote counts."))
    try:
        # A parallel cast by the same member waits on the unique index, then fails here.
        with transaction.atomic():
            cast = VoteCast.objects.create(
                vote=vote, member=member, option=None if vote.secret else option
            )
    except IntegrityError as error:
        raise DomainError(_("You have already voted. Only your first vote counts.")) from error
    if vote.secret:
        Ballot.objects.create(vote=vote, option=option)
    return cast


def cast_of(*, vote: Vote, member: Member | None) -> VoteCast | None:
    if member is None:
        return None
    return VoteCast.objects.filter(vote=vote, member=member).select_related("option").first()


# Results


@dataclass(frozen=True)
class OptionResult:
    option: VoteOption
    count: int
    percent: Decimal


@dataclass(frozen=True)
class Results:
    options: list[OptionResult]
    casts: int
    eligible: int

    @property
    def turnout(self) -> Decimal:
        """Casts / eligible members, in percent with one decimal."""
        if not self.eligible:
            return Decimal(0)
        return (Decimal(self.casts) * 100 / self.eligible).quantize(Decimal("0.1"))


def vote_results(*, vote: Vote, now: dt.datetime | None = None) -> Results | None:
    """The count per option and the turnout; None while the vote has not closed."""
    if not vote_is_closed(vote, now=now):
        return None
    counted = Count("ballots") if vote.secret else Count("votecast")
    options = list(VoteOption.objects.filter(vote=vote).annotate(n=counted))
    casts = VoteCast.objects.filter(vote=vote).count()
    # Eligible when it opened: still-active members who had joined, and anyone who voted
    # (a voter who has left since was eligible).
    eligible = (
        Member.objects.filter(cooperative_id=vote.cooperative_id)
        .filter(
            Q(status=Member.Status.ACTIVE, joined_on__lte=eligibility_cutoff(vote))
            | Q(pk__in=VoteCast.objects.filter(vote=vote).values("member_id"))
        )
        .count()
    )
    total = sum(option.n for option in options)
    return Results(
        options=[
            OptionResult(
                option=option,
                count=option.n,
                percent=(Decimal(option.n) * 100 / total).quantize(Decimal("0.1"))
                if total
                else Decimal(0),
            )
            for option in options
        ],
        casts=casts,
        eligible=eligible,
    )


def vote_approved(vote: Vote, *, now: dt.datetime | None = None) -> bool:
    """Closed, and the first option (e.g. "Setuju") has more ballots than every other one."""
    results = vote_results(vote=vote, now=now)
    if results is None or not results.options:
        return False
    first, *others = results.options
    return all(first.count > other.count for other in others)


# Selectors


def votes_for(*, cooperative: Cooperative) -> QuerySet[Vote]:
    """The cooperative's votes, latest first."""
    return Vote.objects.filter(cooperative=cooperative).select_related("meeting")


def votes_open(
    *, cooperative: Cooperative, now: dt.datetime | None = None, meeting: Meeting | None = None
) -> QuerySet[Vote]:
    """Votes open now (optionally of one meeting)."""
    now = now or timezone.now()
    votes = votes_for(cooperative=cooperative).filter(opens_at__lte=now, closes_at__gt=now)
    if meeting is not None:
        votes = votes.filter(meeting=meeting)
    return votes


def voted_ids(*, member: Member, votes) -> set[int]:
    """Which of these votes the member has voted in (one query)."""
    return set(
        VoteCast.objects.filter(member=member, vote__in=votes).values_list("vote_id", flat=True)
    )
