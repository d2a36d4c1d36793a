"""Announcements: who may send them, who receives them (exact notifications and deliveries
per audience), the chunked fan-out (idempotent, constant queries), and the progress page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from koperasi.errors import DomainError
from koperasi.models import Event, Role
from koperasi.notifications import announcements, bulk
from koperasi.notifications.announcements import announcement_create, announcement_send
from koperasi.notifications.models import Announcement, Delivery, Notification, Preference
from members.models import Member
from services.savings.models import SavingsBill
from tests.conftest import client_for
from tests.factories import RoleFactory, UserFactory, make_member
from tests.notifications_ui.helpers import bulk_members, snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def published(monkeypatch):
    """Batches handed to workers (none are sent: tests have no worker)."""
    batches: list[list[int]] = []
    monkeypatch.setattr(bulk.deliver_batch, "delay", batches.append)
    return batches


@pytest.fixture
def people(cooperative, other_cooperative, chair, supervisor, teller):
    """Active members: ani (login, Indonesian), bob (login, English), citra (no login, an
    email), dedi (no login, no email); an applicant, a resigned member, and a member of
    another cooperative, none of whom is in any audience."""
    ani = make_member(cooperative, user=UserFactory(email="ani@example.test"), full_name="Ani")
    bob = make_member(
        cooperative, user=UserFactory(email="bob@example.test", language="en"), full_name="Bob"
    )
    citra = make_member(cooperative, full_name="Citra", email="citra@example.test")
    # Approval gives a member with an email a login; Citra's came from an import without one.
    Member.objects.filter(pk=citra.pk).update(user=None)
    citra.refresh_from_db()
    dedi = make_member(cooperative, full_name="Dedi", phone="+628111000222")
    from members.actions import member_apply

    member_apply(
        cooperative=cooperative,
        data=_data(full_name="Eko", email="eko@example.test"),
        user=UserFactory(),
    )
    fajar = make_member(cooperative, user=UserFactory(), full_name="Fajar")
    Member.objects.filter(pk=fajar.pk).update(status=Member.Status.RESIGNED)
    make_member(other_cooperative, user=UserFactory(), full_name="Gita")
    return {"ani": ani, "bob": bob, "citra": citra, "dedi": dedi}


def _data(**overrides):
    from tests.factories import member_data

    return member_data(**overrides)


def overdue(member, *, months: int = 1) -> None:
    for month in range(1, months + 1):
        SavingsBill.objects.create(
            cooperative=member.cooperative,
            member=member,
            kind="wajib",
            period=dt.date(2026, month, 1),
            due_date=dt.date(2026, month, 10),
            amount=25_000,
        )


def send(
    cooperative, chair, audience: str, *, title="Rapat anggota", body="Sabtu jam 9."
) -> Announcement:
    announcement = Announcement.objects.create(
        cooperative=cooperative, author=chair, audience=audience, title=title, body=body
    )
    announcement_send(announcement_id=announcement.pk)
    announcement.refresh_from_db()
    return announcement


def received(announcement: Announcement) -> dict[str, set[tuple[str, str]]]:
    """Who got what: dedupe-key suffix -> {(channel, status)}."""
    prefix = f"announcement-{announcement.pk}-"
    out: dict[str, set[tuple[str, str]]] = {}
    for notification in Notification.objects.filter(dedupe_key__startswith=prefix):
        out[notification.dedupe_key.removeprefix(prefix)] = set(
            notification.deliveries.values_list("channel", "status")
        )
    return out


INAPP_EMAIL = {("inapp", "sent"), ("email", "pending")}


# --- Audiences ----------------------------------------------------------------------------


def test_all_active_members_get_it_on_the_channels_they_can_be_reached_on(
    cooperative, chair, people, published
):
    ani, bob, citra = people["ani"], people["bob"], people["citra"]

    announcement = send(cooperative, chair, Announcement.Audience.ACTIVE)

    assert received(announcement) == {
        str(ani.user_id): INAPP_EMAIL,
        str(bob.user_id): INAPP_EMAIL,
        f"m{citra.pk}": {("email", "pending")},  # no login: no inbox, but an email
    }  # dedi: no login, no email, no SMS gateway: nothing
    assert (announcement.status, announcement.total, announcement.done) == ("done", 4, 4)
    pending = Delivery.objects.filter(
        notification__kind="announcement", status="pending"
    ).values_list("pk", flat=True)
    assert sorted(pk for batch in published for pk in batch) == sorted(pending)
    citra_notification = Notification.objects.get(
        dedupe_key=f"announcement-{announcement.pk}-m{citra.pk}"
    )
    assert (citra_notification.recipient_id, citra_notification.to_email) == (
        None,
        "citra@example.test",
    )


def test_each_person_reads_it_in_their_language_as_plain_text(cooperative, chair, people):
    announcement = send(
        cooperative, chair, Announcement.Audience.ACTIVE, title="Rapat & <makan>", body="A 'b'"
    )

    rows = Notification.objects.filter(
        dedupe_key__startswith=f"announcement-{announcement.pk}-", recipient__isnull=False
    ).values_list("recipient__email", "language", "title", "body", "cooperative_id")
    assert sorted(rows) == [
        ("ani@example.test", "id", "Rapat & <makan>", "A 'b'", cooperative.pk),
        ("bob@example.test", "en", "Rapat & <makan>", "A 'b'", cooperative.pk),
    ]
    html = client_for(people["ani"].user).get("/notifikasi/").content.decode()
    assert "Rapat &amp; &lt;makan&gt;" in html


def test_members_in_arrears_only(cooperative, chair, people):
    overdue(people["bob"], months=2)
    overdue(people["dedi"])
    SavingsBill.objects.create(  # due later: not overdue
        cooperative=cooperative,
        member=people["ani"],
        kind="wajib",
        period=TODAY.replace(day=1),
        due_date=TODAY + dt.timedelta(days=3),
        amount=25_000,
    )

    announcement = send(cooperative, chair, Announcement.Audience.ARREARS)

    assert received(announcement) == {str(people["bob"].user_id): INAPP_EMAIL}
    assert (announcement.total, announcement.done) == (2, 2)  # bob and dedi (unreachable)


def test_board_supervisors_and_tellers_each_once(cooperative, chair, supervisor, teller, people):
    RoleFactory(cooperative=cooperative, user=chair, kind=Role.Kind.TELLER)  # two roles

    announcement = send(cooperative, chair, Announcement.Audience.STAFF)

    assert received(announcement) == {
        str(chair.pk): INAPP_EMAIL,
        str(supervisor.pk): INAPP_EMAIL,
        str(teller.pk): INAPP_EMAIL,
    }
    assert announcement.total == 3


def test_preferences_and_the_sms_gateway_are_honoured(cooperative, chair, people, settings):
    settings.NOTIFY_GATEWAY_URL = "https://gateway.example/send"
    ani, bob = people["ani"], people["bob"]
    Preference.objects.create(user=ani.user, kind="announcement", inapp=True, email=False, sms=True)
    Preference.objects.create(user=bob.user, kind="announcement", inapp=False, email=True)

    announcement = send(cooperative, chair, Announcement.Audience.ACTIVE)

    got = received(announcement)
    assert got[str(ani.user_id)] == {("inapp", "sent"), ("sms", "pending")}
    assert got[str(bob.user_id)] == {("email", "pending")}
    bob_notification = Notification.objects.get(recipient=bob.user, kind="announcement")
    assert bob_notification.read_at is not None  # no inbox item, nothing unread
    assert bob_notification.to_phone == bob.phone
    # The kind is not sent by SMS by default, so members without a login get none.
    assert got[f"m{people['citra'].pk}"] == {("email", "pending")}
    assert f"m{people['dedi'].pk}" not in got


# --- The fan-out -------------------------------------------------------------------------


def test_running_the_fan_out_again_creates_no_duplicates(cooperative, chair, people, published):
    announcement = send(cooperative, chair, Announcement.Audience.ACTIVE)
    before = snapshot()
    published.clear()

    again = announcement_send(announcement_id=announcement.pk)  # done: returns at once
    Announcement.objects.filter(pk=announcement.pk).update(status="sending", done=1)
    resumed = announcement_send(announcement_id=announcement.pk)  # a crashed run resumed

    assert (again.notifications, resumed.notifications, resumed.deliveries) == (0, 0, 0)
    assert snapshot() == before
    assert published == []
    announcement.refresh_from_db()
    assert (announcement.status, announcement.done, announcement.total) == ("done", 4, 4)


def test_the_fan_out_goes_in_chunks_and_moves_the_progress(cooperative, chair, people):
    announcement = Announcement.objects.create(
        cooperative=cooperative, author=chair, audience="active", title="t", body="b"
    )
    progress = []
    original = bulk.bulk_write

    def spy(**kwargs):
        progress.append(Announcement.objects.get(pk=announcement.pk).done)
        return original(**kwargs)

    import unittest.mock

    with unittest.mock.patch.object(bulk, "bulk_write", spy):
        result = announcement_send(announcement_id=announcement.pk, chunk_size=3)

    assert progress == [0, 3]  # before each chunk: nothing, then the first chunk of 3
    assert result.notifications == 3
    announcement.refresh_from_db()
    assert (announcement.done, announcement.total) == (4, 4)


def _fan_out_queries(cooperative, chair) -> int:
    announcement = Announcement.objects.create(
        cooperative=cooperative, author=chair, audience="active", title="t", body="b"
    )
    with CaptureQueriesContext(connection) as captured:
        announcement_send(announcement_id=announcement.pk)
    return len(captured.captured_queries)


def test_the_fan_out_queries_do_not_grow_with_the_members(cooperative, other_cooperative, chair):
    other_chair = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    bulk_members(cooperative, 30)
    bulk_members(other_cooperative, 300)

    small = _fan_out_queries(cooperative, chair)
    large = _fan_out_queries(other_cooperative, other_chair)

    assert small == large
    assert Notification.objects.filter(cooperative=other_cooperative).count() == 300
    assert Delivery.objects.filter(notification__cooperative=other_cooperative).count() == 600


# --- The action ---------------------------------------------------------------------------


def test_create_records_an_event_and_queues_the_fan_out_after_commit(
    cooperative, chair, people, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        announcement = announcement_create(
            cooperative=cooperative,
            author=chair,
            audience="active",
            title="  Rapat  ",
            body="Sabtu.",
        )

    assert len(callbacks) >= 1
    event = Event.objects.get(kind="announcement.created")
    assert (event.cooperative, event.actor, event.data["announcement_id"]) == (
        cooperative,
        chair,
        announcement.pk,
    )
    announcement.refresh_from_db()
    assert (announcement.title, announcement.status, announcement.done) == ("Rapat", "done", 4)
    assert len(received(announcement)) == 3


@pytest.mark.parametrize(
    ("audience", "title", "body", "field"),
    [
        ("everyone", "t", "b", "audience"),
        ("active", "   ", "b", "title"),
        ("active", "t", "  ", "body"),
        ("active", "t" * 151, "b", "title"),
        ("active", "t", "b" * 2001, "body"),
    ],
)
def test_create_refuses_what_is_not_an_announcement(
    cooperative, chair, audience, title, body, field
):
    with pytest.raises(DomainError) as refused:
        announcement_create(
            cooperative=cooperative, author=chair, audience=audience, title=title, body=body
        )

    assert refused.value.field == field
    assert Announcement.objects.count() == 0


def test_create_refuses_someone_not_on_the_board(cooperative, teller):
    with pytest.raises(DomainError):
        announcement_create(
            cooperative=cooperative, author=teller, audience="active", title="t", body="b"
        )

    assert Announcement.objects.count() == 0
    assert not Event.objects.filter(kind="announcement.created").exists()


def test_a_broker_outage_does_not_fail_the_board(
    cooperative, chair, board_client, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(announcements.announcement_fan_out, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            _list_url(cooperative), {"audience": "active", "title": "t", "body": "b"}
        )

    assert response.status_code == 302
    assert Announcement.objects.get().status == "queued"


def test_resume_queues_announcements_that_never_started(cooperative, chair, monkeypatch):
    stuck = Announcement.objects.create(
        cooperative=cooperative,
        author=chair,
        audience="active",
        title="t",
        body="b",
        created_at=timezone.now() - dt.timedelta(hours=1),
    )
    Announcement.objects.create(  # just queued: its message is on its way
        cooperative=cooperative, author=chair, audience="active", title="t", body="b"
    )
    queued = []
    monkeypatch.setattr(announcements.announcement_fan_out, "delay", queued.append)

    assert announcements.announcement_resume() == 1
    assert queued == [stuck.pk]


# --- Pages --------------------------------------------------------------------------------


def _list_url(cooperative) -> str:
    return reverse("koperasi:announcement-list", args=[cooperative.slug])


def _detail_url(announcement) -> str:
    return reverse(
        "koperasi:announcement-detail", args=[announcement.cooperative.slug, announcement.pk]
    )


def _status_url(announcement) -> str:
    return reverse(
        "koperasi:announcement-status", args=[announcement.cooperative.slug, announcement.pk]
    )


def test_the_board_sends_from_the_form(
    cooperative, chair, board_client, people, eager, django_capture_on_commit_callbacks
):
    page = board_client.get(_list_url(cooperative))
    assert page.status_code == 200
    assert 'id="announcement-form"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            _list_url(cooperative), {"audience": "staff", "title": "Rapat", "body": "Besok."}
        )

    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail_url(announcement)
    assert (announcement.author, announcement.status, announcement.total) == (chair, "done", 3)


def test_the_form_shows_how_many_people_each_audience_reaches(cooperative, board_client, people):
    overdue(people["ani"])
    board_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = board_client.get(_list_url(cooperative)).content.decode()

    sizes = re.findall(r'value="(\w+)"[^>]*> [^<]+ <span class="muted">\((\d+) pe', html)
    assert dict(sizes) == {"active": "4", "arrears": "1", "staff": "3"}


def test_an_invalid_form_creates_nothing(cooperative, board_client):
    response = board_client.post(
        _list_url(cooperative), {"audience": "active", "title": "", "body": "b"}
    )

    assert response.status_code == 200
    assert 'id="field-title"' in response.content.decode()
    assert Announcement.objects.count() == 0


@pytest.mark.parametrize("role", ["teller", "member", "supervisor"])
def test_only_the_board_can_send(cooperative, role, request, people):
    user = request.getfixturevalue(role)
    before = (Announcement.objects.count(), _events(), snapshot())

    response = client_for(user).post(
        _list_url(cooperative), {"audience": "active", "title": "t", "body": "b"}
    )

    assert response.status_code == 403
    assert (Announcement.objects.count(), _events(), snapshot()) == before


def test_someone_outside_the_cooperative_gets_not_found(cooperative, other_cooperative):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user

    response = client_for(outsider).post(
        _list_url(cooperative), {"audience": "active", "title": "t", "body": "b"}
    )

    assert response.status_code == 404
    assert Announcement.objects.count() == 0


def test_supervisors_read_announcements_but_see_no_form(cooperative, chair, supervisor):
    announcement = send(cooperative, chair, "staff")
    client = client_for(supervisor)

    listing = client.get(_list_url(cooperative))
    detail = client.get(_detail_url(announcement))

    assert listing.status_code == 200
    assert 'id="announcement-form"' not in listing.content.decode()
    assert detail.status_code == 200


@pytest.mark.parametrize("role", ["teller", "member"])
def test_tellers_and_members_cannot_read_announcements(cooperative, chair, role, request):
    announcement = send(cooperative, chair, "staff")
    client = client_for(request.getfixturevalue(role))

    codes = [
        client.get(url).status_code
        for url in (_list_url(cooperative), _detail_url(announcement), _status_url(announcement))
    ]

    assert codes == [403, 403, 403]


def test_another_cooperatives_announcement_is_not_found(
    cooperative, other_cooperative, board_client
):
    other_chair = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    theirs = Announcement.objects.create(
        cooperative=other_cooperative, author=other_chair, audience="active", title="t", body="b"
    )
    url_args = [cooperative.slug, theirs.pk]

    codes = [
        board_client.get(reverse("koperasi:announcement-detail", args=url_args)).status_code,
        board_client.get(reverse("koperasi:announcement-status", args=url_args)).status_code,
    ]

    assert codes == [404, 404]


def test_the_progress_fragment_polls_until_done(cooperative, chair, board_client, people):
    announcement = Announcement.objects.create(
        cooperative=cooperative, author=chair, audience="active", title="t", body="b"
    )

    queued = board_client.get(_status_url(announcement)).content.decode()
    Announcement.objects.filter(pk=announcement.pk).update(status="sending", total=4, done=2)
    sending = board_client.get(_status_url(announcement)).content.decode()
    announcement_send(announcement_id=announcement.pk)
    done = board_client.get(_status_url(announcement)).content.decode()

    assert "<html" not in queued
    assert 'hx-trigger="every 1s"' in queued
    assert '<progress id="announcement-bar"></progress>' in queued
    assert 'hx-trigger="every 1s"' in sending
    assert '<progress id="announcement-bar" max="4" value="2">' in sending
    assert 'hx-trigger="every 1s"' not in done
    assert 'data-status="done"' in done
    assert '<progress id="announcement-bar" max="4" value="4">' in done


def test_the_detail_page_shows_the_message_and_the_progress(cooperative, chair, board_client):
    announcement = send(cooperative, chair, "staff", body="Line one\nLine two")

    page = board_client.get(_detail_url(announcement))
    fragment = board_client.get(_detail_url(announcement), headers={"HX-Request": "true"})

    assert "Line one\nLine two" in page.content.decode()
    assert 'id="announcement-progress"' in page.content.decode()
    assert fragment.content.decode().strip().startswith('<section id="announcement-progress"')


def _events() -> int:
    """Events other than the audit log's record of the refusal itself."""
    return Event.objects.exclude(kind="access.denied").count()
