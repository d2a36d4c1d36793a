"""Announcements: the board writes to all members, to those in arrears, or to its staff.

`announcement_create` records the announcement and an event in one transaction and, after
commit, queues `announcement_fan_out`. The fan-out renders the text once per language and
writes the notifications and deliveries of 2,000 recipients per transaction with the
set-based statements of `bulk.py`, moving `Announcement.done` after each chunk (the board
watches a progress bar), then hands the pending emails and SMS to workers in batches.

Running the fan-out again (a redelivered message, a resumed crash) writes nothing twice: each
notification's dedupe key is `announcement-<id>-<user id>` (`...-m<member id>` for a member
without a login), and the insert skips keys that exist.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from koperasi.errors import DomainError
from koperasi.events import event_record
from koperasi.models import Cooperative, Role, User
from koperasi.notifications import bulk
from koperasi.notifications.bulk import RecipientSet
from koperasi.notifications.models import Announcement
from members.models import Member
from services.savings.models import SavingsBill

log = logging.getLogger(__name__)

KIND = "announcement"
EVENT = "announcement.created"
#: A fan-out queued or sending for longer than this is started again by `announcement_resume`.
STALLED_AFTER = dt.timedelta(minutes=10)

MEMBER = Member._meta.db_table
ROLE = Role._meta.db_table
BILL = SavingsBill._meta.db_table
USER = bulk.USER


def dedupe_prefix(announcement_id: int) -> str:
    return f"announcement-{announcement_id}-"


def audience_recipients(
    announcement: Announcement, *, today: dt.date | None = None
) -> RecipientSet:
    """The people an announcement goes to, as one SELECT (see `bulk.RecipientSet`)."""
    prefix = dedupe_prefix(announcement.pk)
    params = {"coop": announcement.cooperative_id}
    if announcement.audience == Announcement.Audience.STAFF:
        kinds = ", ".join(
            bulk.sql_literal(kind)
            for kind in (Role.Kind.BOARD, Role.Kind.SUPERVISOR, Role.Kind.TELLER)
        )
        language = bulk.sql_language("u.language")
        sql = f"""
            SELECT u.id AS sort_key, u.id AS user_id, u.email AS email, u.phone AS phone,
                   {language} AS language,
                   {bulk.sql_literal(prefix)} || CAST(u.id AS TEXT) AS dedupe_key,
                   '' AS variant
              FROM {USER} u
             WHERE EXISTS (SELECT 1 FROM {ROLE} role
                            WHERE role.user_id = u.id AND role.cooperative_id = %(coop)s
                              AND role.kind IN ({kinds}))"""  # noqa: S608
        return RecipientSet(sql=sql, params=params)
    # A member with a login is told under their user id, one without under their member id.
    columns = bulk.member_columns(dedupe_prefix=prefix, by_login=True)
    arrears = ""
    if announcement.audience == Announcement.Audience.ARREARS:
        # As services.savings.board_selectors.arrears(): an open bill past its due date.
        params["today"] = today or timezone.localdate()
        arrears = f"""AND EXISTS (SELECT 1 FROM {BILL} b
                                  WHERE b.member_id = m.id AND b.status = 'open'
                                    AND b.due_date < %(today)s)"""  # noqa: S608
    sql = f"""
        SELECT {columns}, '' AS variant
          FROM {MEMBER} m
          LEFT JOIN {USER} u ON u.id = m.user_id
         WHERE m.cooperative_id = %(coop)s AND m.status = 'active' {arrears}"""  # noqa: S608
    return RecipientSet(sql=sql, params=params)


@transaction.atomic
def announcement_create(
    *, cooperative: Cooperative, author: User, audience: str, title: str, body: str
) -> Announcement:
    """The board sends a message to an audience; it is fanned out in the background."""
    if not Role.objects.filter(cooperative=cooperative, user=author, kind=Role.Kind.BOARD).exists():
        raise DomainError(_("Only the board can send announcements."))
    if audience not in Announcement.Audience.values:
        raise DomainError(_("Choose who the announcement is for."), field="audience")
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError(_("Write a title."), field="title")
    if len(title) > Announcement._meta.get_field("title").max_length:
        raise DomainError(_("The title is too long."), field="title")
    if not body:
        raise DomainError(_("Write the message."), field="body")
    if len(body) > Announcement._meta.get_field("body").max_length:
        raise DomainError(_("The message is too long."), field="body")
    announcement = Announcement.objects.create(
        cooperative=cooperative, author=author, audience=audience, title=title, body=body
    )
    event_record(
        kind=EVENT,
        actor=author,
        cooperative=cooperative,
        data={"announcement_id": announcement.pk, "audience": audience, "title": title},
    )
    transaction.on_commit(lambda: queue_fan_out(announcement.pk))
    return announcement


def queue_fan_out(announcement_id: int) -> None:
    """Queue the fan-out; a broker that is down is logged, never raised (the board's page
    must not fail): `announcement_resume` starts it later."""
    try:
        announcement_fan_out.delay(announcement_id)
    except Exception:
        log.warning("Could not queue announcement %s; it will be resumed", announcement_id)


def announcement_send(
    *, announcement_id: int, chunk_size: int = bulk.CHUNK_SIZE, publish: bool = True
) -> bulk.BulkResult:
    """Fan an announcement out to its audience, chunk by chunk; idempotent."""
    announcement = Announcement.objects.select_related("cooperative").get(pk=announcement_id)
    total = bulk.BulkResult()
    if announcement.status == Announcement.Status.DONE:
        return total
    recipients = audience_recipients(announcement)
    # The board's own words, stored as plain text: escaped where shown, never rendered as HTML.
    context = {"title": mark_safe(announcement.title), "body": mark_safe(announcement.body)}  # noqa: S308
    texts = bulk.render_texts(
        kind=KIND,
        pairs=[(code, "") for code, _name in settings.LANGUAGES],
        context_for=lambda variant: context,
        cooperative=announcement.cooperative,
        link="",
    )
    count, chunks = bulk.chunks_of(recipients, chunk_size)
    Announcement.objects.filter(pk=announcement_id).update(
        status=Announcement.Status.SENDING, total=count, done=0
    )
    for chunk in chunks:
        with transaction.atomic():
            result = bulk.bulk_write(
                kind=KIND,
                cooperative=announcement.cooperative,
                recipients=recipients,
                texts=texts,
                chunk=chunk,
            )
            # The chunk's absolute position, not an increment: a rerun cannot overshoot.
            Announcement.objects.filter(pk=announcement_id, done__lt=chunk.position).update(
                done=chunk.position
            )
        total.add(result)
        if publish and result.pending:
            bulk.publish_batches(result.pending)
    Announcement.objects.filter(pk=announcement_id).update(
        status=Announcement.Status.DONE, total=count, done=count
    )
    return total


@shared_task(acks_late=True, ignore_result=True)
def announcement_fan_out(announcement_id: int) -> int:
    """Write an announcement's notifications and deliveries; returns how many were new."""
    return announcement_send(announcement_id=announcement_id).notifications


@shared_task(ignore_result=True)
def announcement_resume() -> int:
    """Beat: start again fan-outs that never started (broker down) or whose worker died."""
    stalled = timezone.now() - STALLED_AFTER
    ids = list(
        Announcement.objects.filter(
            Q(status=Announcement.Status.QUEUED) | Q(status=Announcement.Status.SENDING),
            created_at__lt=stalled,
        ).values_list("pk", flat=True)[:100]
    )
    for announcement_id in ids:
        queue_fan_out(announcement_id)
    return len(ids)


def audience_sizes(*, cooperative: Cooperative) -> dict[str, int]:
    """How many people each audience reaches now (one query per audience)."""
    sizes = {}
    with connection.cursor() as cursor:
        for audience in Announcement.Audience.values:
            recipients = audience_recipients(
                Announcement(pk=0, cooperative=cooperative, audience=audience)
            )
            cursor.execute(
                f"SELECT COUNT(*) FROM ({recipients.sql}) r",  # noqa: S608
                recipients.params,
            )
            sizes[audience] = cursor.fetchone()[0]
    return sizes


def announcements_for(*, cooperative: Cooperative):
    """The cooperative's announcements, newest first, with their authors."""
    return Announcement.objects.filter(cooperative=cooperative).select_related("author")
