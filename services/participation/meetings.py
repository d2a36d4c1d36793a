"""Meetings (the annual RAT and others): calling one with its documents and invitations,
RSVPs, presence at the door or online, and the live quorum.

Quorum: the bylaws set it; the portal has no setting for it yet, so it is the common rule,
more than half of the active members (`QUORUM_SHARE`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, Role, User
from koperasi.notifications import announcements
from koperasi.notifications.models import Announcement
from members.models import Member
from services.participation.models import Attendance, Meeting, MeetingDocument, ParticipationWeights

#: More than this share of the active members must be present.
QUORUM_SHARE = Decimal("0.5")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: The door opens this long before the meeting starts.
DOOR_OPENS_BEFORE = dt.timedelta(hours=2)


def _require_role(cooperative: Cooperative, user: User, *kinds: str) -> None:
    if not Role.objects.filter(cooperative=cooperative, user=user, kind__in=kinds).exists():
        raise DomainError(_("You may not do this in this cooperative."))


def document_validate(file: UploadedFile) -> None:
    """A meeting document is a PDF of at most 10 MB."""
    if not file.name.lower().endswith(".pdf"):
        raise DomainError(_("Upload a PDF file (.pdf)."), field="documents")
    if file.size > MAX_DOCUMENT_BYTES:
        raise DomainError(_("A document may be at most 10 MB."), field="documents")
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head != b"%PDF":
        raise DomainError(_("This file is not a PDF."), field="documents")


def _document_title(file: UploadedFile) -> str:
    name = file.name.rsplit("/", 1)[-1]
    return name[:-4][:200] or name[:200]


@transaction.atomic
def meeting_create(
    *,
    cooperative: Cooperative,
    acting_user: User,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: str,
    place: str = "",
    online_link: str = "",
    fiscal_year: int | None = None,
    documents: list[UploadedFile] | None = None,
) -> Meeting:
    """The board calls a meeting; every active member is invited once it is committed."""
    _require_role(cooperative, acting_user, Role.Kind.BOARD)
    title, place, online_link, agenda = (
        title.strip(),
        place.strip(),
        online_link.strip(),
        agenda.strip(),
    )
    if not title:
        raise DomainError(_("Write a title."), field="title")
    if ends_at <= starts_at:
        raise DomainError(_("The meeting must end after it starts."), field="ends_at")
    if not place and not online_link:
        raise DomainError(_("Give a place, an online link, or both."), field="place")
    if not agenda:
        raise DomainError(_("Write the agenda."), field="agenda")
    documents = documents or []
    for file in documents:
        document_validate(file)
    meeting = Meeting.objects.create(
        cooperative=cooperative,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_link=online_link,
        agenda=agenda,
        fiscal_year=fiscal_year,
        created_by=acting_user,
    )
    for file in documents:
        MeetingDocument.objects.create(meeting=meeting, title=_document_title(file), file=file)
    event_record(
        kind="meeting.created",
        actor=acting_user,
        cooperative=cooperative,
        data={"meeting_id": meeting.pk, "title": title},
    )
    invitation_send(meeting=meeting, acting_user=acting_user)
    return meeting


def invitation_send(*, meeting: Meeting, acting_user: User) -> Announcement:
    """Invite all active members through an announcement: its set-based fan-out is queued
    after commit (and resumed if the broker is down)."""
    local_start = timezone.localtime(meeting.starts_at)
    body = render_to_string(
        "participation/_invitation.html", {"meeting": meeting, "starts": local_start}
    ).strip()
    return announcements.announcement_create(
        cooperative=meeting.cooperative,
        author=acting_user,
        audience=Announcement.Audience.ACTIVE,
        title=(_("Invitation: %(title)s") % {"title": meeting.title})[:150],
        body=body[:2000],
    )


@transaction.atomic
def meeting_document_add(*, meeting: Meeting, acting_user: User, file: UploadedFile) -> None:
    """The board adds a PDF to a meeting's documents."""
    _require_role(meeting.cooperative, acting_user, Role.Kind.BOARD)
    document_validate(file)
    MeetingDocument.objects.create(meeting=meeting, title=_document_title(file), file=file)


