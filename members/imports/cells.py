"""Reading one cell: dates, genders, amounts, numbers, NIK, phone and email as people type
them."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from koperasi.validators import normalize_phone, parse_nik, validate_phone
from members.imports.reading import _blank, normalize_header
from members.imports.spec import MAX_MEMBER_NUMBER, CellError
from members.models import Member
from services.savings.models import MAX_AMOUNT

logger = logging.getLogger(__name__)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    message = _("Write the date as YYYY-MM-DD or DD/MM/YYYY.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell Excel lost its format for: the serial number of days since 1899-12-30.
        if 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        raise CellError("date_invalid", message)
    text = _text(value)
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise CellError("date_invalid", message)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError("date_invalid", message) from None


_GENDERS = {
    "l": "m",
    "lk": "m",
    "laki_laki": "m",
    "lakilaki": "m",
    "pria": "m",
    "m": "m",
    "male": "m",
    "p": "f",
    "pr": "f",
    "perempuan": "f",
    "wanita": "f",
    "w": "f",
    "f": "f",
    "female": "f",
}


def _gender(value: Any) -> str:
    gender = _GENDERS.get(normalize_header(value))
    if gender is None:
        raise CellError("gender_invalid", _("Write L or P (or M or F)."))
    return gender


_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")
_DECIMAL = re.compile(r"\d+([.,]\d+)+")


def _amount(value: Any) -> int:
    """Whole Rupiah, zero or more: 1250000 or 1.250.000 (Indonesian grouping), "Rp" allowed."""
    if _blank(value):
        return 0
    message = _("Write a whole Rupiah amount, like 1250000 or 1.250.000.")
    if isinstance(value, bool):
        raise CellError("amount_invalid", message)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("amount_decimal", _("Whole Rupiah only: no decimals."))
        value = int(value)
    if isinstance(value, int):
        amount = value
    else:
        text = re.sub(r"^rp\.?", "", str(value).strip(), flags=re.IGNORECASE)
        text = re.sub(r"\s", "", text)
        negative = text.startswith("-")
        text = text.lstrip("-")
        if text.isascii() and text.isdigit():
            amount = int(text)
        elif _GROUPED.fullmatch(text):
            amount = int(text.replace(".", ""))
        elif _DECIMAL.fullmatch(text):
            raise CellError("amount_decimal", _("Whole Rupiah only: no decimals."))
        else:
            raise CellError("amount_invalid", message)
        amount = -amount if negative else amount
    if amount < 0:
        raise CellError("amount_negative", _("An opening balance cannot be negative."))
    if amount > MAX_AMOUNT:
        raise CellError("amount_too_large", _("This amount is too large."))
    return amount


def _number(value: Any) -> int | None:
    if _blank(value):
        return None
    text = _text(value)
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_MEMBER_NUMBER:
        raise CellError(
            "number_invalid",
            _("A member number is a whole number from 1 to %(max)s.")
            % {"max": number_format(MAX_MEMBER_NUMBER, force_grouping=True)},
        )
    return int(text)


def _nik(value: Any, *, numeric_cell: bool) -> tuple[str, dt.date, str]:
    text = re.sub(r"[\s.\-']", "", _text(value))
    try:
        born, gender = parse_nik(text)
    except ValidationError as error:
        message = str(error.messages[0])
        if numeric_cell:
            message += " " + _(
                "Excel stored this NIK as a number and may have changed its last digits: "
                "format the column as Text and type it again."
            )
        raise CellError("nik_invalid", message) from None
    return text, born, gender


def _phone(value: Any) -> str:
    text = _text(value).lstrip("'")
    if text.startswith("8"):  # Excel dropped the leading zero of 0812...
        text = "0" + text
    phone = normalize_phone(text)
    try:
        validate_phone(phone)
    except ValidationError as error:
        raise CellError("phone_invalid", str(error.messages[0])) from None
    return phone


def _email(value: Any) -> str:
    email = _text(value).lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise CellError("email_invalid", _("This is not an email address.")) from None
    return email


def _max_length(name: str) -> int:
    return Member._meta.get_field(name).max_length
