"""The in-app inbox and notification preferences: reads (selectors) and the person's own
small writes (marking read, saving preferences).

The inbox holds a person's notifications that went out in-app (a notification muted in-app,
or of a kind that is never in-app, exists only for its email or SMS). Every lookup is by
`recipient=user`, so another person's notification id is simply not found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from koperasi.models import User
from koperasi.notifications.kinds import EMAIL, INAPP, KINDS, SMS, Kind
from koperasi.notifications.models import Delivery, Notification, Preference

PAGE_SIZE = 20
#: The header shows "99+" beyond this: counting stops there, so the query stays cheap.
UNREAD_CAP = 100


def inbox_for(*, user: User) -> QuerySet[Notification]:
    """The person's in-app notifications, newest first."""
    in_app = Delivery.objects.filter(notification=OuterRef("pk"), channel=INAPP)
    return Notification.objects.filter(Exists(in_app), recipient=user).order_by(
        "-created_at", "-id"
    )


@dataclass(frozen=True)
class InboxPage:
    items: list[Notification]
    next_cursor: str | None


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def cursor_of(notification: Notification) -> str:
    """`<microseconds since the epoch>-<id>` of the last item shown (exact, no float)."""
    return f"{(notification.created_at - EPOCH) // MICROSECOND}-{notification.pk}"


def parse_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """The (created_at, id) a cursor names; ValueError if it names none."""
    micros, _, pk = cursor.partition("-")
    return EPOCH + int(micros) * MICROSECOND, int(pk)


def inbox_page(*, user: User, cursor: str | None = None, size: int = PAGE_SIZE) -> InboxPage:
    """One page of the inbox after `cursor` (keyset paging: new arrivals shift nothing)."""
    notifications = (
        inbox_for(user=user)
        .select_related("cooperative")
        .only("id", "kind", "title", "body", "link", "read_at", "created_at", "cooperative__name")
    )
    if cursor:
        when, pk = parse_cursor(cursor)
        notifications = notifications.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    items = list(notifications[: size + 1])
    more = len(items) > size
    items = items[:size]
    return InboxPage(items=items, next_cursor=cursor_of(items[-1]) if more else None)


def unread_count(*, user: User) -> int:
    """Unread in-app notifications, counted up to UNREAD_CAP (one query on the partial index
    notification_unread_idx)."""
    if not user.is_authenticated:
        return 0
    return inbox_for(user=user).filter(read_at__isnull=True).order_by()[:UNREAD_CAP].count()


def notification_for(*, user: User, notification_id: int) -> Notification:
    """The person's own notification; Notification.DoesNotExist for anyone else's."""
    return inbox_for(user=user).select_related("cooperative").get(pk=notification_id)


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once: the first reading time stays)."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the person read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def safe_link(link: str) -> str:
    """The notification's link if it stays inside the portal ("/..."), else ""."""
    if (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    ):
        return link
    return ""


# --- Preferences ---------------------------------------------------------------------------


def preference_channels() -> tuple[str, ...]:
    """The channels a person can choose: SMS/WhatsApp only when a gateway is configured."""
    return (INAPP, EMAIL, SMS) if settings.NOTIFY_GATEWAY_URL else (INAPP, EMAIL)


@dataclass(frozen=True)
class PreferenceRow:
    kind: Kind
    chosen: frozenset[str]

    @property
    def security(self) -> bool:
        return self.kind.security


def preferences_for(*, user: User) -> list[PreferenceRow]:
    """Every kind with the channels that apply to the person now (one query)."""
    saved = {p.kind: p for p in Preference.objects.filter(user=user)}
    return [
        PreferenceRow(kind=kind, chosen=_effective(kind, saved.get(kind.key)))
        for kind in KINDS.values()
    ]


def _effective(kind: Kind, preference: Preference | None) -> frozenset[str]:
    """As `outbox.channels_for` decides: a saved row replaces the kind's defaults, except for
    security kinds."""
    if preference is None or kind.security:
        return frozenset(kind.channels)
    return frozenset(c for c in (INAPP, EMAIL, SMS) if getattr(preference, c))


@transaction.atomic
def preferences_save(*, user: User, chosen: dict[str, set[str]]) -> None:
    """Save the person's channels per kind. Security kinds cannot be muted: whatever is sent
    for them is ignored. A choice equal to the kind's defaults is stored as no row, so a later
    change of the defaults reaches the person. Channels not offered (SMS without a gateway)
    keep their current setting. Three queries."""
    offered = set(preference_channels())
    current = {row.kind.key: row.chosen for row in preferences_for(user=user)}
    keep_default, rows = [], []
    for kind in KINDS.values():
        if kind.security:
            keep_default.append(kind.key)
            continue
        wanted = (set(chosen.get(kind.key, set())) & offered) | (current[kind.key] - offered)
        if wanted == set(kind.channels):
            keep_default.append(kind.key)
        else:
            rows.append(
                Preference(
                    user=user,
                    kind=kind.key,
                    inapp=INAPP in wanted,
                    email=EMAIL in wanted,
                    sms=SMS in wanted,
                )
            )
    Preference.objects.filter(user=user, kind__in=keep_default).delete()
    if rows:
        Preference.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["user", "kind"],
            update_fields=["inapp", "email", "sms"],
        )
