"""Accounts: email login, verification, password reset, the login rate limit and TOTP MFA."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from koperasi.models import User
from tests.factories import PASSWORD, UserFactory


def _totp(secret: str, at: float | None = None) -> str:
    """RFC 6238, as an authenticator app computes it (not allauth's own code)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _login(client: Client, email: str, password: str = PASSWORD):
    return client.post("/akun/login/", {"login": email, "password": password})


@pytest.mark.django_db
def test_signup_needs_a_verified_email_before_the_first_login():
    client = Client()

    client.post(
        "/akun/signup/",
        {
            "full_name": "Wayan Sudarsana",
            "email": "Wayan@Example.test",
            "password1": "pohon-kelapa-77",
            "password2": "pohon-kelapa-77",
        },
    )

    user = User.objects.get(email="wayan@example.test")
    assert user.full_name == "Wayan Sudarsana"
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    refused = _login(Client(), "wayan@example.test", "pohon-kelapa-77")
    assert refused.status_code == 302
    assert refused["Location"] == "/akun/confirm-email/"

    link = re.search(r"https?://[^/]+(/akun/confirm-email/[^/\s]+/)", mail.outbox[0].body)
    client.post(link.group(1))

    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_login_is_by_email_and_case_insensitive():
    user = UserFactory(email="ketua@example.test")
    client = Client()

    response = _login(client, "KETUA@example.test")

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_for_a_while():
    UserFactory(email="sasaran@example.test")
    for _ in range(5):
        assert _login(Client(), "sasaran@example.test", "salah-tebak").status_code == 200

    client = Client()
    response = _login(client, "sasaran@example.test")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Terlalu banyak" in response.content.decode()


@pytest.mark.django_db
def test_the_login_lock_is_counted_in_the_shared_redis_cache(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.mark.django_db
def test_password_reset_sends_a_link():
    UserFactory(email="lupa@example.test")

    Client().post("/akun/password/reset/", {"email": "lupa@example.test"})

    assert len(mail.outbox) == 1
    assert "/akun/password/reset/key/" in mail.outbox[0].body


@pytest.mark.django_db
def test_any_user_can_turn_on_totp_with_recovery_codes_and_then_needs_a_code():
    user = UserFactory(email="aman@example.test")
    client = Client()
    _login(client, user.email)
    # Changing MFA asks for the password again, even right after logging in.
    assert client.get("/akun/2fa/totp/activate/")["Location"].startswith("/akun/reauthenticate/")
    client.post("/akun/reauthenticate/", {"password": PASSWORD})

    form = client.get("/akun/2fa/totp/activate/").context["form"]
    response = client.post("/akun/2fa/totp/activate/", {"code": _totp(form.secret)})

    assert response.status_code == 302
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert kinds == {"totp", "recovery_codes"}

    second = Client()
    step = _login(second, user.email)
    assert step["Location"] == "/akun/2fa/authenticate/"
    assert "_auth_user_id" not in second.session
    second.post("/akun/2fa/authenticate/", {"code": _totp(form.secret)})
    assert int(second.session["_auth_user_id"]) == user.pk
