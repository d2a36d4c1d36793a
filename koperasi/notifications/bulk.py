"""Set-based notify: tell many people at once with a few statements, not a query per person.

`notify()` (outbox.py) renders and inserts one notification at a time, which is right for the
one member a deposit concerns. An announcement to 50,000 members, or the month-end notices,
use this module instead:

- the recipients are a `RecipientSet`: one SQL SELECT giving, per person, a sort key, the login
  (or NULL), the email and phone to use, the language, the dedupe key and a *variant* (what
  differs in the text between people, e.g. the number of months overdue);
- each (language, variant) is rendered once with the kind's template (`outbox.render`);
- the notifications of a chunk are one `INSERT ... SELECT ... ON CONFLICT DO NOTHING
  RETURNING id` (the dedupe key is unique, so a rerun inserts nothing), and their deliveries
  one more `INSERT ... SELECT` that applies the kind's default channels, the person's
  `Preference` (ignored for security kinds) and who is reachable on what, exactly as
  `outbox.channels_for()` does for one person;
- people with no channel at all (a member without a login, for an in-app-only kind) get no row.

The SQL runs on PostgreSQL and on SQLite (the development database) alike.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from koperasi.models import Cooperative, User
from koperasi.notifications.kinds import EMAIL, INAPP, SMS, Kind, kind_for
from koperasi.notifications.models import Delivery, Notification, Preference
from koperasi.notifications.outbox import render

log = logging.getLogger(__name__)

#: How many recipients one chunk writes (one transaction of an announcement's fan-out).
CHUNK_SIZE = 2_000
#: How many deliveries one Celery message carries to a worker.
PUBLISH_BATCH = 100

NOTIFICATION = Notification._meta.db_table
DELIVERY = Delivery._meta.db_table
PREFERENCE = Preference._meta.db_table
USER = User._meta.db_table


@dataclass(frozen=True)
class RecipientSet:
    """A SELECT with the columns sort_key (unique, for chunking), user_id (NULL: no login),
    email, phone, language, dedupe_key and variant ('' when everyone reads the same text)."""

    sql: str
    params: dict = field(default_factory=dict)


@dataclass
class BulkResult:
    notifications: int = 0
    deliveries: int = 0
    pending: list[int] = field(default_factory=list)

    def add(self, other: BulkResult) -> None:
        self.notifications += other.notifications
        self.deliveries += other.deliveries
        self.pending.extend(other.pending)


@dataclass(frozen=True)
class Chunk:
    after: int  # sort_key > after
    upto: int  # sort_key <= upto
    position: int  # recipients up to and including this chunk


def member_columns(*, dedupe_prefix: str, by_login: bool = False) -> str:
    """The address columns of a member (alias m, login alias u), as `Recipient.of_member`
    picks them: the login's email, else the member's; the member's phone, else the login's.
    The dedupe key ends in the member id, or with `by_login` in the user id (`m<member id>`
    for a member without a login)."""
    language = sql_language("u.language")
    suffix = "CAST(m.id AS TEXT)"
    if by_login:
        suffix = "COALESCE(CAST(u.id AS TEXT), 'm' || CAST(m.id AS TEXT))"
    return f"""
        m.id AS sort_key,
        u.id AS user_id,
        COALESCE(NULLIF(u.email, ''), m.email, '') AS email,
        COALESCE(NULLIF(m.phone, ''), u.phone, '') AS phone,
        {language} AS language,
        {sql_literal(dedupe_prefix)} || {suffix} AS dedupe_key"""


def sql_language(column: str) -> str:
    """The person's language if the portal speaks it, else the default (members without a
    login have none)."""
    codes = ", ".join(sql_literal(code) for code, _name in settings.LANGUAGES)
    return (
        f"CASE WHEN {column} IN ({codes}) THEN {column} "
        f"ELSE {sql_literal(settings.LANGUAGE_CODE)} END"
    )


def sql_literal(text: str) -> str:
    """A string constant for SQL we write ourselves (codes and prefixes, never user input)."""
    if not all(c.isalnum() or c in "-_.:" for c in text):
        raise ValueError(f"not a safe SQL constant: {text!r}")
    return f"'{text}'"


def _wanted(kind: Kind, channel: str) -> str:
    """SQL: does the person (preference alias p) want `channel` for `kind`? Mirrors
    `outbox.channels_for`: a preference row replaces the kind's defaults, except for
    security kinds, which nobody can mute."""
    default = "TRUE" if channel in kind.channels else "FALSE"
    if kind.security:
        return default
    return f"((p.id IS NULL AND {default}) OR (p.id IS NOT NULL AND p.{channel}))"


def _reachable(channel: str, *, user: str, email: str, phone: str) -> str:
    if channel == INAPP:
        return f"{user} IS NOT NULL"
    if channel == EMAIL:
        return f"{email} <> ''"
    if not settings.NOTIFY_GATEWAY_URL:
        return "FALSE"
    return f"{phone} <> ''"


def _gets(kind: Kind, channel: str, *, user: str, email: str, phone: str) -> str:
    reachable = _reachable(channel, user=user, email=email, phone=phone)
    return f"({_wanted(kind, channel)} AND {reachable})"


def _any_channel(kind: Kind, **columns: str) -> str:
    return " OR ".join(_gets(kind, channel, **columns) for channel in (INAPP, EMAIL, SMS))


def _texts_sql(texts: dict[tuple[str, str], tuple[str, str]], params: dict) -> str:
    selects = []
    for index, ((language, variant), (title, body)) in enumerate(texts.items()):
        params.update(
            {
                f"t{index}_language": language,
                f"t{index}_variant": variant,
                f"t{index}_title": title,
                f"t{index}_body": body,
            }
        )
        selects.append(
            f"SELECT %(t{index}_language)s AS language, %(t{index}_variant)s AS variant, "
            f"%(t{index}_title)s AS title, %(t{index}_body)s AS body"
        )
    return " UNION ALL ".join(selects)


def _ids_in(column: str, ids: list[int], params: dict) -> str:
    if connection.vendor == "postgresql":
        params["ids"] = ids
        return f"{column} = ANY(%(ids)s)"
    params["ids"] = json.dumps(ids)
    return f"{column} IN (SELECT value FROM json_each(%(ids)s))"  # noqa: S608


def variants_of(recipients: RecipientSet) -> list[tuple[str, str]]:
    """The distinct (language, variant) pairs among the recipients (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT language, variant FROM ({recipients.sql}) r",  # noqa: S608
            recipients.params,
        )
        return [(language, variant) for language, variant in cursor.fetchall()]


