"""Validators and normalisers for Indonesian identifiers. Each rejects what cannot be real."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The AHU number that the Ministry of Law issues since 2014, e.g. "AHU-0001234.AH.01.26.TAHUN 2021",
# and the older Ministry of Cooperatives form, e.g. "518/BH/XVI/2005" or "12/BH/KDK.10.1/VI/1998".
_AHU = re.compile(r"^AHU-(\d{7})\.AH\.01\.(\d{2})\.TAHUN (\d{4})$")
_LEGACY_BH = re.compile(r"^(\d{1,6})/BH/([A-Z0-9.\-]{1,20}/){1,3}(\d{4})$")
_PHONE = re.compile(r"^\+62(8\d{7,11}|[2-7]\d{6,10})$")


def normalize_legal_entity_number(value: str) -> str:
    """Upper-case and collapse spaces, so that two spellings of one number compare equal."""
    value = re.sub(r"\s+", " ", value.strip().upper())
    value = re.sub(r"\s*([./-])\s*", r"\1", value)
    return re.sub(r"\.?\s*TAHUN\s*", ".TAHUN ", value)


def validate_legal_entity_number(value: str) -> None:
    match = _AHU.match(value) or _LEGACY_BH.match(value)
    year = int(match.groups()[-1]) if match else 0
    if not match or not 1945 <= year <= timezone.localdate().year:
        raise ValidationError(
            _(
                "Enter the legal-entity number as written on the decree, for example "
                "AHU-0001234.AH.01.26.TAHUN 2021 or 518/BH/XVI/2005."
            ),
            code="invalid",
        )


def validate_nik_koperasi(value: str) -> None:
    if not re.fullmatch(r"\d{16}", value or ""):
        raise ValidationError(_("The NIK koperasi has exactly 16 digits."), code="invalid")
    if len(set(value)) == 1:
        raise ValidationError(_("This is not a real NIK koperasi."), code="invalid")


def normalize_phone(value: str) -> str:
    """Return an Indonesian phone number as +62…, from 08…, 62… or +62… with any separators."""
    digits = re.sub(r"[\s().-]", "", value.strip())
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif digits.startswith("62"):
        digits = "+" + digits
    return digits


def validate_phone(value: str) -> None:
    if not _PHONE.match(value):
        raise ValidationError(
            _("Enter an Indonesian phone number, for example 0812 3456 7890 or 021 555 1234."),
            code="invalid",
        )
