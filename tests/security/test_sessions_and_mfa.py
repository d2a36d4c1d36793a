"""Second factor for board members and platform staff; session timeouts; the admin login;
re-authentication before account changes."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from koperasi.models import Role
from koperasi.security import AUTH_AT, SEEN_AT
from tests.conftest import client_for
from tests.factories import PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _board_member_without_second_factor(cooperative):
    user = UserFactory()
    Role.objects.create(cooperative=cooperative, user=user, kind=Role.Kind.BOARD)
    return user


@pytest.mark.parametrize(
    "path", ["/", "/koperasi-saya/", "/k/{slug}/kelola/", "/k/{slug}/kelola/anggota/"]
)
def test_a_board_member_without_a_second_factor_must_set_one_up_first(cooperative, path):
    client = client_for(_board_member_without_second_factor(cooperative))

    response = client.get(path.format(slug=cooperative.slug))

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_platform_staff_without_a_second_factor_must_set_one_up_first():
    user = UserFactory()
    user.is_platform_staff = True
    user.save(update_fields=["is_platform_staff"])

    response = client_for(user).get("/platform/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_the_account_pages_stay_reachable_to_set_the_factor_up(cooperative):
    client = client_for(_board_member_without_second_factor(cooperative))

    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_with_a_second_factor_the_board_member_works_normally(board_client, cooperative):
    assert board_client.get(f"/k/{cooperative.slug}/kelola/").status_code == 200


def test_members_and_tellers_need_no_second_factor(member, teller, cooperative):
    assert client_for(member).get("/koperasi-saya/").status_code == 200
    assert client_for(teller).get(f"/k/{cooperative.slug}/kelola/").status_code == 200


def test_a_member_made_board_member_during_the_session_is_stopped_at_once(cooperative):
    user = RoleFactory(cooperative=cooperative, kind=Role.Kind.MEMBER).user
    client = client_for(user)
    assert client.get("/koperasi-saya/").status_code == 200

    Role.objects.create(cooperative=cooperative, user=user, kind=Role.Kind.BOARD)

    assert client.get("/koperasi-saya/")["Location"] == reverse("mfa_activate_totp")


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_longer_than_the_limit_is_signed_out(member, cooperative, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client = client_for(member)
    client.get("/")
    _age_session(client, **{SEEN_AT: 31 * 60, AUTH_AT: 31 * 60})

    response = client.get("/koperasi-saya/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "karena tidak ada aktivitas" in page.content.decode()  # says why, in Indonesian


def test_an_active_session_stays_until_the_absolute_limit(member, cooperative, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    client = client_for(member)
    client.get("/")
    _age_session(client, **{SEEN_AT: 29 * 60, AUTH_AT: 11 * 3600})
    assert client.get("/koperasi-saya/").status_code == 200

    _age_session(client, **{SEEN_AT: 60, AUTH_AT: 12 * 3600 + 1})
    response = client.get("/koperasi-saya/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_login_is_the_portal_login_with_its_failed_login_limit(settings):
    admin_user = UserFactory(email="admin@portal.test", is_staff=True, is_superuser=True)
    admin_login = f"/{settings.ADMIN_URL}login/"

    response = Client_anonymous().get(admin_login)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    # Posting passwords to the admin's own form does nothing: it only redirects.
    client = Client_anonymous()
    posted = client.post(admin_login, {"username": admin_user.email, "password": PASSWORD})
    assert posted.status_code == 302
    assert "_auth_user_id" not in client.session

    # The portal login refuses after repeated failures, even the right password.
    for _ in range(5):
        client.post(reverse("account_login"), {"login": admin_user.email, "password": "wrong"})
    blocked = client.post(
        reverse("account_login"), {"login": admin_user.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (200, 429)
    assert admin_user.email not in str(client.session.items())


def test_changing_the_email_address_asks_for_the_password_again(member):
    client = client_for(member)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "baru@example.test"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not member.emailaddress_set.filter(email="baru@example.test").exists()


def Client_anonymous():  # noqa: N802
    from django.test import Client

    return Client()
