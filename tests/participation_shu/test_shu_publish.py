"""Publishing: only after an approved vote, once, with balanced books."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koperasi.errors import DomainError
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry, SavingsKind
from services.participation import shu as shu_module
from services.participation.models import ShuAllocation, ShuYear, Vote
from services.participation.shu import shu_publish
from services.savings.actions import member_account
from tests.services.helpers import books

pytestmark = pytest.mark.django_db


def make_vote(cooperative, user) -> Vote:
    now = timezone.now()
    return Vote.objects.create(
        cooperative=cooperative,
        question="Approve the SHU 2025 split?",
        opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(days=1),
        subject="shu",
        created_by=user,
    )


@pytest.fixture
def approved(monkeypatch, cooperative, chair, shu_year):
    """Link a vote and make it count as approved. The vote rules belong to
    services.participation.votes (built separately); its verdict is stubbed here so that these
    tests cover publishing only."""
    vote = make_vote(cooperative, chair)
    shu_year.vote = vote
    shu_year.save()
    monkeypatch.setattr(shu_module, "_vote_check", lambda: lambda v: v.pk == vote.pk)
    return vote


def allocations(shu_year) -> list[tuple]:
    return list(
        ShuAllocation.objects.filter(shu_year=shu_year)
        .order_by("member__number")
        .values_list("member__full_name", "savings", "transactions", "jasa_modal", "jasa_usaha")
    )


def gl(cooperative, code) -> int:
    return chart.gl_account(cooperative, code).balance


def test_publish_is_refused_without_a_vote(cooperative, trio, shu_year, chair):
    before = books()

    with pytest.raises(DomainError):
        shu_publish(shu_year=shu_year, acting_user=chair)

    shu_year.refresh_from_db()
    assert (shu_year.status, shu_year.entry_id) == ("draft", None)
    assert ShuAllocation.objects.count() == 0
    assert books() == before


def test_publish_is_refused_while_the_vote_has_not_approved(
    monkeypatch, cooperative, trio, shu_year, chair
):
    shu_year.vote = make_vote(cooperative, chair)
    shu_year.save()
    monkeypatch.setattr(shu_module, "_vote_check", lambda: lambda v: False)
    before = books()

    with pytest.raises(DomainError):
        shu_publish(shu_year=shu_year, acting_user=chair)

    assert ShuYear.objects.get().status == "draft"
    assert ShuAllocation.objects.count() == 0
    assert books() == before


def test_publish_is_refused_when_the_percentages_do_not_add_to_100(
    cooperative, trio, shu_year, chair, approved
):
    ShuYear.objects.filter(pk=shu_year.pk).update(board_pct=6)
    before = books()

    with pytest.raises(DomainError):
        shu_publish(shu_year=shu_year, acting_user=chair)

    assert ShuAllocation.objects.count() == 0
    assert books() == before


def test_publish_writes_allocations_and_posts_once(cooperative, trio, shu_year, chair, approved):
    reserve, payable = gl(cooperative, chart.RESERVE), gl(cooperative, chart.SHU_PAYABLE)
    entries = JournalEntry.objects.count()

    published = shu_publish(shu_year=shu_year, acting_user=chair)
    again = shu_publish(shu_year=shu_year, acting_user=chair)

    assert (published.status, again.entry_id) == ("published", published.entry_id)
    assert JournalEntry.objects.count() == entries + 1
    lines = sorted(
        (p.account.code, p.amount) for p in published.entry.postings.select_related("account")
    )
    assert lines == [(chart.SHU_PAYABLE, -4_499_999), (chart.RESERVE, 4_499_999)]
    assert gl(cooperative, chart.RESERVE) == reserve - 4_499_999
    assert gl(cooperative, chart.SHU_PAYABLE) == payable + 4_499_999
    assert allocations(shu_year) == [
        ("Ani Lestari", 400_000, 24_000, 1_333_333, 2_500_000),
        ("Budi Santoso", 200_000, 0, 666_666, 0),
        ("Citra Dewi", 0, 0, 0, 0),
    ]
    assert ledger_violations() == []


def test_credit_to_sukarela_raises_each_members_sukarela_by_their_total(
    cooperative, trio, shu_year, chair, approved
):
    ani, budi, citra = trio
    shu_year.credit_to_sukarela = True
    shu_year.save()
    sukarela = {m.pk: member_account(m, SavingsKind.SUKARELA).balance for m in trio}
    payable = gl(cooperative, chart.SHU_PAYABLE)

    published = shu_publish(shu_year=shu_year, acting_user=chair)

    after = {m.pk: member_account(m, SavingsKind.SUKARELA).balance for m in trio}
    assert {pk: after[pk] - sukarela[pk] for pk in after} == {
        ani.pk: 3_833_333,
        budi.pk: 666_666,
        citra.pk: 0,
    }
    assert published.entry.postings.count() == 3  # two members and the reserve
    assert gl(cooperative, chart.SHU_PAYABLE) == payable
    assert ledger_violations() == []


def test_published_preview_reads_the_allocations(cooperative, trio, shu_year, chair, approved):
    shu_publish(shu_year=shu_year, acting_user=chair)
    ShuYear.objects.filter(pk=shu_year.pk).update(surplus=99_000_000)  # pools change, rows stay

    preview = shu_module.shu_preview(shu_year=ShuYear.objects.get(pk=shu_year.pk))

    assert [r.total for r in preview.rows] == [3_833_333, 666_666, 0]


def real_vote(cooperative, chair, trio, choices: list[int]) -> Vote:
    """A motion through services.participation.votes, cast by the trio with the given option
    positions (0 = Setuju), then closed."""
    votes = pytest.importorskip("services.participation.votes")
    if not hasattr(votes, "vote_approved"):
        pytest.skip("services.participation.votes has no vote_approved yet")
    now = timezone.now()
    vote = votes.vote_create(
        cooperative=cooperative,
        acting_user=chair,
        kind=Vote.Kind.MOTION,
        question="Approve the SHU 2025 split?",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
    )
    options = list(vote.options.order_by("position", "id"))
    for member, choice in zip(trio, choices, strict=False):
        votes.vote_cast(vote=vote, member=member, option_id=options[choice].pk)
    Vote.objects.filter(pk=vote.pk).update(closes_at=now - dt.timedelta(minutes=1))
    vote.refresh_from_db()
    return vote


def test_publish_after_a_real_approving_vote(cooperative, trio, shu_year, chair):
    shu_year.vote = real_vote(cooperative, chair, trio, [0, 0, 1])
    shu_year.save()

    published = shu_publish(shu_year=shu_year, acting_user=chair)

    assert published.status == "published"
    assert ShuAllocation.objects.filter(shu_year=shu_year).count() == 3
    assert ledger_violations() == []


def test_publish_refused_after_a_real_rejecting_vote(cooperative, trio, shu_year, chair):
    shu_year.vote = real_vote(cooperative, chair, trio, [0, 1, 1])
    shu_year.save()
    before = books()

    with pytest.raises(DomainError):
        shu_publish(shu_year=shu_year, acting_user=chair)

    assert ShuAllocation.objects.count() == 0
    assert books() == before
