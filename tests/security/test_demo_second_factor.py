"""The demo's board members and platform staff can sign in: they come with an authenticator."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.core.management import call_command

from koperasi.management.commands.seed_demo import DEMO_TOTP_SECRET
from koperasi.models import User
from koperasi.security import has_second_factor

pytestmark = pytest.mark.django_db


def test_seeded_board_and_platform_staff_have_the_printed_authenticator(settings):
    out = StringIO()
    call_command("seed_demo", members=3, months=1, stdout=out)

    assert DEMO_TOTP_SECRET in out.getvalue()
    assert has_second_factor(User.objects.get(email="ketua@sejahtera.demo"))
    assert has_second_factor(User.objects.get(email="staf@platform.demo"))
    assert not has_second_factor(User.objects.get(email="anggota1@sejahtera.demo"))

    settings.DEBUG = True
    code = StringIO()
    call_command("demo_totp", stdout=code)
    printed = re.match(r"(\d{6}) ", code.getvalue()).group(1)
    assert validate_totp_code(DEMO_TOTP_SECRET, printed)
