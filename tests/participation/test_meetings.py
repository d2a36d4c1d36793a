from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.notifications import announcements
from koperasi.notifications.models import Announcement, Notification
from members.models import Member
from services.participation import meetings
from services.participation.models import Attendance, Meeting, MeetingDocument
from tests.conftest import client_for
from tests.participation.conftest import make_meeting, members_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def url(name: str, cooperative, **kwargs) -> str:
    return reverse(f"koperasi:{name}", kwargs={"coop_slug": cooperative.slug, **kwargs})


def meeting_post(**overrides) -> dict:
    data = {
        "kind": "rat",
        "title": "RAT Tahun Buku 2025",
        "starts_at": "2026-12-12T09:00",
        "ends_at": "2026-12-12T12:00",
        "place": "Balai Desa Sukamaju",
        "online_link": "",
        "agenda": "1. Laporan pengurus\n2. SHU",
        "fiscal_year": "2025",
    }
    data.update(overrides)
    return data


# Calling a meeting


def test_board_calls_a_meeting_and_every_active_member_is_invited(
    cooperative,
    chair,
    board_client,
    active_members,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given four active members, one applicant and one who left
    from members.actions import member_apply
    from tests.factories import member_data

    member_apply(cooperative=cooperative, data=member_data(email="applicant@example.test"))
    left = members_of(cooperative, 1, prefix="left")[0]
    Member.objects.filter(pk=left.pk).update(status=Member.Status.RESIGNED)
    queued: list[int] = []
    monkeypatch.setattr(announcements, "queue_fan_out", queued.append)
    document = SimpleUploadedFile("laporan.pdf", PDF, content_type="application/pdf")

    # when the board calls the meeting with a document
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            url("meeting-create", cooperative), {**meeting_post(), "documents": [document]}
        )

    # then the meeting, its document and one invitation announcement exist
    meeting = Meeting.objects.get(cooperative=cooperative)
    assert response.status_code == 302
    assert response.url == url("meeting-admin", cooperative, meeting_id=meeting.pk)
    assert meeting.title == "RAT Tahun Buku 2025"
    assert meeting.fiscal_year == 2025
    assert meeting.created_by == chair
    doc = MeetingDocument.objects.get(meeting=meeting)
    assert doc.title == "laporan"
    assert os.path.exists(doc.file.path)
    with doc.file.open("rb") as handle:
        assert handle.read() == PDF
    announcement = Announcement.objects.get(cooperative=cooperative)
    assert announcement.audience == Announcement.Audience.ACTIVE
    assert "RAT Tahun Buku 2025" in announcement.title
    # the fan-out was queued after commit, and it reaches the four active members only
    assert queued == [announcement.pk]
    result = announcements.announcement_send(announcement_id=announcement.pk, publish=False)
    assert result.notifications == 4
    invited = set(
        Notification.objects.filter(cooperative=cooperative, kind="announcement").values_list(
            "recipient_id", flat=True
        )
    )
    assert invited == {m.user_id for m in active_members}


def test_invitations_wait_for_the_commit(cooperative, chair, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(announcements, "queue_fan_out", queued.append)
    now = timezone.now()
    meetings.meeting_create(
        cooperative=cooperative,
        acting_user=chair,
        kind="rat",
        title="RAT",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=2),
        agenda="Agenda",
        online_link="https://meet.example.test/rat",
    )
    # inside the test's transaction nothing was committed, so nothing was queued
    assert queued == []


@pytest.mark.parametrize(
    ("name", "content", "size"),
    [
        ("laporan.txt", PDF, None),  # not named .pdf
        ("laporan.pdf", b"<html>not a pdf</html>", None),  # does not start with %PDF
        ("besar.pdf", None, 10 * 1024 * 1024 + 1),  # one byte over 10 MB
    ],
)
def test_a_document_that_is_not_a_small_pdf_is_refused(
    cooperative, board_client, active_members, name, content, size
):
    content = content if content is not None else b"%PDF" + b"0" * (size - 4)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = board_client.post(
        url("meeting-create", cooperative), {**meeting_post(), "documents": [upload]}
    )

    assert response.status_code == 200
    assert "documents" in response.context["form"].errors
    assert Meeting.objects.count() == 0
    assert MeetingDocument.objects.count() == 0
    assert Announcement.objects.count() == 0


def test_a_document_added_later_is_checked_the_same_way(cooperative, chair, board_client):
    meeting = make_meeting(cooperative, chair)
    bad = SimpleUploadedFile("x.pdf", b"GIF89a", content_type="application/pdf")
    good = SimpleUploadedFile("tata-tertib.pdf", PDF, content_type="application/pdf")

    refused = board_client.post(
        url("meeting-document-upload", cooperative, meeting_id=meeting.pk), {"file": bad}
    )
    assert refused.status_code == 422
    assert MeetingDocument.objects.count() == 0

    accepted = board_client.post(
        url("meeting-document-upload", cooperative, meeting_id=meeting.pk), {"file": good}
    )
    assert accepted.status_code == 302
    assert list(MeetingDocument.objects.values_list("title", flat=True)) == ["tata-tertib"]


