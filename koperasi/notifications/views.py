"""The person's inbox and notification preferences (personal pages, not under a cooperative)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.notifications import inbox
from koperasi.notifications.context_processors import unread_for
from koperasi.notifications.kinds import EMAIL, INAPP, SMS
from koperasi.notifications.models import Channel, Notification

TEMPLATE = "notifications/inbox.html"


def _own(request: HttpRequest, notification_id: int) -> Notification:
    """The person's own notification: 404 alike for missing and someone else's."""
    try:
        return inbox.notification_for(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None


def _counts(request: HttpRequest) -> dict:
    """The unread count for this page, shared with the header's context processor (counted
    once per request)."""
    return {"unread_notifications": unread_for(request), "unread_cap": inbox.UNREAD_CAP}


@require_GET
@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    """Newest first, 20 at a time; htmx "load more" asks for the next page after a cursor."""
    cursor = request.GET.get("cursor") or None
    try:
        page = inbox.inbox_page(user=request.user, cursor=cursor)
    except (ValueError, OverflowError):
        return HttpResponseBadRequest()
    context = {"page": page, "items": page.items, "first_page": cursor is None}
    if request.htmx and cursor:
        return render(request, f"{TEMPLATE}#more", context)
    return render(request, TEMPLATE, {**context, **_counts(request)})


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read; htmx swaps the row (and the header's count, out of band)."""
    notification = inbox.notification_mark_read(notification=_own(request, notification_id))
    if request.htmx:
        context = {"notification": notification, **_counts(request)}
        return render(request, f"{TEMPLATE}#row-swap", context)
    return redirect("notifications:inbox")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    inbox.notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")


@require_GET
@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Clicking an item: mark it read and follow its link (only links inside the portal)."""
    notification = inbox.notification_mark_read(notification=_own(request, notification_id))
    link = inbox.safe_link(notification.link)
    if link:
        return redirect(link)
    return redirect(f"{reverse('notifications:inbox')}#notification-{notification.pk}")


CHANNEL_LABELS = {INAPP: Channel.INAPP.label, EMAIL: Channel.EMAIL.label, SMS: Channel.SMS.label}


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Every kind x channel as a checkbox; security kinds stay on whatever is posted."""
    channels = inbox.preference_channels()
    if request.method == "POST":
        chosen: dict[str, set[str]] = {}
        for name in request.POST:
            key, _sep, channel = name.rpartition(":")
            if key and channel in channels:
                chosen.setdefault(key, set()).add(channel)
        inbox.preferences_save(user=request.user, chosen=chosen)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    rows = [
        {
            "kind": row.kind,
            "cells": [
                {
                    "channel": channel,
                    "name": f"{row.kind.key}:{channel}",
                    "on": channel in row.chosen,
                }
                for channel in channels
            ],
        }
        for row in inbox.preferences_for(user=request.user)
    ]
    context = {
        "rows": rows,
        "channels": [(channel, CHANNEL_LABELS[channel]) for channel in channels],
        "sms_available": bool(settings.NOTIFY_GATEWAY_URL),
    }
    return render(request, "notifications/preferences.html", context)
