"""The board's list of undelivered messages (`kelola/notifikasi-gagal/`) and its retry."""

from __future__ import annotations

import pytest
from django.utils import timezone

from koperasi.models import Event
from koperasi.notifications.failures import mask_email, mask_phone
from koperasi.notifications.models import Delivery
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.notifications.helpers import deposit, deposit_notification, member_with_login, queued

ERROR = "SMTPRecipientsRefused: mailbox unavailable"


def _failed_email(cooperative) -> Delivery:
    member = member_with_login(cooperative)
    deposit(member, 75_000)
    delivery = deposit_notification(member).deliveries.get(channel="email")
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=6, last_error=ERROR, claimed_at=timezone.now()
    )
    delivery.refresh_from_db()
    return delivery


def _url(cooperative, delivery=None) -> str:
    base = f"/k/{cooperative.slug}/kelola/notifikasi-gagal/"
    return f"{base}{delivery.pk}/ulangi/" if delivery else base


def _unchanged(delivery: Delivery) -> bool:
    fresh = Delivery.objects.get(pk=delivery.pk)
    return (fresh.status, fresh.attempts, fresh.last_error) == ("failed", 6, ERROR)


@pytest.mark.django_db
def test_the_board_sees_its_own_failures_with_masked_addresses(
    cooperative, other_cooperative, board_client
):
    ours, theirs = _failed_email(cooperative), _failed_email(other_cooperative)
    address = ours.notification.to_email

    response = board_client.get(_url(cooperative))

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="delivery-{ours.pk}"' in page
    assert f'id="delivery-{theirs.pk}"' not in page
    assert mask_email(address) in page
    assert address not in page
    assert ERROR in page
    assert _url(cooperative, ours) in page
    assert [f.pk for f in response.context["failures"]] == [ours.pk]
    assert response.context["total"] == 1


@pytest.mark.django_db
def test_sent_and_pending_deliveries_are_not_listed(cooperative, board_client):
    member = member_with_login(cooperative)
    deposit(member, 75_000)

    response = board_client.get(_url(cooperative))

    assert response.context["failures"] == []
    assert response.context["total"] == 0


@pytest.mark.django_db
def test_the_board_sends_a_failed_message_again(
    cooperative, chair, board_client, celery_queue, django_capture_on_commit_callbacks
):
    delivery = _failed_email(cooperative)

    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(_url(cooperative, delivery))

    assert response.status_code == 302
    assert response["Location"] == _url(cooperative)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at <= timezone.now()
    assert [m["args"] for m in queued(celery_queue)] == [[delivery.pk]]
    event = Event.objects.get(kind="notification.retried")
    assert (event.actor, event.cooperative) == (chair, cooperative)
    assert event.data["delivery_id"] == delivery.pk


@pytest.mark.django_db
def test_a_message_that_has_not_failed_is_not_sent_again(
    cooperative, board_client, celery_queue, django_capture_on_commit_callbacks
):
    delivery = _failed_email(cooperative)
    Delivery.objects.filter(pk=delivery.pk).update(status="sent")

    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(_url(cooperative, delivery))

    assert response.status_code == 302
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"
    assert queued(celery_queue) == []
    assert not Event.objects.filter(kind="notification.retried").exists()


@pytest.mark.django_db
def test_another_cooperatives_delivery_is_404(
    cooperative, other_cooperative, board_client, celery_queue
):
    theirs = _failed_email(other_cooperative)

    response = board_client.post(_url(cooperative, theirs))

    assert response.status_code == 404
    assert _unchanged(theirs)
    assert queued(celery_queue) == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "teller"])
def test_members_and_tellers_are_refused(cooperative, role, request):
    delivery = _failed_email(cooperative)
    client = client_for(request.getfixturevalue(role))

    assert client.get(_url(cooperative)).status_code == 403
    assert client.post(_url(cooperative, delivery)).status_code == 403
    assert _unchanged(delivery)


@pytest.mark.django_db
def test_supervisors_read_the_list_but_cannot_retry(cooperative, supervisor):
    delivery = _failed_email(cooperative)
    client = client_for(supervisor)

    page = client.get(_url(cooperative))
    refused = client.post(_url(cooperative, delivery))

    assert page.status_code == 200
    assert f'id="delivery-{delivery.pk}"' in page.content.decode()
    assert _url(cooperative, delivery) not in page.content.decode()  # no retry button
    assert refused.status_code == 403
    assert _unchanged(delivery)


@pytest.mark.django_db
def test_a_stranger_does_not_learn_the_page_exists(cooperative):
    delivery = _failed_email(cooperative)
    client = client_for(UserFactory())

    assert client.get(_url(cooperative)).status_code == 404
    assert client.post(_url(cooperative, delivery)).status_code == 404
    assert _unchanged(delivery)


def test_addresses_are_masked():
    assert mask_email("person12@example.test") == "pe******@example.test"
    assert mask_email("ab@example.test") == "a***@example.test"
    assert mask_phone("+6281234567890") == "+6281******890"
    assert mask_phone("12345") == "*****"
