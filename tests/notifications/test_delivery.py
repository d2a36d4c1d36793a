"""Delivering: exactly once per channel, whoever runs the task and how often; the sweeper
re-publishes what is due and never what was sent; email in the recipient's language."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from koperasi.notifications.models import Delivery, Notification
from koperasi.notifications.outbox import Recipient, notify
from koperasi.notifications.tasks import deliver, sweep
from tests.factories import UserFactory
from tests.notifications.helpers import (
    deposit,
    deposit_notification,
    email_deliveries,
    member_with_login,
    queued,
)

DELIVER = "koperasi.notifications.tasks.deliver"


def _deposit_email(member) -> Delivery:
    return deposit_notification(member).deliveries.get(channel="email")


@pytest.mark.django_db
def test_a_delivery_run_twice_sends_once(cooperative):
    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)

    outcomes = [deliver(delivery.pk), deliver(delivery.pk)]

    assert outcomes == ["sent", "skipped"]
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None


@pytest.mark.django_db
def test_a_sent_delivery_is_skipped(cooperative):
    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)
    sent_at = timezone.now() - dt.timedelta(minutes=5)
    Delivery.objects.filter(pk=delivery.pk).update(status="sent", attempts=1, sent_at=sent_at)

    assert deliver(delivery.pk) == "skipped"

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("sent", 1, sent_at)


@pytest.mark.django_db
def test_a_delivery_not_yet_due_waits(cooperative):
    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)
    later = timezone.now() + dt.timedelta(minutes=1)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)

    assert deliver(delivery.pk) == "skipped"

    assert mail.outbox == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


@pytest.mark.django_db
def test_an_unknown_delivery_is_skipped():
    assert deliver(987_654_321) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_deliveries_at_once_send_each_once(cooperative):
    users = [UserFactory() for _ in range(8)]
    with transaction.atomic():
        notify(
            kind="announcement",
            recipients=[Recipient.of_user(user) for user in users],
            cooperative=cooperative,
            context={"title": "Rapat anggota", "body": "Sabtu jam 9."},
        )
    ids = list(email_deliveries().order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 8
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            start.wait(5)
            outcomes.extend(deliver(pk) for pk in ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(outcomes) == ["sent"] * 8 + ["skipped"] * 8
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert list(email_deliveries().values_list("status", "attempts").distinct()) == [("sent", 1)]


@pytest.mark.django_db
def test_the_sweeper_publishes_what_is_due_and_never_what_was_sent(
    cooperative, celery_queue, settings
):
    settings.NOTIFY_SWEEP_AFTER = 0
    sent, due = member_with_login(cooperative), member_with_login(cooperative)
    deposit(sent)
    deposit(due)
    Delivery.objects.filter(channel="email").exclude(pk=_deposit_email(due).pk).update(
        status="sent", attempts=1, sent_at=timezone.now()
    )

    published = sweep()

    assert published == 1
    assert queued(celery_queue) == [
        {"task": DELIVER, "args": [_deposit_email(due).pk], "eta": None}
    ]
    assert deliver(_deposit_email(due).pk) == "sent"
    assert sweep() == 0  # nothing left: the sent ones are never published again
    assert queued(celery_queue) == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_sweeper_publishes_a_waiting_delivery_once_per_grace_period(
    cooperative, celery_queue, settings
):
    settings.NOTIFY_SWEEP_AFTER = 120
    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)
    Delivery.objects.filter(channel="email").exclude(pk=delivery.pk).update(status="sent")
    lost = timezone.now() - dt.timedelta(minutes=5)  # its publish was lost 5 minutes ago
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=lost)

    first, second = sweep(), sweep()

    assert (first, second) == (1, 0)  # a backlog is not re-queued every minute
    assert [m["args"] for m in queued(celery_queue)] == [[delivery.pk]]
    assert deliver(delivery.pk) == "sent"


@pytest.mark.django_db
def test_the_sweeper_hands_out_again_a_dead_workers_claim(cooperative, celery_queue, settings):
    settings.NOTIFY_SWEEP_AFTER = 120
    settings.NOTIFY_CLAIM_TIMEOUT = 600
    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)
    Delivery.objects.filter(channel="email").exclude(pk=delivery.pk).update(status="sent")
    then = timezone.now() - dt.timedelta(minutes=11)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", claimed_at=then, next_attempt_at=then, attempts=1
    )
    fresh = member_with_login(cooperative)
    deposit(fresh)
    busy = _deposit_email(fresh)  # claimed a minute ago by a live worker: left alone
    recent = timezone.now() - dt.timedelta(minutes=1)
    Delivery.objects.filter(pk=busy.pk).update(
        status="sending", claimed_at=recent, next_attempt_at=recent - dt.timedelta(minutes=5)
    )

    assert sweep() == 1

    assert [m["args"] for m in queued(celery_queue)] == [[delivery.pk]]
    assert deliver(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert Delivery.objects.get(pk=busy.pk).status == "sending"


@pytest.mark.django_db
def test_a_late_outcome_does_not_overwrite_a_newer_claim(cooperative, settings):
    """A worker whose claim the sweeper gave away records nothing over the new claimant."""
    from koperasi.notifications.tasks import _finish

    member = member_with_login(cooperative)
    deposit(member)
    delivery = _deposit_email(member)
    old_claim = timezone.now() - dt.timedelta(minutes=20)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=old_claim)
    slow = Delivery.objects.get(pk=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now())  # re-claimed

    _finish(slow, Delivery.Status.FAILED, "timed out")

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("sending", "")


# --- Email -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_in_english_carries_the_title_text_and_html(cooperative):
    member = member_with_login(cooperative, language="en")
    deposit(member, 1_250_000)

    assert deliver(_deposit_email(member).pk) == "sent"

    (message,) = mail.outbox
    notification = deposit_notification(member)
    assert message.to == [member.user.email]
    assert message.subject == "Portal Koperasi: Deposit received: Rp 1.250.000"
    assert message.extra_headers["X-Koperasi-Notification"] == str(notification.pk)
    assert f"{cooperative.name} received your deposit of Rp 1.250.000" in message.body
    assert f"http://127.0.0.1:8000/k/{cooperative.slug}/anggota/" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    assert "Deposit received: Rp 1.250.000" in html
    assert f'href="http://127.0.0.1:8000/k/{cooperative.slug}/anggota/"' in html


@pytest.mark.django_db
def test_an_email_to_an_indonesian_speaker_is_in_indonesian(cooperative):
    member = member_with_login(cooperative)  # the default language
    deposit(member, 1_250_000)

    assert deliver(_deposit_email(member).pk) == "sent"

    (message,) = mail.outbox
    assert deposit_notification(member).language == "id"
    assert message.subject.startswith("Portal Koperasi: ")
    assert "Rp 1.250.000" in message.subject
    assert "Rp 1.250.000" in message.body
    ((html, _mimetype),) = message.alternatives
    assert '<html lang="id">' in html
    assert "Rp 1.250.000" in html


@pytest.mark.django_db
def test_an_email_without_an_address_fails_at_once(cooperative):
    user = UserFactory()
    with transaction.atomic():
        notify(
            kind="announcement",
            recipients=[Recipient(user=user, email="x@example.test")],
            context={"title": "T", "body": "B"},
        )
    delivery = email_deliveries().get(notification__recipient=user)
    Notification.objects.filter(pk=delivery.notification_id).update(to_email="")

    assert deliver(delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "no email address",
    )
    assert mail.outbox == []
