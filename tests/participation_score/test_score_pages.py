"""The participation pages: a member's own score with its breakdown and trend, the board's
distribution, least engaged members and weights.

The hand-made year is last fiscal year (wholly past, so every month end can run):
- two meetings: Ani online at the first and at the door at the second; Budi at the first;
- two votes: Ani cast the first; Budi both;
- wajib billed for January to March (three bills each): Ani paid all three, two of them on
  their due date; Budi and Citra nothing;
- nobody used a loan.
Default weights 30 / 20 / 30 / 20:
- Ani:   30 x 2/2 + 20 x 1/2 + 30 x 2/3 + 20 x 0 = 60
- Budi:  30 x 1/2 + 20 x 2/2 + 30 x 0/3 + 20 x 0 = 35
- Citra: 0
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from koperasi.models import Event
from members.models import Member
from services.participation.meetings import attendance_door, attendance_online
from services.participation.models import Meeting, ParticipationWeights
from services.participation.score_views import fiscal_year_of
from services.participation.shu import fiscal_year_bounds
from services.participation.votes import vote_cast, vote_create
from services.savings.actions import product_for, savings_deposit
from services.savings.models import SavingsBill
from services.savings.month_end import month_end_run
from tests.conftest import client_for
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def year(cooperative) -> int:
    return fiscal_year_of(cooperative, timezone.localdate()) - 1


@pytest.fixture
def trio(cooperative, chair, year):
    """(Ani, Budi, Citra) with last year's participation described above."""
    first, _last = fiscal_year_bounds(cooperative, year)
    ani = make_member(cooperative, user=UserFactory(), full_name="Ani Lestari", phone="+6281111")
    budi = make_member(cooperative, user=UserFactory(), full_name="Budi Santoso", phone="+6282222")
    citra = make_member(cooperative, full_name="Citra Dewi", phone="+6283333")
    Member.objects.filter(pk__in=[ani.pk, budi.pk, citra.pk]).update(joined_on=first)
    ani, budi, citra = (Member.objects.get(pk=m.pk) for m in (ani, budi, citra))

    days = [first + dt.timedelta(days=40), first + dt.timedelta(days=70)]
    meetings = [
        Meeting.objects.create(
            cooperative=cooperative,
            title=f"Rapat {i}",
            starts_at=at(day, 9),
            ends_at=at(day, 12),
            agenda="-",
            created_by=chair,
        )
        for i, day in enumerate(days)
    ]
    attendance_online(meeting=meetings[0], member=ani, now=at(days[0], 10))
    attendance_door(meeting=meetings[1], number=ani.number, acting_user=chair, now=at(days[1], 10))
    attendance_online(meeting=meetings[0], member=budi, now=at(days[0], 10))

    votes = [
        vote_create(
            cooperative=cooperative,
            acting_user=chair,
            kind="motion",
            question=f"Setuju {i}?",
            opens_at=at(day, 9),
            closes_at=at(day, 12),
        )
        for i, day in enumerate(days)
    ]
    for vote, voters in ((votes[0], [ani, budi]), (votes[1], [budi])):
        for voter in voters:
            option = vote.options.first()
            vote_cast(vote=vote, member=voter, option_id=option.pk, now=vote.opens_at)

    for month in range(3):
        month_end_run(cooperative=cooperative, month=_add_months(first, month))
    wajib = product_for(cooperative).wajib_amount
    savings_deposit(
        member=ani, kind="wajib", amount=3 * wajib, channel="cash", acting_user=None, on=first
    )
    # Deposits are recorded as paid now (late); two of Ani's bills were paid on their due day.
    for bill in SavingsBill.objects.filter(member=ani, kind="wajib").order_by("period")[:2]:
        SavingsBill.objects.filter(pk=bill.pk).update(paid_at=at(bill.due_date, 10))
    return ani, budi, citra


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def member_url(cooperative) -> str:
    return reverse("koperasi:member-participation", kwargs={"coop_slug": cooperative.slug})


def board_url(cooperative) -> str:
    return reverse("koperasi:participation-board", kwargs={"coop_slug": cooperative.slug})


def weights_url(cooperative) -> str:
    return reverse("koperasi:participation-weights", kwargs={"coop_slug": cooperative.slug})


def cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, row_id
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])]


def test_member_sees_their_breakdown_weights_and_trend(cooperative, trio, year):
    ani, _budi, _citra = trio
    client = client_for(ani.user)

    response = client.get(member_url(cooperative), {"year": year})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-year="{year}"' in html
    assert re.search(r'id="score-value">60<', html)
    assert cells(html, "part-attendance") == ["2 / 2", "30"]
    assert cells(html, "part-votes") == ["1 / 2", "20"]
    assert cells(html, "part-wajib") == ["2 / 3", "30"]
    assert 'data-used="0"' in html
    assert cells(html, "part-services")[1] == "20"
    # joined last year: two years in the trend; nothing happened this year but services
    assert cells(html, f"trend-{year}") == [str(year), "60"]
    assert cells(html, f"trend-{year + 1}") == [str(year + 1), "0"]
    assert f"trend-{year - 1}" not in html
    assert '<svg id="score-trend"' in html


