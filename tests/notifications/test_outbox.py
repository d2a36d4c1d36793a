"""The transactional outbox: a notification is written with the change that caused it, and is
handed to the broker only once that change has committed."""

from __future__ import annotations

import pytest
from django.db import transaction

from koperasi.notifications.models import Delivery, Notification
from services.ledger.models import JournalEntry
from tests.notifications.helpers import deposit, member_with_login, queued


class AfterDepositError(Exception):
    """Something later in the same request fails."""


def deposit_then_fail(member) -> None:
    with transaction.atomic():
        deposit(member, 1_250_000)
        assert Notification.objects.filter(kind="savings.deposited").exists()
        raise AfterDepositError


@pytest.mark.django_db
def test_a_deposit_writes_its_notification_and_publishes_it_only_after_commit(
    cooperative, celery_queue, django_capture_on_commit_callbacks
):
    member = member_with_login(cooperative)

    with django_capture_on_commit_callbacks() as callbacks:
        deposit(member, 1_250_000)
        # Written in the deposit's transaction, not yet on the broker.
        notification = Notification.objects.get(kind="savings.deposited")
        assert queued(celery_queue) == []

    assert notification.recipient == member.user
    assert notification.cooperative == cooperative
    assert "Rp 1.250.000" in notification.title
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert set(deliveries) == {"inapp", "email"}
    assert deliveries["inapp"].status == Delivery.Status.SENT  # the inbox row itself
    assert deliveries["email"].status == Delivery.Status.PENDING
    assert deliveries["email"].attempts == 0
    assert len(callbacks) == 1

    callbacks[0]()  # what the commit runs

    assert queued(celery_queue) == [
        {
            "task": "koperasi.notifications.tasks.deliver",
            "args": [deliveries["email"].pk],
            "eta": None,
        }
    ]


@pytest.mark.django_db
def test_a_rolled_back_deposit_leaves_no_notification_and_publishes_nothing(
    cooperative, celery_queue, django_capture_on_commit_callbacks
):
    member = member_with_login(cooperative)
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(AfterDepositError):
        deposit_then_fail(member)

    assert not Notification.objects.filter(kind="savings.deposited").exists()
    assert not Delivery.objects.filter(notification__kind="savings.deposited").exists()
    assert Notification.objects.count() == before
    assert not JournalEntry.objects.filter(kind="deposit").exists()
    assert callbacks == []
    assert queued(celery_queue) == []


@pytest.mark.django_db
def test_the_same_event_never_notifies_twice(cooperative):
    from koperasi.models import Event
    from koperasi.notifications.wiring import notify_for_event

    member = member_with_login(cooperative)
    deposit(member, 50_000)
    event = Event.objects.get(kind="savings.deposited")

    with transaction.atomic():
        notify_for_event(event)  # a replay of the same event

    assert Notification.objects.filter(kind="savings.deposited").count() == 1
    assert Delivery.objects.filter(notification__kind="savings.deposited").count() == 2
