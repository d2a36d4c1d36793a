"""The unread count in the header, on every page for people who are logged in."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from koperasi.notifications.inbox import UNREAD_CAP, unread_count


def unread_for(request: HttpRequest) -> int:
    """The person's unread count, counted at most once per request."""
    if not hasattr(request, "_unread_notifications"):
        user = getattr(request, "user", None)
        request._unread_notifications = (
            unread_count(user=user) if user is not None and user.is_authenticated else 0
        )
    return request._unread_notifications


def unread_notifications(request: HttpRequest) -> dict:
    """`unread_notifications`: counted once per request, and only if a template shows it
    (one COUNT on the partial index notification_unread_idx, capped at UNREAD_CAP)."""
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_for(request)),
        "unread_cap": UNREAD_CAP,
    }
