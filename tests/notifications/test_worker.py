"""A real Celery worker on the real Redis broker delivers what the portal writes; a broker outage
never fails the teller's request, and the sweeper delivers what it missed, exactly once."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from koperasi.notifications.models import Delivery, Notification
from koperasi.notifications.tasks import sweep
from services.ledger.models import JournalEntry
from tests.conftest import client_for
from tests.notifications.helpers import (
    broker_down,
    deposit,
    deposit_notification,
    email_deliveries,
    member_with_login,
    running_worker,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _all_sent() -> bool:
    return not email_deliveries().exclude(status="sent").exists()


def test_a_deposit_reaches_the_member_by_email_and_in_the_inbox(cooperative, celery_worker):
    member = member_with_login(cooperative, language="en")
    # The welcome message of the admission goes out first.
    assert wait_for(_all_sent)
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    mail.outbox.clear()

    deposit(member, 1_250_000)

    assert wait_for(lambda: len(celery_worker) == 2)
    assert wait_for(_all_sent)
    delivery = deposit_notification(member).deliveries.get(channel="email")
    assert celery_worker[-1] == ("koperasi.notifications.tasks.deliver", [delivery.pk], "sent")
    (message,) = mail.outbox
    assert message.subject == "Portal Koperasi: Deposit received: Rp 1.250.000"
    assert message.to == [member.user.email]
    inbox = Notification.objects.filter(recipient=member.user, kind="savings.deposited")
    assert inbox.count() == 1
    assert inbox.get().read_at is None
    assert sorted(inbox.get().deliveries.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1),
        ("inapp", "sent", 0),
    ]


def test_a_broker_outage_never_fails_the_deposit_and_the_sweeper_delivers_later(
    cooperative, teller, celery_queue, settings
):
    member = member_with_login(cooperative)  # its welcome email is queued on the live broker
    form = {
        "number": member.number,
        "direction": "deposit",
        "kind": "sukarela",
        "amount": "1.250.000",
        "channel": "cash",
        "idempotency_key": "outage-1",
    }

    with broker_down():
        started = time.monotonic()
        response = client_for(teller).post(f"/k/{cooperative.slug}/kelola/kas/", form)
        elapsed = time.monotonic() - started

    entry = JournalEntry.objects.get(kind="deposit")
    assert response.status_code == 302
    assert response["Location"] == f"/k/{cooperative.slug}/kelola/transaksi/{entry.pk}/"
    assert elapsed < 5  # a dead broker costs the request a moment, not a timeout
    delivery = deposit_notification(member).deliveries.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert mail.outbox == []

    # The broker is back. Beat's sweeper publishes everything pending: the deposit's email and
    # the welcome email (already on the queue once), and a second sweep publishes both again.
    settings.NOTIFY_SWEEP_AFTER = 0
    assert sweep() == 2
    assert sweep() == 2
    with running_worker(celery_queue) as ran:
        assert wait_for(lambda: len(ran) == 5)

    assert sorted(outcome for _task, _args, outcome in ran) == ["sent"] * 2 + ["skipped"] * 3
    deliveries = email_deliveries()
    assert deliveries.count() == 2
    assert len(mail.outbox) == deliveries.count()  # each exactly once
    assert sorted(m.to[0] for m in mail.outbox) == [member.user.email] * 2
    assert set(deliveries.values_list("status", "attempts")) == {("sent", 1)}
    assert sweep() == 0
    assert Delivery.objects.filter(status__in=["pending", "sending", "failed"]).count() == 0
