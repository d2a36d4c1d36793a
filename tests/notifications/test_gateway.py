"""SMS/WhatsApp through the gateway: a real HTTP server on 127.0.0.1 plays the provider.

2xx: sent. 5xx or a timeout: retried with backoff, then failed after NOTIFY_MAX_ATTEMPTS.
4xx: failed at once (retrying cannot fix a refused number)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from koperasi.notifications.models import Delivery, Notification
from koperasi.notifications.tasks import deliver
from services.savings.actions import savings_withdraw
from tests.notifications.helpers import deposit, member_with_login, queued

PHONE = "+6281234567890"


@pytest.fixture
def withdrawal_sms(cooperative, gateway) -> Delivery:
    """A withdrawal (a security message: in-app, email and SMS) by a member with a phone."""
    member = member_with_login(cooperative, phone=PHONE)
    deposit(member, 500_000)
    savings_withdraw(member=member, amount=200_000, channel="cash", acting_user=None)
    notification = Notification.objects.get(kind="savings.withdrawn")
    return notification.deliveries.get(channel="sms")


def _due_now(delivery: Delivery) -> None:
    """Time passes: the retry is due."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_an_sms_goes_to_the_gateway_as_json_with_the_bearer_token(gateway, withdrawal_sms):
    assert deliver(withdrawal_sms.pk) == "sent"

    (request,) = gateway.requests
    notification = withdrawal_sms.notification
    assert request["path"] == "/send"
    assert request["content_type"] == "application/json"
    assert request["authorization"] == "Bearer gateway-token-123"
    assert request["idempotency_key"] == f"notification-{notification.pk}"
    assert request["body"] == {
        "phone": PHONE,
        "text": f"{notification.title}\n{notification.body}",
        "reference": str(notification.pk),
    }
    assert "Rp 200.000" in request["body"]["text"]
    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts, withdrawal_sms.last_error) == (
        "sent",
        1,
        "",
    )
    assert withdrawal_sms.sent_at is not None


@pytest.mark.django_db
def test_a_gateway_error_is_retried_with_backoff_then_fails(
    gateway, withdrawal_sms, celery_queue, settings
):
    gateway.status = 500
    gateway.answer = {"error": "upstream down"}
    before = timezone.now()

    assert deliver(withdrawal_sms.pk) == "retry"

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("pending", 1)
    # 60 s backoff plus up to 50 % jitter
    assert before + dt.timedelta(seconds=60) <= withdrawal_sms.next_attempt_at
    assert withdrawal_sms.next_attempt_at <= timezone.now() + dt.timedelta(seconds=90)
    assert withdrawal_sms.last_error.startswith("GatewayError: gateway failed: HTTP 500")
    assert "upstream down" in withdrawal_sms.last_error
    (retry,) = queued(celery_queue)  # the retry waits on the broker for its time
    assert retry["args"] == [withdrawal_sms.pk]
    assert dt.datetime.fromisoformat(retry["eta"]) == withdrawal_sms.next_attempt_at
    assert deliver(withdrawal_sms.pk) == "skipped"  # not due yet

    _due_now(withdrawal_sms)
    assert deliver(withdrawal_sms.pk) == "retry"
    withdrawal_sms.refresh_from_db()
    assert withdrawal_sms.attempts == 2
    # the second wait is twice the first: 120 s plus jitter
    assert withdrawal_sms.next_attempt_at >= timezone.now() + dt.timedelta(seconds=119)

    _due_now(withdrawal_sms)
    assert deliver(withdrawal_sms.pk) == "failed"  # the third of NOTIFY_MAX_ATTEMPTS = 3

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("failed", 3)
    assert "HTTP 500" in withdrawal_sms.last_error
    assert len(gateway.requests) == 3
    _due_now(withdrawal_sms)
    assert deliver(withdrawal_sms.pk) == "skipped"  # failed is final until the board retries
    assert len(gateway.requests) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_refusal_by_the_gateway_fails_at_once(gateway, withdrawal_sms, celery_queue, status):
    gateway.status = status
    gateway.answer = {"error": "invalid phone number"}

    assert deliver(withdrawal_sms.pk) == "failed"

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("failed", 1)
    assert withdrawal_sms.last_error.startswith(f"gateway refused: HTTP {status}")
    assert "invalid phone number" in withdrawal_sms.last_error
    assert "gateway-token-123" not in withdrawal_sms.last_error
    assert len(gateway.requests) == 1
    assert queued(celery_queue) == []  # no retry queued


@pytest.mark.django_db
@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_a_passing_gateway_trouble_is_retried(gateway, withdrawal_sms, status):
    gateway.status = status

    assert deliver(withdrawal_sms.pk) == "retry"

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("pending", 1)
    assert f"HTTP {status}" in withdrawal_sms.last_error


@pytest.mark.django_db
def test_a_gateway_that_does_not_answer_in_time_is_retried(gateway, withdrawal_sms):
    gateway.hang = True  # NOTIFY_GATEWAY_TIMEOUT is 0.5 s in these tests

    assert deliver(withdrawal_sms.pk) == "retry"

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("pending", 1)
    assert "timed out" in withdrawal_sms.last_error
    assert withdrawal_sms.next_attempt_at > timezone.now()
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried(gateway, withdrawal_sms, settings):
    settings.NOTIFY_GATEWAY_URL = "http://127.0.0.1:1/send"  # nothing listens there

    assert deliver(withdrawal_sms.pk) == "retry"

    withdrawal_sms.refresh_from_db()
    assert (withdrawal_sms.status, withdrawal_sms.attempts) == ("pending", 1)
    assert "Connection refused" in withdrawal_sms.last_error


@pytest.mark.django_db
def test_without_a_gateway_no_sms_is_even_queued(cooperative, settings):
    settings.NOTIFY_GATEWAY_URL = ""
    member = member_with_login(cooperative, phone=PHONE)
    deposit(member, 500_000)

    savings_withdraw(member=member, amount=200_000, channel="cash", acting_user=None)

    notification = Notification.objects.get(kind="savings.withdrawn")
    assert sorted(notification.deliveries.values_list("channel", flat=True)) == ["email", "inapp"]
