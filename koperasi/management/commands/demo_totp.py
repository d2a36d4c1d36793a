"""Print the demo's current authenticator code (development only): `manage.py demo_totp`."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from koperasi.management.commands.seed_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current authenticator code of the demo's board members and platform staff."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the development demo only (DEBUG=true).")
        step = int(time.time())
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, step // 30))
        self.stdout.write(f"{code}  (valid for {30 - step % 30} more seconds)")
