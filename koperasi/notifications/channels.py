"""The ways a notification leaves the portal. Each sender raises `PermanentError` for what a
retry cannot fix and any other exception for what it may (timeouts, 5xx, a dropped SMTP)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from koperasi.notifications.models import Notification

#: An SMTP server that never answers must not hold a worker (Django's default is no timeout).
EMAIL_TIMEOUT = 30


class PermanentError(Exception):
    """Retrying will not help (a refused address, a 4xx from the gateway)."""


def send_email(notification: Notification) -> None:
    """Text and HTML alternatives in the recipient's language; the subject carries the title."""
    if not notification.to_email:
        raise PermanentError("no email address")
    context = {"notification": notification, "portal_url": settings.PORTAL_URL.rstrip("/")}
    with translation.override(notification.language):
        text = render_to_string("notifications/email.txt", context)
        html = render_to_string("notifications/email.html", context)
    message = EmailMultiAlternatives(
        # One line: a title typed with a line break must not make the message unsendable.
        subject=" ".join(f"{settings.PORTAL_NAME}: {notification.title}".split()),
        body=text,
        to=[notification.to_email],
        headers={"X-Koperasi-Notification": str(notification.pk)},
        connection=get_connection(
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or EMAIL_TIMEOUT
        ),
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_sms(notification: Notification) -> None:
    """POST {"phone", "text", "reference"} as JSON with a bearer token to the configured gateway,
    so that any SMS or WhatsApp provider can sit behind it. 2xx: sent; 4xx (but 408 and 429):
    refused for good; 5xx, 408, 429, a timeout or a refused connection: try again later."""
    url = settings.NOTIFY_GATEWAY_URL
    if not url:
        raise PermanentError("no SMS/WhatsApp gateway configured")
    if not notification.to_phone:
        raise PermanentError("no phone number")
    text = f"{notification.title}\n{notification.body}"[:640]
    payload = json.dumps(
        {"phone": notification.to_phone, "text": text, "reference": str(notification.pk)}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.NOTIFY_GATEWAY_TOKEN}",
            "Idempotency-Key": f"notification-{notification.pk}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_GATEWAY_TIMEOUT):  # noqa: S310
            return
    except urllib.error.HTTPError as error:
        detail = _error_detail(error)
        if 400 <= error.code < 500 and error.code not in {408, 429}:
            raise PermanentError(f"gateway refused: HTTP {error.code}{detail}") from error
        raise GatewayError(f"gateway failed: HTTP {error.code}{detail}") from error


class GatewayError(Exception):
    """The gateway answered with an error that may pass (5xx, 408, 429)."""


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The start of the gateway's answer, for the board's failure list (never our token)."""
    try:
        text = error.read(300).decode("utf-8", "replace").strip()
    except Exception:  # the body is a courtesy: never let it mask the status
        return ""
    return f": {' '.join(text.split())}" if text else ""


SENDERS = {"email": send_email, "sms": send_sms}