def test_a_meeting_needs_a_place_or_a_link_and_to_end_after_it_starts(cooperative, board_client):
    no_place = board_client.post(url("meeting-create", cooperative), meeting_post(place=""))
    backwards = board_client.post(
        url("meeting-create", cooperative), meeting_post(ends_at="2026-12-12T08:00")
    )

    assert "place" in no_place.context["form"].errors
    assert "ends_at" in backwards.context["form"].errors
    assert Meeting.objects.count() == 0


def test_supervisors_and_members_cannot_call_a_meeting(cooperative, supervisor, active_members):
    for user in (supervisor, active_members[0].user):
        response = client_for(user).post(url("meeting-create", cooperative), meeting_post())
        assert response.status_code == 403
    assert Meeting.objects.count() == 0


# RSVP and presence


def test_a_member_answers_the_invitation_and_changes_their_mind(cooperative, chair, active_members):
    meeting = make_meeting(cooperative, chair)
    member = active_members[0]
    client = client_for(member.user)
    rsvp_url = url("member-meeting-rsvp", cooperative, meeting_id=meeting.pk)

    first = client.post(rsvp_url, {"rsvp": "yes"}, headers={"HX-Request": "true"})
    assert first.status_code == 200
    assert 'data-rsvp="yes"' in first.content.decode()
    client.post(rsvp_url, {"rsvp": "maybe"})
    refused = client.post(rsvp_url, {"rsvp": "perhaps"})

    assert refused.status_code == 422
    assert list(Attendance.objects.values_list("member_id", "rsvp", "present_at")) == [
        (member.pk, "maybe", None)
    ]
    page = client.get(url("member-meetings", cooperative))
    assert page.status_code == 200
    assert [m.pk for m in page.context["upcoming"]] == [meeting.pk]
    assert page.context["upcoming"][0].my.rsvp == "maybe"


def test_the_teller_marks_members_present_at_the_door_and_the_quorum_moves(
    cooperative, chair, teller, active_members
):
    # given a running meeting and four active members (quorum: more than half, so 3)
    meeting = make_meeting(cooperative, chair, starts_at=timezone.now() - dt.timedelta(hours=1))
    client = client_for(teller)
    door = url("meeting-door", cooperative, meeting_id=meeting.pk)

    for member in active_members[:2]:
        response = client.post(door, {"number": member.number}, headers={"HX-Request": "true"})
        assert response.status_code == 200

    quorum = meetings.meeting_quorum(meeting=meeting)
    assert (quorum.present, quorum.active, quorum.needed, quorum.reached) == (2, 4, 3, False)

    client.post(door, {"number": active_members[2].number})
    figure = client.get(url("meeting-quorum", cooperative, meeting_id=meeting.pk))
    html = figure.content.decode()
    assert '<span id="quorum-present">3</span>' in html
    assert '<span id="quorum-active">4</span>' in html
    assert 'data-reached="1"' in html
    assert 'hx-trigger="every 5s"' in html
    assert (
        list(Attendance.objects.filter(meeting=meeting).values_list("present_how", flat=True))
        == ["door"] * 3
    )


def test_the_door_refuses_unknown_numbers_repeats_and_other_days(
    cooperative, chair, teller, active_members
):
    running = make_meeting(cooperative, chair, starts_at=timezone.now() - dt.timedelta(hours=1))
    later = make_meeting(cooperative, chair, starts_at=timezone.now() + dt.timedelta(days=2))
    member = active_members[0]
    client = client_for(teller)

    client.post(url("meeting-door", cooperative, meeting_id=running.pk), {"number": member.number})
    again = client.post(
        url("meeting-door", cooperative, meeting_id=running.pk), {"number": member.number}
    )
    unknown = client.post(url("meeting-door", cooperative, meeting_id=running.pk), {"number": 999})
    too_early = client.post(
        url("meeting-door", cooperative, meeting_id=later.pk), {"number": member.number}
    )

    assert (again.status_code, unknown.status_code, too_early.status_code) == (422, 422, 422)
    assert Attendance.objects.filter(present_at__isnull=False).count() == 1
    assert not Attendance.objects.filter(meeting=later).exists()


def test_a_supervisor_sees_the_sheet_but_cannot_mark_anyone(
    cooperative, chair, supervisor, active_members
):
    meeting = make_meeting(cooperative, chair, starts_at=timezone.now() - dt.timedelta(hours=1))
    client = client_for(supervisor)

    assert client.get(url("meeting-admin", cooperative, meeting_id=meeting.pk)).status_code == 200
    response = client.post(
        url("meeting-door", cooperative, meeting_id=meeting.pk),
        {"number": active_members[0].number},
    )

    assert response.status_code == 403
    assert Attendance.objects.count() == 0