def chunks_of(recipients: RecipientSet, size: int = CHUNK_SIZE) -> tuple[int, list[Chunk]]:
    """How many recipients there are and the sort-key ranges of chunks of `size` (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT sort_key, position, total FROM (
                    SELECT sort_key,
                           ROW_NUMBER() OVER (ORDER BY sort_key) AS position,
                           COUNT(*) OVER () AS total
                      FROM ({recipients.sql}) r
                ) ranked
                WHERE position %% %(size)s = 0 OR position = total
                ORDER BY sort_key""",  # noqa: S608
            {**recipients.params, "size": size},
        )
        rows = cursor.fetchall()
    chunks, after = [], -1
    for sort_key, position, _total in rows:
        chunks.append(Chunk(after=after, upto=sort_key, position=position))
        after = sort_key
    return (rows[-1][2] if rows else 0), chunks


def render_texts(
    *,
    kind: str,
    pairs: Iterable[tuple[str, str]],
    context_for: Callable[[str], dict],
    cooperative: Cooperative | None,
    link: str,
) -> dict[tuple[str, str], tuple[str, str]]:
    """Title and body for each (language, variant): rendered once, not once per person."""
    return {
        (language, variant): render(
            kind, {**context_for(variant), "cooperative": cooperative, "link": link}, language
        )
        for language, variant in pairs
    }