def meeting_is_running(meeting: Meeting, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return meeting.starts_at <= now <= meeting.ends_at


def _attendance_for_update(meeting: Meeting, member: Member) -> Attendance:
    """The member's attendance row, created if missing, locked for this transaction."""
    try:
        with transaction.atomic():
            Attendance.objects.get_or_create(meeting=meeting, member=member)
    except IntegrityError:  # created by a parallel request: it exists now
        pass
    return Attendance.objects.select_for_update().get(meeting=meeting, member=member)


@transaction.atomic
def attendance_rsvp(*, meeting: Meeting, member: Member, rsvp: str) -> Attendance:
    """An active member says whether they will come, until the meeting ends."""
    if member.cooperative_id != meeting.cooperative_id or not member.is_active:
        raise DomainError(_("Only active members of this cooperative can answer."))
    if rsvp not in Attendance.Rsvp.values:
        raise DomainError(_("Choose yes, no or maybe."))
    if timezone.now() > meeting.ends_at:
        raise DomainError(_("This meeting is over."))
    attendance = _attendance_for_update(meeting, member)
    attendance.rsvp = rsvp
    attendance.save(update_fields=["rsvp"])
    return attendance


def _mark_present(meeting: Meeting, member: Member, how: str, now: dt.datetime) -> Attendance:
    attendance = _attendance_for_update(meeting, member)
    if attendance.present_at is not None:
        raise DomainError(_("This member is already marked present."))
    attendance.present_at = now
    attendance.present_how = how
    attendance.save(update_fields=["present_at", "present_how"])
    return attendance


@transaction.atomic
def attendance_door(
    *, meeting: Meeting, number: int, acting_user: User, now: dt.datetime | None = None
) -> Attendance:
    """A teller or the board marks a member present at the door, by member number, from
    two hours before the start until the end."""
    _require_role(meeting.cooperative, acting_user, Role.Kind.BOARD, Role.Kind.TELLER)
    now = now or timezone.now()
    if not meeting.starts_at - DOOR_OPENS_BEFORE <= now <= meeting.ends_at:
        raise DomainError(_("Presence is taken only on the day, until the meeting ends."))
    member = Member.objects.filter(
        cooperative_id=meeting.cooperative_id, number=number, status=Member.Status.ACTIVE
    ).first()
    if member is None:
        raise DomainError(_("No active member has this number."), field="number")
    attendance = _mark_present(meeting, member, "door", now)
    attendance.member = member
    return attendance


@transaction.atomic
def attendance_online(
    *, meeting: Meeting, member: Member, now: dt.datetime | None = None
) -> Attendance:
    """A member checks in online, only while the meeting is running."""
    now = now or timezone.now()
    if member.cooperative_id != meeting.cooperative_id or not member.is_active:
        raise DomainError(_("Only active members of this cooperative can check in."))
    if not meeting_is_running(meeting, now=now):
        raise DomainError(_("You can check in only while the meeting is running."))
    return _mark_present(meeting, member, "online", now)


# Selectors


@dataclass(frozen=True)
class Quorum:
    present: int
    active: int
    needed: int

    @property
    def reached(self) -> bool:
        return self.active > 0 and self.present >= self.needed

    @property
    def percent(self) -> Decimal:
        if not self.active:
            return Decimal(0)
        return (Decimal(self.present) * 100 / self.active).quantize(Decimal("0.1"))


def quorum_needed(active: int, percent: int | None = None) -> int:
    """The smallest number present that is more than `percent` % of the active members
    (the cooperative's bylaws; more than half by default)."""
    share = Decimal(percent) / 100 if percent is not None else QUORUM_SHARE
    return int(Decimal(active) * share) + 1


def meeting_quorum(*, meeting: Meeting) -> Quorum:
    """Active members present against all active members (one query)."""
    counts = Member.objects.filter(
        cooperative_id=meeting.cooperative_id, status=Member.Status.ACTIVE
    ).aggregate(
        active=Count("pk"),
        present=Count(
            "pk",
            filter=Q(
                pk__in=Attendance.objects.filter(meeting=meeting, present_at__isnull=False).values(
                    "member_id"
                )
            ),
        ),
    )
    percent = (
        ParticipationWeights.objects.filter(cooperative_id=meeting.cooperative_id)
        .values_list("quorum_percent", flat=True)
        .first()
    )
    return Quorum(
        present=counts["present"],
        active=counts["active"],
        needed=quorum_needed(counts["active"], percent),
    )


def meetings_for(*, cooperative: Cooperative) -> QuerySet[Meeting]:
    """The cooperative's meetings, latest first."""
    return Meeting.objects.filter(cooperative=cooperative).order_by("-starts_at")


def present_list(*, meeting: Meeting) -> QuerySet[Attendance]:
    """Who is present, latest arrival first."""
    return (
        Attendance.objects.filter(meeting=meeting, present_at__isnull=False)
        .select_related("member")
        .order_by("-present_at")
    )


def rsvp_counts(*, meeting: Meeting) -> dict[str, int]:
    rows = (
        Attendance.objects.filter(meeting=meeting)
        .exclude(rsvp="")
        .values("rsvp")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Attendance.Rsvp.values, 0)
    counts.update({row["rsvp"]: row["n"] for row in rows})
    return counts


def member_meetings(*, member: Member) -> list[Meeting]:
    """The member's cooperative's meetings, each with `.my` (their attendance or None)."""
    meetings = list(meetings_for(cooperative=member.cooperative))
    mine = {
        a.meeting_id: a
        for a in Attendance.objects.filter(member=member, meeting__in=[m.pk for m in meetings])
    }
    for meeting in meetings:
        meeting.my = mine.get(meeting.pk)
    return meetings


def attendance_of(*, meeting: Meeting, member: Member) -> Attendance | None:
    return Attendance.objects.filter(meeting=meeting, member=member).first()