def test_online_check_in_only_while_the_meeting_runs(cooperative, chair, active_members):
    member = active_members[0]
    client = client_for(member.user)
    now = timezone.now()
    upcoming = make_meeting(cooperative, chair, starts_at=now + dt.timedelta(minutes=30))
    running = make_meeting(cooperative, chair, starts_at=now - dt.timedelta(minutes=30))
    over = make_meeting(cooperative, chair, starts_at=now - dt.timedelta(hours=5), hours=2)

    page = client.get(url("member-meeting", cooperative, meeting_id=upcoming.pk))
    assert 'id="checkin-button"' not in page.content.decode()
    for meeting in (upcoming, over):
        refused = client.post(url("member-meeting-checkin", cooperative, meeting_id=meeting.pk))
        assert refused.status_code == 422
    assert not Attendance.objects.filter(present_at__isnull=False).exists()

    page = client.get(url("member-meeting", cooperative, meeting_id=running.pk))
    assert 'id="checkin-button"' in page.content.decode()
    done = client.post(url("member-meeting-checkin", cooperative, meeting_id=running.pk))

    assert done.status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.meeting, attendance.member, attendance.present_how) == (
        running,
        member,
        "online",
    )
    with pytest.raises(DomainError):
        meetings.attendance_online(meeting=running, member=member)


def test_quorum_is_more_than_half():
    assert [meetings.quorum_needed(n) for n in (0, 1, 2, 3, 4, 5, 100, 101)] == [
        1,
        1,
        2,
        2,
        3,
        3,
        51,
        51,
    ]


def test_members_can_read_documents_of_their_cooperative_only(
    cooperative, other_cooperative, chair, active_members
):
    meeting = make_meeting(cooperative, chair)
    document = MeetingDocument.objects.create(
        meeting=meeting,
        title="laporan",
        file=SimpleUploadedFile("laporan.pdf", PDF, content_type="application/pdf"),
    )
    outsider = members_of(other_cooperative, 1, prefix="luar")[0]
    path = url("meeting-document", cooperative, meeting_id=meeting.pk, document_id=document.pk)

    own = client_for(active_members[0].user).get(path)
    foreign = client_for(outsider.user).get(path)

    assert own.status_code == 200
    assert b"".join(own.streaming_content) == PDF
    assert foreign.status_code == 404


# Isolation


def test_another_cooperatives_meeting_is_not_found_anywhere(
    cooperative, other_cooperative, chair, teller, active_members
):
    other_board = other_cooperative.created_by
    foreign = make_meeting(
        other_cooperative, other_board, starts_at=timezone.now() - dt.timedelta(hours=1)
    )
    member = active_members[0]
    board = client_for(chair)
    own_member = client_for(member.user)
    kw = {"meeting_id": foreign.pk}

    assert board.get(url("meeting-admin", cooperative, **kw)).status_code == 404
    assert board.get(url("meeting-quorum", cooperative, **kw)).status_code == 404
    assert (
        client_for(teller)
        .post(url("meeting-door", cooperative, **kw), {"number": member.number})
        .status_code
        == 404
    )
    assert (
        board.post(
            url("meeting-document-upload", cooperative, **kw),
            {"file": SimpleUploadedFile("a.pdf", PDF)},
        ).status_code
        == 404
    )
    assert own_member.get(url("member-meeting", cooperative, **kw)).status_code == 404
    assert (
        own_member.post(url("member-meeting-rsvp", cooperative, **kw), {"rsvp": "yes"}).status_code
        == 404
    )
    assert own_member.post(url("member-meeting-checkin", cooperative, **kw)).status_code == 404
    assert Attendance.objects.count() == 0
    assert MeetingDocument.objects.count() == 0


def test_an_htmx_refusal_at_the_door_is_shown_in_the_redrawn_sheet(
    cooperative, chair, teller, active_members
):
    meeting = make_meeting(cooperative, chair, starts_at=timezone.now() - dt.timedelta(hours=1))

    response = client_for(teller).post(
        url("meeting-door", cooperative, meeting_id=meeting.pk),
        {"number": 999},
        headers={"HX-Request": "true"},
    )

    # htmx swaps only 2xx answers, so the refusal comes back as 200 with the form error
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="attendance-sheet">')
    assert 'class="error"' in html
    assert Attendance.objects.count() == 0


@pytest.mark.django_db
def test_the_quorum_follows_the_bylaws_setting(cooperative, chair):
    from services.participation.models import ParticipationWeights

    members_of(cooperative, 4)
    meeting = make_meeting(cooperative, chair)
    assert meetings.meeting_quorum(meeting=meeting).needed == 3  # more than half of 4

    ParticipationWeights.objects.create(cooperative=cooperative, quorum_percent=75)

    assert meetings.meeting_quorum(meeting=meeting).needed == 4  # more than 75 % of 4
    assert meetings.quorum_needed(10, 66) == 7
