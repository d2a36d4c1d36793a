"""Validators and normalisers for Indonesian identifiers. Each rejects what cannot be real."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The AHU number that the Ministry of Law issues since 2014, e.g. "AHU-0001234.AH.01.26.TAHUN 2021",
# and the older Ministry of Cooperatives form, e.g. "518/BH/XVI/2005" or "12/BH/KDK.10.1/VI/1998".
# re.ASCII everywhere: `\d` alone also matches other scripts' digits ("٣٢٧٣"), which would let
# one number be written several ways (and pass the uniqueness checks).
_AHU = re.compile(r"^AHU-(\d{7})\.AH\.01\.(\d{2})\.TAHUN (\d{4})$", re.ASCII)
_LEGACY_BH = re.compile(r"^(\d{1,6})/BH/([A-Z0-9.\-]{1,20}/){1,3}(\d{4})$", re.ASCII)
_PHONE = re.compile(r"^\+62(8\d{7,11}|[2-7]\d{6,10})$", re.ASCII)


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
    if not re.fullmatch(r"\d{16}", value or "", re.ASCII):
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


def _province_codes() -> frozenset[str]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "regions.csv"
    with path.open(encoding="utf-8") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle) if len(row["code"]) == 2)


PROVINCE_CODES = _province_codes()


def parse_nik(value: str, *, today: date | None = None) -> tuple[date, str]:
    """Check a KTP number (NIK) and return the birth date and gender ("m"/"f") it encodes.

    16 digits: a 6-digit region code (province, regency, district), the birth date as DDMMYY
    with 40 added to the day for women, and a 4-digit serial that is never 0000.
    """
    if not re.fullmatch(r"\d{16}", value or "", re.ASCII):
        raise ValidationError(_("A NIK has exactly 16 digits."), code="invalid")
    if value[:2] not in PROVINCE_CODES or value[2:4] == "00" or value[4:6] == "00":
        raise ValidationError(_("The first six digits are not a region code."), code="invalid")
    day, month, year2 = int(value[6:8]), int(value[8:10]), int(value[10:12])
    gender = "f" if day > 40 else "m"
    day = day - 40 if day > 40 else day
    today = today or timezone.localdate()
    year = 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2
    try:
        born = date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("Digits 7 to 12 of a NIK are the birth date (DDMMYY); these are not a date."),
            code="invalid",
        ) from None
    if value[12:] == "0000":
        raise ValidationError(_("The last four digits of a NIK are never 0000."), code="invalid")
    return born, gender


def validate_nik_matches(nik: str, birth_date: date) -> tuple[date, str]:
    """A NIK must agree with the birth date the person gives (day, month, two-digit year)."""
    born, gender = parse_nik(nik)
    if (born.day, born.month, born.year % 100) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        raise ValidationError(
            _("The NIK does not match the date of birth (digits 7 to 12 are DDMMYY)."),
            code="mismatch",
        )
    return birth_date, gender
