"""NPWP (Indonesian tax number) normalising and checking.

Two forms are in use: the 15-digit NPWP written 01.234.567.8-901.000, and since 2024 the
16-digit one: a person's NIK, or for a business "0" followed by its old 15 digits.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-]")


def normalize_npwp(value: str) -> str:
    """Drop the dots, dashes and spaces of the written form; keep the digits."""
    return _SEPARATORS.sub("", (value or "").strip())


def _is_nik(value: str) -> bool:
    """A NIK: province 11-94, birth day 01-31 (41-71 for women), month 01-12."""
    province, day, month = int(value[:2]), int(value[6:8]), int(value[8:10])
    return 11 <= province <= 94 and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12


def validate_npwp(value: str) -> None:
    """Accept the digits of a 15-digit NPWP or of a 16-digit (2024) NPWP."""
    if not re.fullmatch(r"\d{15}|\d{16}", value or "", re.ASCII):
        raise ValidationError(
            _(
                "Enter the NPWP as 15 digits (01.234.567.8-901.000) or, since 2024, 16 digits "
                "(0123456789012345)."
            ),
            code="invalid",
        )
    if len(set(value)) == 1:
        raise ValidationError(_("This is not a real NPWP."), code="invalid")
    if len(value) == 16 and not value.startswith("0") and not _is_nik(value):
        raise ValidationError(
            _("A 16-digit NPWP is either a NIK or a 0 followed by the 15-digit NPWP."),
            code="invalid",
        )
