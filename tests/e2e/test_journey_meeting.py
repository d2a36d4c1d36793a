"""A member answers the RAT invitation, checks in online and votes on a phone; the chair
marks another member present at the door and watches the quorum figure reach the majority."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from koperasi.models import Role
from members.models import Member
from services.participation.models import Attendance, Ballot, Meeting, VoteCast
from services.participation.votes import vote_create
from tests.e2e.helpers import log_in
from tests.factories import CooperativeFactory, RoleFactory, UserFactory, make_member

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # this app's URLs, whether or not koperasi/urls.py includes them yet
    pytest.mark.urls("tests.participation.urls"),
]


def test_rsvp_check_in_vote_and_quorum(live_server, page: Page, browser, screenshot):
    cooperative = CooperativeFactory(name="Koperasi Simpan Pinjam Nelayan Sejahtera")
    chair = RoleFactory(
        cooperative=cooperative,
        kind=Role.Kind.BOARD,
        title=Role.Title.CHAIR,
        user=UserFactory(email="ketua@nelayan.test", full_name="Made Ketua"),
    ).user
    wayan = make_member(
        cooperative, user=UserFactory(email="wayan@nelayan.test"), full_name="Wayan Sudarsa"
    )
    ketut = make_member(cooperative, full_name="Ketut Arsana")  # no login: comes to the door
    Member.objects.filter(pk__in=[wayan.pk, ketut.pk]).update(joined_on=dt.date(2026, 1, 1))
    now = timezone.now()
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        title="RAT Tahun Buku 2025",
        starts_at=now - dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=2),
        place="Balai Nelayan",
        online_link="https://meet.example.test/rat",
        agenda="1. Laporan pengurus",
        created_by=chair,
    )
    vote = vote_create(
        cooperative=cooperative,
        acting_user=chair,
        kind="motion",
        question="Setujukah laporan pengurus 2025?",
        opens_at=now - dt.timedelta(minutes=10),
        closes_at=now + dt.timedelta(hours=1),
        meeting=meeting,
    )
    base, slug = live_server.url, cooperative.slug

    # The member answers the invitation (htmx, in place) and checks in online.
    log_in(page, base, "wayan@nelayan.test")
    page.goto(f"{base}/k/{slug}/anggota/rapat/{meeting.pk}/")
    page.get_by_role("button", name="English").click()
    page.evaluate("window.stillThisPage = true")
    page.locator("#rsvp-yes").click()
    expect(page.locator("#rsvp-state")).to_have_attribute("data-rsvp", "yes")
    assert page.evaluate("window.stillThisPage") is True
    page.locator("#checkin-button").click()
    expect(page.locator("#checked-in")).to_be_visible()
    screenshot(page, "meeting-member")

    # ...and votes in the meeting's open vote.
    page.locator("#open-votes a").click()
    page.get_by_label("Setuju", exact=True).check()
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#vote-counted")).to_contain_text("Your vote was counted.")
    assert VoteCast.objects.filter(vote=vote, member=wayan, option=None).count() == 1
    assert list(Ballot.objects.values_list("option__label", flat=True)) == ["Setuju"]

    # The chair sees 1 of 2 present, marks Ketut at the door, and the quorum is reached.
    board = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    board_page = board.new_page()
    log_in(board_page, base, "ketua@nelayan.test")
    board_page.goto(f"{base}/k/{slug}/kelola/rapat/{meeting.pk}/")
    expect(board_page.locator("#quorum-present")).to_have_text("1")
    expect(board_page.locator("#quorum-state")).to_have_attribute("data-reached", "0")
    board_page.locator("#id_number").fill(str(ketut.number))
    board_page.locator("#door-form button[type=submit]").click()
    expect(board_page.locator("#door-marked")).to_contain_text("Ketut Arsana")
    # the figure refreshes by itself (htmx polling every 5 s)
    expect(board_page.locator("#quorum-present")).to_have_text("2", timeout=8000)
    expect(board_page.locator("#quorum-state")).to_have_attribute("data-reached", "1")
    screenshot(board_page, "meeting-quorum-reached")
    assert sorted(
        Attendance.objects.filter(meeting=meeting).values_list("member_id", "present_how")
    ) == sorted([(wayan.pk, "online"), (ketut.pk, "door")])
    board.close()
