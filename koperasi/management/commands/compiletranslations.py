"""Compile locale/*/LC_MESSAGES/django.po to .mo with Babel: no GNU gettext needed."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's translations (like compilemessages, in pure Python)."

    def handle(self, *args, **options) -> None:
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                with po_path.open("rb") as handle:
                    catalog = read_po(handle)
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalog)
                self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