def test_member_page_defaults_to_this_year(cooperative, trio, year):
    ani, _budi, _citra = trio

    html = client_for(ani.user).get(member_url(cooperative)).content.decode()

    assert f'data-year="{year + 1}"' in html
    assert cells(html, "part-attendance") == ["0 / 0", "30"]


def test_an_unknown_year_falls_back_to_this_year(cooperative, trio, year):
    ani, _budi, _citra = trio

    html = client_for(ani.user).get(member_url(cooperative), {"year": "1999"}).content.decode()

    assert f'data-year="{year + 1}"' in html


def test_member_never_sees_another_members_numbers(cooperative, trio, year):
    _ani, budi, _citra = trio

    html = client_for(budi.user).get(member_url(cooperative), {"year": year}).content.decode()

    assert re.search(r'id="score-value">35<', html)
    assert cells(html, "part-attendance") == ["1 / 2", "30"]
    assert cells(html, "part-votes") == ["2 / 2", "20"]
    assert "Ani Lestari" not in html
    assert "Citra Dewi" not in html


def test_board_sees_the_distribution_and_least_engaged(cooperative, trio, year, board_client):
    ani, budi, citra = trio

    response = board_client.get(board_url(cooperative), {"year": year})

    assert response.status_code == 200
    html = response.content.decode()
    assert [cells(html, f"band-{low}")[1] for low in (0, 20, 40, 60, 80)] == [
        "1",
        "1",
        "0",
        "1",
        "0",
    ]
    rows = re.findall(r'<tr id="low-(\d+)">', html)
    assert rows == [str(citra.pk), str(budi.pk), str(ani.pk)]
    assert cells(html, f"low-{citra.pk}") == [f"{citra.number} · Citra Dewi", "+6283333", "0"]
    detail = reverse(
        "koperasi:member-detail", kwargs={"coop_slug": cooperative.slug, "member_id": citra.pk}
    )
    assert f'href="{detail}"' in html
    assert '<svg id="score-bands"' in html


def test_board_year_selector_is_validated(cooperative, trio, year, board_client):
    html = board_client.get(board_url(cooperative), {"year": "abc"}).content.decode()

    # this year: nobody scores above 19 (only the services part counts, unused)
    assert [cells(html, f"band-{low}")[1] for low in (0, 20, 40, 60, 80)] == [
        "3",
        "0",
        "0",
        "0",
        "0",
    ]
    assert f'<option value="{year + 1}" selected>' in html


def test_board_changes_the_weights(cooperative, chair, board_client):
    response = board_client.post(
        weights_url(cooperative),
        {"attendance": 40, "votes": 10, "wajib_on_time": 25, "services": 25, "quorum_percent": 66},
    )

    assert response.status_code == 302
    weights = ParticipationWeights.objects.get(cooperative=cooperative)
    assert (weights.attendance, weights.votes, weights.wajib_on_time, weights.services) == (
        40,
        10,
        25,
        25,
    )
    assert weights.quorum_percent == 66
    event = Event.objects.get(kind="participation.weights_changed")
    assert event.cooperative == cooperative
    assert event.actor == chair
    assert event.data["before"] == {
        "attendance": 30,
        "votes": 20,
        "wajib_on_time": 30,
        "services": 20,
        "quorum_percent": 50,
    }


def test_weights_not_adding_up_to_100_are_refused(cooperative, board_client):
    ParticipationWeights.objects.create(cooperative=cooperative)
    board_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = board_client.post(
        weights_url(cooperative),
        {"attendance": 40, "votes": 20, "wajib_on_time": 30, "services": 20, "quorum_percent": 50},
    )

    assert response.status_code == 400
    assert "The weights add up to 110; they must add up to exactly 100." in (
        response.content.decode()
    )
    weights = ParticipationWeights.objects.get(cooperative=cooperative)
    assert (weights.attendance, weights.votes, weights.wajib_on_time, weights.services) == (
        30,
        20,
        30,
        20,
    )
    assert not Event.objects.filter(kind="participation.weights_changed").exists()


def test_supervisor_reads_but_cannot_change_weights(cooperative, supervisor):
    client = client_for(supervisor)

    page = client.get(board_url(cooperative))
    response = client.post(
        weights_url(cooperative),
        {"attendance": 25, "votes": 25, "wajib_on_time": 25, "services": 25, "quorum_percent": 50},
    )

    assert page.status_code == 200
    assert 'id="weights-read"' in page.content.decode()
    assert 'id="weights-form"' not in page.content.decode()
    assert response.status_code == 403
    assert not ParticipationWeights.objects.filter(cooperative=cooperative).exists()
    assert not Event.objects.filter(kind="participation.weights_changed").exists()


def test_members_cannot_see_the_board_page(cooperative, trio):
    ani, _budi, _citra = trio

    assert client_for(ani.user).get(board_url(cooperative)).status_code == 403


def test_another_cooperative_is_404(cooperative, other_cooperative, trio, board_client):
    ani, _budi, _citra = trio

    assert board_client.get(board_url(other_cooperative)).status_code == 404
    assert (
        board_client.post(
            weights_url(other_cooperative),
            {
                "attendance": 25,
                "votes": 25,
                "wajib_on_time": 25,
                "services": 25,
                "quorum_percent": 50,
            },
        ).status_code
        == 404
    )
    assert client_for(ani.user).get(member_url(other_cooperative)).status_code == 404
    assert not ParticipationWeights.objects.exists()
