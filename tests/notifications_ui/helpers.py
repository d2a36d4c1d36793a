"""Shared helpers for the notification UI tests."""

from __future__ import annotations

import datetime as dt
import re

from koperasi.models import User
from koperasi.notifications.models import Delivery, Notification
from members.models import Member

BASE = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)


def make_notification(
    user,
    *,
    title: str = "Hello",
    body: str = "A message.",
    link: str = "",
    minutes: int = 0,
    read: bool = False,
    channels: tuple[str, ...] = ("inapp",),
    cooperative=None,
) -> Notification:
    """A notification `minutes` after BASE, delivered on `channels`."""
    created = BASE + dt.timedelta(minutes=minutes)
    notification = Notification.objects.create(
        recipient=user,
        to_email=user.email,
        kind="announcement",
        title=title,
        body=body,
        link=link,
        cooperative=cooperative,
        created_at=created,
        read_at=created if read else None,
    )
    for channel in channels:
        Delivery.objects.create(
            notification=notification,
            channel=channel,
            status=Delivery.Status.SENT if channel == "inapp" else Delivery.Status.PENDING,
        )
    return notification


def listed_ids(html: str) -> list[int]:
    """The notification ids of the inbox rows, in page order."""
    return [int(pk) for pk in re.findall(r'<li id="notification-(\d+)"', html)]


def unread_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="notification-(\d+)" class="unread"', html)]


def header_count(html: str) -> str | None:
    """The number in the header's inbox badge, or None when there is no badge."""
    match = re.search(r'id="inbox-count"[^>]*>([^<]+)<', html)
    return match.group(1) if match else None


def snapshot() -> list[tuple]:
    """Every notification and delivery with its state: a refusal changes none of them."""
    return [
        *Notification.objects.order_by("pk").values_list("pk", "recipient_id", "read_at"),
        *Delivery.objects.order_by("pk").values_list("pk", "notification_id", "channel", "status"),
    ]


def bulk_members(cooperative, count: int) -> None:
    """`count` active members with logins and emails, inserted in bulk (fast)."""
    start = User.objects.count()
    users = User.objects.bulk_create(
        [
            User(email=f"bulk{start + i}@example.test", full_name=f"Anggota {i}")
            for i in range(count)
        ]
    )
    first = Member.objects.filter(cooperative=cooperative).order_by("-number").first()
    number = first.number if first else 0
    Member.objects.bulk_create(
        [
            Member(
                cooperative=cooperative,
                user=user,
                number=number + i + 1,
                full_name=user.full_name,
                nik=f"32730{cooperative.pk:03d}{number + i:08d}",
                birth_date=dt.date(1990, 1, 1),
                gender="m",
                phone="+6281200000000",
                address="Bandung",
                status=Member.Status.ACTIVE,
                joined_on=dt.date(2026, 1, 1),
            )
            for i, user in enumerate(users)
        ]
    )
