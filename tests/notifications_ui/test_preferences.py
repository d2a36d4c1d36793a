"""Notification preferences: the kinds x channels table, saving it, security kinds that
cannot be muted, and notify() honouring what was saved."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from koperasi.notifications.kinds import KINDS
from koperasi.notifications.models import Delivery, Notification, Preference
from koperasi.notifications.outbox import Recipient, notify
from services.savings.actions import savings_deposit, savings_withdraw
from tests.conftest import client_for
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

PAGE = "/notifikasi/pengaturan/"
SECURITY = sorted(key for key, kind in KINDS.items() if kind.security)


@pytest.fixture
def person():
    return UserFactory()


def checkboxes(html: str) -> dict[str, tuple[bool, bool]]:
    """name -> (checked, disabled) of every checkbox in the table."""
    boxes = {}
    for tag in re.findall(r"<input type=\"checkbox\"[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        boxes[name] = (" checked" in tag, " disabled" in tag)
    return boxes


def default_post() -> dict[str, str]:
    """What the form posts when nothing is changed (disabled boxes are never posted)."""
    return {
        f"{key}:{channel}": "on"
        for key, kind in KINDS.items()
        if not kind.security
        for channel in kind.channels
        if channel != "sms"
    }


def test_the_page_shows_every_kind_by_in_app_and_email_without_a_gateway(person):
    response = client_for(person).get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    boxes = checkboxes(html)
    assert set(boxes) == {f"{key}:{c}" for key in KINDS for c in ("inapp", "email")}
    assert boxes["savings.deposited:email"] == (True, False)
    assert boxes["wajib.billed:email"] == (False, False)
    for key in SECURITY:
        assert boxes[f"{key}:inapp"] == (True, True)
        assert boxes[f"{key}:email"] == (True, True)
    assert 'id="sms-unavailable"' in html
    assert 'id="channel-sms"' not in html


def test_the_sms_column_appears_with_a_gateway(person, settings):
    settings.NOTIFY_GATEWAY_URL = "https://gateway.example/send"

    html = client_for(person).get(PAGE).content.decode()

    boxes = checkboxes(html)
    assert 'id="channel-sms"' in html
    assert 'id="sms-unavailable"' not in html
    assert boxes["wajib.overdue:sms"] == (True, False)
    assert boxes["savings.deposited:sms"] == (False, False)
    assert boxes["savings.withdrawn:sms"] == (True, True)


def test_the_page_needs_a_login(client):
    assert client.get(PAGE).status_code == 302


def test_saving_the_defaults_stores_nothing(person):
    response = client_for(person).post(PAGE, default_post())

    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert Preference.objects.filter(user=person).count() == 0


def test_saving_a_change_stores_a_preference_row_and_shows_it(person):
    data = default_post()
    del data["savings.deposited:email"]
    data["wajib.billed:email"] = "on"
    client = client_for(person)

    client.post(PAGE, data)

    rows = {p.kind: (p.inapp, p.email, p.sms) for p in Preference.objects.filter(user=person)}
    assert rows == {
        "savings.deposited": (True, False, False),
        "wajib.billed": (True, True, False),
    }
    boxes = checkboxes(client.get(PAGE).content.decode())
    assert boxes["savings.deposited:email"][0] is False
    assert boxes["wajib.billed:email"][0] is True


def test_changing_back_to_the_defaults_removes_the_row(person):
    Preference.objects.create(user=person, kind="savings.deposited", inapp=True, email=False)

    client_for(person).post(PAGE, default_post())

    assert Preference.objects.filter(user=person).count() == 0


def test_sms_choice_is_kept_when_the_sms_column_is_not_offered(person):
    Preference.objects.create(
        user=person, kind="withdrawal.approved", inapp=True, email=True, sms=False
    )
    data = default_post()
    del data["withdrawal.approved:email"]
    data["withdrawal.approved:sms"] = "on"  # forged: the column is not on the page

    client_for(person).post(PAGE, data)

    preference = Preference.objects.get(user=person, kind="withdrawal.approved")
    assert (preference.inapp, preference.email, preference.sms) == (True, False, False)


def test_security_kinds_cannot_be_muted_even_by_a_forged_post(person):
    data = default_post()  # security boxes are never posted: "unchecked"
    data["savings.withdrawn:inapp"] = ""  # and a forged, empty value
    client_for(person).post(PAGE, data)

    assert not Preference.objects.filter(user=person, kind__in=SECURITY).exists()
    html = client_for(person).get(PAGE).content.decode()
    for key in SECURITY:
        assert checkboxes(html)[f"{key}:email"] == (True, True)


def test_a_security_preference_row_does_not_mute_notify(person):
    """Even a row written behind the form's back is ignored for a security kind."""
    Preference.objects.create(
        user=person, kind="account.security", inapp=False, email=False, sms=False
    )

    with transaction.atomic():
        [notification] = notify(
            kind="account.security",
            recipients=[Recipient.of_user(person)],
            context={"title": "New sign-in", "body": "From a new phone."},
        )

    channels = set(notification.deliveries.values_list("channel", flat=True))
    assert channels == {"inapp", "email"}


def _deposit(member) -> tuple[Notification, set[str]]:
    """A teller's deposit for the member: its notification and the channels it goes out on."""
    before = set(Notification.objects.values_list("pk", flat=True))
    savings_deposit(member=member, kind="sukarela", amount=50_000, channel="cash", acting_user=None)
    [notification] = Notification.objects.exclude(pk__in=before).filter(kind="savings.deposited")
    channels = Delivery.objects.filter(notification=notification).values_list("channel", flat=True)
    return notification, set(channels)


def test_after_saving_email_off_a_deposit_sends_no_email(cooperative, person):
    member = make_member(cooperative, user=person)
    assert _deposit(member)[1] == {"inapp", "email"}
    data = default_post()
    del data["savings.deposited:email"]

    client_for(person).post(PAGE, data)

    assert _deposit(member)[1] == {"inapp"}


def test_after_saving_in_app_off_the_deposit_is_not_in_the_inbox(cooperative, person):
    member = make_member(cooperative, user=person)
    data = default_post()
    del data["savings.deposited:inapp"]
    client = client_for(person)
    client.post(PAGE, data)

    notification, channels = _deposit(member)

    assert channels == {"email"}
    html = client.get("/notifikasi/").content.decode()
    assert f'id="notification-{notification.pk}"' not in html


def test_a_withdrawal_still_emails_a_person_who_turned_everything_off(cooperative, person):
    member = make_member(cooperative, user=person)
    savings_deposit(member=member, kind="sukarela", amount=80_000, channel="cash", acting_user=None)
    client_for(person).post(PAGE, {})  # every box unticked

    savings_withdraw(member=member, amount=30_000, channel="cash", acting_user=None)

    notification = Notification.objects.get(kind="savings.withdrawn", recipient=person)
    channels = set(notification.deliveries.values_list("channel", flat=True))
    assert channels == {"inapp", "email"}
    assert Preference.objects.get(user=person, kind="savings.deposited").email is False