def bulk_write(
    *,
    kind: str,
    cooperative: Cooperative | None,
    recipients: RecipientSet,
    texts: dict[tuple[str, str], tuple[str, str]],
    link: str = "",
    chunk: Chunk | None = None,
) -> BulkResult:
    """Insert the notifications of (a chunk of) the recipients and their deliveries: two
    statements whatever the number of people. Rows whose dedupe key exists are skipped."""
    spec = kind_for(kind)
    if not texts:
        return BulkResult()
    now = timezone.now()
    params: dict = {
        **recipients.params,
        "kind": kind,
        "coop": cooperative.pk if cooperative else None,
        "link": link,
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    texts_sql = _texts_sql(texts, params)
    in_chunk = "TRUE"
    if chunk is not None:
        params.update(after=chunk.after, upto=chunk.upto)
        in_chunk = "r.sort_key > %(after)s AND r.sort_key <= %(upto)s"
    columns = {"user": "r.user_id", "email": "r.email", "phone": "r.phone"}
    in_app = _gets(spec, INAPP, **columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {NOTIFICATION}
                    (recipient_id, to_email, to_phone, cooperative_id, kind, title, body, link,
                     language, read_at, created_at, dedupe_key)
                SELECT r.user_id, r.email, r.phone, %(coop)s, %(kind)s, t.title, t.body,
                       %(link)s, r.language,
                       CASE WHEN {in_app} THEN NULL ELSE %(now)s END, %(now)s, r.dedupe_key
                  FROM ({recipients.sql}) r
                  JOIN ({texts_sql}) t ON t.language = r.language AND t.variant = r.variant
                  LEFT JOIN {PREFERENCE} p ON p.user_id = r.user_id AND p.kind = %(kind)s
                 WHERE {in_chunk} AND ({_any_channel(spec, **columns)})
                ON CONFLICT DO NOTHING
                RETURNING id""",  # noqa: S608 - every interpolated piece is our own SQL
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return BulkResult()
        delivery_params: dict = {
            "kind": kind,
            "now": params["now"],
            "sent": Delivery.Status.SENT,
            "pending": Delivery.Status.PENDING,
        }
        columns = {"user": "n.recipient_id", "email": "n.to_email", "phone": "n.to_phone"}
        per_channel = " OR ".join(
            f"(c.channel = {sql_literal(channel)} AND {_gets(spec, channel, **columns)})"
            for channel in (INAPP, EMAIL, SMS)
        )
        cursor.execute(
            f"""INSERT INTO {DELIVERY}
                    (notification_id, channel, status, attempts, last_error, next_attempt_at,
                     claimed_at, sent_at, created_at)
                SELECT n.id, c.channel,
                       CASE WHEN c.channel = 'inapp' THEN %(sent)s ELSE %(pending)s END,
                       0, '', %(now)s, NULL,
                       CASE WHEN c.channel = 'inapp' THEN %(now)s ELSE NULL END, %(now)s
                  FROM {NOTIFICATION} n
                 CROSS JOIN (SELECT 'inapp' AS channel UNION ALL SELECT 'email'
                             UNION ALL SELECT 'sms') c
                  LEFT JOIN {PREFERENCE} p ON p.user_id = n.recipient_id AND p.kind = %(kind)s
                 WHERE {_ids_in("n.id", ids, delivery_params)} AND ({per_channel})
                ON CONFLICT DO NOTHING
                RETURNING id, status""",  # noqa: S608
            delivery_params,
        )
        deliveries = cursor.fetchall()
    pending = sorted(pk for pk, status in deliveries if status == Delivery.Status.PENDING)
    return BulkResult(notifications=len(ids), deliveries=len(deliveries), pending=pending)


def bulk_notify(
    *,
    kind: str,
    cooperative: Cooperative | None,
    recipients: RecipientSet,
    context_for: Callable[[str], dict] = lambda variant: {},
    link: str = "",
) -> BulkResult:
    """Notify a whole recipient set inside the caller's transaction (the outbox), and
    publish the pending deliveries after commit. Three queries whatever the number of people."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bulk_notify() must run inside the transaction of its change")
    texts = render_texts(
        kind=kind,
        pairs=variants_of(recipients),
        context_for=context_for,
        cooperative=cooperative,
        link=link,
    )
    result = bulk_write(
        kind=kind, cooperative=cooperative, recipients=recipients, texts=texts, link=link
    )
    if result.pending:
        pending = list(result.pending)
        transaction.on_commit(lambda: publish_batches(pending))
    return result


def publish_batches(delivery_ids: list[int], batch: int = PUBLISH_BATCH) -> None:
    """Hand pending deliveries to workers, `batch` per message. A broker outage is logged,
    never raised: the rows are committed and the sweeper (tasks.sweep) sends them later."""
    for start in range(0, len(delivery_ids), batch):
        try:
            deliver_batch.delay(delivery_ids[start : start + batch])
        except Exception:
            log.warning(
                "Could not publish %s deliveries; the sweeper will retry",
                len(delivery_ids) - start,
            )
            return


@shared_task(acks_late=True, ignore_result=True)
def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send several deliveries in one task, each exactly as `tasks.deliver` does (it claims
    the row first, so a delivery also handed out by the sweeper is sent once)."""
    from koperasi.notifications.tasks import deliver

    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        try:
            outcome = deliver(delivery_id)
        except Exception:  # one bad row must not stop the rest; the sweeper retries it
            log.exception("Delivery %s failed unexpectedly", delivery_id)
            outcome = "error"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
