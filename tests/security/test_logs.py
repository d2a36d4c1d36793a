"""Nothing sensitive reaches the logs: passwords, NIKs, one-time codes, API tokens."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.members.test_membership import BIRTH, _join_data, _join_url, nik_for

pytestmark = pytest.mark.django_db


def test_failed_logins_and_applications_leave_no_secret_in_the_logs(cooperative, caplog):
    person = UserFactory(email="siti@example.test")
    nik = nik_for(BIRTH)
    caplog.set_level(logging.DEBUG)

    Client().post("/akun/login/", {"login": person.email, "password": "Rahasia-Salah-123"})
    Client().post(_join_url(cooperative), _join_data(nik=nik))
    Client().post(_join_url(cooperative), _join_data(nik=nik, email="lain@example.test"))

    assert "Rahasia-Salah-123" not in caplog.text
    assert nik not in caplog.text
