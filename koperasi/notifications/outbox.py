"""`notify()`: the one entry point. It writes notifications and their deliveries in the
caller's transaction (the transactional outbox) and asks Celery to deliver them after commit.

If the broker is down the publish fails quietly: the rows are committed and the sweeper
(`koperasi.notifications.tasks.sweep`, every minute on beat) delivers them later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from koperasi.models import Cooperative, User
from koperasi.notifications.kinds import EMAIL, INAPP, SMS, kind_for
from koperasi.notifications.models import Delivery, Notification, Preference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """Who to tell: a login, or just an address (an applicant who has no login yet)."""

    user: User | None = None
    email: str = ""
    phone: str = ""
    language: str = ""

    @classmethod
    def of_user(cls, user: User) -> Recipient:
        return cls(user=user, email=user.email, phone=user.phone, language=user.language)

    @classmethod
    def of_member(cls, member) -> Recipient:
        user = member.user
        return cls(
            user=user,
            email=(user.email if user else "") or member.email,
            phone=member.phone or (user.phone if user else ""),
            language=(user.language if user else "") or settings.LANGUAGE_CODE,
        )


def render(kind_key: str, context: dict, language: str) -> tuple[str, str]:
    """The title and body of a notification, in one language, from the kind's template."""
    template = kind_for(kind_key).template
    with translation.override(language or settings.LANGUAGE_CODE):
        title = render_to_string(f"{template}#title", context).strip()
        body = render_to_string(f"{template}#body", context).strip()
    return title[:200], body


def channels_for(kind_key: str, recipient: Recipient, preferences: dict) -> list[str]:
    kind = kind_for(kind_key)
    wanted = set(kind.channels)
    preference = preferences.get((recipient.user.pk, kind_key)) if recipient.user else None
    if preference is not None and not kind.security:
        chosen = {c for c in (INAPP, EMAIL, SMS) if getattr(preference, c)}
        wanted = chosen & {INAPP, EMAIL, SMS}
    reachable = {
        INAPP: recipient.user is not None,
        EMAIL: bool(recipient.email),
        SMS: bool(recipient.phone) and bool(settings.NOTIFY_GATEWAY_URL),
    }
    return [c for c in (INAPP, EMAIL, SMS) if c in wanted and reachable[c]]


def notify(
    *,
    kind: str,
    recipients: Iterable[Recipient],
    cooperative: Cooperative | None = None,
    context: dict | None = None,
    link: str = "",
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Tell people something, on the channels they chose; exactly once per `dedupe_key`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify() must run inside the transaction of the change it reports")
    kind_for(kind)
    recipients = list(recipients)
    users = [r.user.pk for r in recipients if r.user]
    preferences = {
        (p.user_id, p.kind): p for p in Preference.objects.filter(user_id__in=users, kind=kind)
    }
    context = {**(context or {}), "cooperative": cooperative, "link": link}
    keys = [
        f"{dedupe_key}:{index}:{recipient.user.pk if recipient.user else recipient.email}"
        for index, recipient in enumerate(recipients)
    ]
    already = (
        set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        if dedupe_key
        else set()
    )
    now = timezone.now()
    todo: list[tuple[Recipient, Notification]] = []
    for recipient, key in zip(recipients, keys, strict=True):
        if dedupe_key and key in already:
            continue
        language = recipient.language or settings.LANGUAGE_CODE
        title, body = render(kind, {**context, "recipient": recipient}, language)
        notification = Notification(
            recipient=recipient.user,
            to_email=recipient.email,
            to_phone=recipient.phone,
            cooperative=cooperative,
            kind=kind,
            title=title,
            body=body,
            link=link,
            language=language,
            dedupe_key=key if dedupe_key else None,
            created_at=now,
        )
        todo.append((recipient, notification))
    created = Notification.objects.bulk_create([notification for _, notification in todo])
    deliveries = [
        Delivery(
            notification=notification,
            channel=channel,
            # The inbox row is the in-app delivery: nothing to send.
            status=Delivery.Status.SENT if channel == INAPP else Delivery.Status.PENDING,
            sent_at=now if channel == INAPP else None,
            next_attempt_at=now,
        )
        for recipient, notification in todo
        for channel in channels_for(kind, recipient, preferences)
    ]
    Delivery.objects.bulk_create(deliveries)
    pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
    if pending:
        transaction.on_commit(lambda: publish(pending))
    return created


def publish(delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery after commit. A broker outage is logged, never raised: the
    user's change is already committed, and the sweeper publishes the rows later."""
    from koperasi.notifications.tasks import PUBLISH_RETRY, deliver

    for delivery_id in delivery_ids:
        try:
            deliver.apply_async((delivery_id,), retry_policy=PUBLISH_RETRY)
        except OperationalError:  # the broker is down: the rest would fail (slowly) as well
            log.warning(
                "Broker unreachable: %d deliveries left for the sweeper",
                len(delivery_ids) - delivery_ids.index(delivery_id),
            )
            return
        except Exception:  # in-process mode runs the task here; one bad row must not stop others
            log.exception("Could not deliver %s; the sweeper will retry", delivery_id)
