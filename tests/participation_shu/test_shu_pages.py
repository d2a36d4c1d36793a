"""The SHU pages: the board's years, preview, CSV and publishing; the member's own SHU."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from koperasi.celery import app as celery_app
from koperasi.models import Role
from services.ledger.models import JournalEntry
from services.participation import shu as shu_module
from services.participation.models import ShuAllocation, ShuYear, Vote
from tests.conftest import client_for
from tests.factories import RoleFactory
from tests.services.helpers import books

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.participation_shu.urls")]

FORM = {
    "year": "2026",
    "surplus": "20.000.000",
    "reserve_pct": "40",
    "jasa_modal_pct": "20",
    "jasa_usaha_pct": "25",
    "board_pct": "5",
    "staff_pct": "5",
    "education_pct": "2.5",
    "social_pct": "2.5",
    "include_sukarela": "",
    "credit_to_sukarela": "",
    "vote": "",
}


def url(name: str, cooperative, **kwargs) -> str:
    return reverse(f"koperasi:{name}", kwargs={"coop_slug": cooperative.slug, **kwargs})


@pytest.fixture
def approve(monkeypatch, cooperative, chair):
    """Link a vote to the year and stub its verdict as approved (votes.py is built apart)."""

    def link(shu_year):
        now = timezone.now()
        vote = Vote.objects.create(
            cooperative=cooperative,
            question="SHU?",
            opens_at=now - dt.timedelta(days=2),
            closes_at=now - dt.timedelta(days=1),
            created_by=chair,
        )
        shu_year.vote = vote
        shu_year.save()
        monkeypatch.setattr(shu_module, "_vote_check", lambda: lambda v: v.pk == vote.pk)

    return link


def test_board_creates_a_draft(cooperative, board_client):
    response = board_client.post(url("shu-list", cooperative), FORM)

    shu_year = ShuYear.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("shu-detail", cooperative, shu_id=shu_year.pk)
    assert (shu_year.year, shu_year.surplus, shu_year.status) == (2026, 20_000_000, "draft")


def test_percentages_not_adding_to_100_are_refused_on_the_page(cooperative, board_client):
    response = board_client.post(url("shu-list", cooperative), {**FORM, "social_pct": "3"})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert ShuYear.objects.count() == 0


def test_board_edits_a_draft(cooperative, board_client, shu_year):
    response = board_client.post(
        url("shu-list", cooperative), {**FORM, "year": "2025", "shu_year": shu_year.pk}
    )

    assert response.status_code == 302
    shu_year.refresh_from_db()
    assert (shu_year.year, shu_year.surplus) == (2025, 20_000_000)


def test_supervisor_reads_but_cannot_write(cooperative, supervisor, trio, shu_year):
    client = client_for(supervisor)
    before = books()

    assert client.get(url("shu-list", cooperative)).status_code == 200
    assert client.get(url("shu-detail", cooperative, shu_id=shu_year.pk)).status_code == 200
    assert client.post(url("shu-list", cooperative), FORM).status_code == 403
    assert client.post(url("shu-publish", cooperative, shu_id=shu_year.pk)).status_code == 403
    assert ShuYear.objects.get().status == "draft"
    assert ShuYear.objects.count() == 1
    assert books() == before


def test_preview_page_shows_pools_rows_and_a_disabled_publish(
    cooperative, board_client, trio, shu_year
):
    response = board_client.get(url("shu-detail", cooperative, shu_id=shu_year.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert [r.total for r in response.context["page"]] == [3_833_333, 666_666, 0]
    assert "Rp 3.833.333" in html
    assert "Rp 666.666" in html
    assert response.context["preview"].remainder_to_reserve == 1
    assert 'id="publish" disabled' in html


def test_publish_button_is_enabled_and_publishes_once_the_vote_approved(
    cooperative, board_client, trio, shu_year, approve, django_capture_on_commit_callbacks
):
    approve(shu_year)
    page = board_client.get(url("shu-detail", cooperative, shu_id=shu_year.pk)).content.decode()
    assert 'id="publish" disabled' not in page
    assert 'id="publish"' in page

    # Publishing runs as a background job (in-process here) and shows its progress page.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                response = board_client.post(url("shu-publish", cooperative, shu_id=shu_year.pk))
            assert response.status_code == 302
    finally:
        celery_app.conf.task_always_eager = previous

    shu_year.refresh_from_db()
    assert shu_year.status == "published"
    assert JournalEntry.objects.filter(idempotency_key="shu-2025").count() == 1
    assert ShuAllocation.objects.filter(shu_year=shu_year).count() == 3


def test_publish_without_approval_changes_nothing(cooperative, board_client, trio, shu_year):
    before = books()

    response = board_client.post(url("shu-publish", cooperative, shu_id=shu_year.pk))

    assert response.status_code == 302
    assert ShuYear.objects.get().status == "draft"
    assert ShuAllocation.objects.count() == 0
    assert books() == before


def test_csv_download(cooperative, board_client, trio, shu_year):
    ani, budi, citra = trio

    response = board_client.get(url("shu-csv", cooperative, shu_id=shu_year.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "member_number,full_name,savings,transactions,jasa_modal,jasa_usaha,total",
        f"{ani.number},Ani Lestari,400000,24000,1333333,2500000,3833333",
        f"{budi.number},Budi Santoso,200000,0,666666,0,666666",
        f"{citra.number},Citra Dewi,0,0,0,0,0",
    ]


def test_member_sees_only_their_own_estimate_and_allocations(
    cooperative, trio, shu_year, ani_user, chair, approve
):
    client = client_for(ani_user)
    draft = client.get(url("member-shu", cooperative))
    assert draft.status_code == 200
    assert draft.context["estimate"]["row"].total == 3_833_333
    assert "Rp 666.666" not in draft.content.decode()

    approve(shu_year)
    shu_module.shu_publish(shu_year=shu_year, acting_user=chair)
    published = client.get(url("member-shu", cooperative))

    html = published.content.decode()
    assert [(a.shu_year.year, a.total) for a in published.context["allocations"]] == [
        (2025, 3_833_333)
    ]
    assert published.context["estimate"] is None
    assert "Rp 3.833.333" in html
    assert "Rp 1.333.333" in html
    assert "Rp 666.666" not in html


def test_member_without_any_shu_sees_none_yet(cooperative, trio, ani_user):
    response = client_for(ani_user).get(url("member-shu", cooperative))

    assert response.status_code == 200
    assert (response.context["estimate"], response.context["allocations"]) == (None, [])


def test_a_member_cannot_open_board_pages(cooperative, trio, shu_year, ani_user):
    client = client_for(ani_user)

    assert client.get(url("shu-list", cooperative)).status_code == 403
    assert client.get(url("shu-csv", cooperative, shu_id=shu_year.pk)).status_code == 403


def test_another_cooperatives_year_is_404(cooperative, other_cooperative, shu_year, trio):
    other_board = RoleFactory(
        cooperative=other_cooperative, kind=Role.Kind.BOARD, title=Role.Title.CHAIR
    ).user
    client = client_for(other_board)
    before = books()

    for name in ("shu-detail", "shu-csv"):
        assert client.get(url(name, other_cooperative, shu_id=shu_year.pk)).status_code == 404
    assert client.post(url("shu-publish", other_cooperative, shu_id=shu_year.pk)).status_code == 404
    assert client.get(f"{url('shu-list', other_cooperative)}?edit={shu_year.pk}").status_code == 404
    assert ShuYear.objects.get().status == "draft"
    assert books() == before
