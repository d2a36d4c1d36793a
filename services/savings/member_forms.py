"""Forms of the member's own savings pages: the history/statement filters and the withdrawal
request. They only parse input; the rules live in the actions."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from services.ledger.models import SavingsKind

DATE_ERRORS = {"invalid": _("Enter a real date, for example 2025-01-31.")}
CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9]{1,18})")


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        error_messages=DATE_ERRORS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SavingsFilterForm(forms.Form):
    """Which savings and which dates: `kind`, `from` and `to` in the query string."""

    kind = forms.ChoiceField(
        label=_("Savings"),
        required=False,
        choices=[("", _("All savings")), *SavingsKind.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so these two fields are added here, not declared.
        self.fields["from"] = _date_field(_("From"))
        self.fields["to"] = _date_field(_("To"))

    def clean(self) -> dict:
        data = super().clean()
        self.fill_defaults(data)
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return data

    def fill_defaults(self, data: dict) -> None:
        """Dates left empty stay empty (no limit); subclasses may choose otherwise."""

    @property
    def selected_kind(self) -> str:
        return self.cleaned_data.get("kind") or ""

    @property
    def date_from(self) -> dt.date | None:
        return self.cleaned_data.get("from")

    @property
    def date_to(self) -> dt.date | None:
        return self.cleaned_data.get("to")

    def query(self, **extra) -> dict[str, str]:
        """The filters as query-string parameters (empty ones left out)."""
        values = {
            "kind": self.selected_kind,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            **extra,
        }
        return {key: value for key, value in values.items() if value}


class HistoryFilterForm(SavingsFilterForm):
    """The filters plus the keyset cursor of the next page (`cursor=<date>_<posting id>`)."""

    cursor = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def clean_cursor(self) -> tuple[dt.date, int] | None:
        value = self.cleaned_data.get("cursor") or ""
        if not value:
            return None
        match = CURSOR.fullmatch(value)
        try:
            if match is None:
                raise ValueError(value)
            return dt.date.fromisoformat(match.group(1)), int(match.group(2))
        except ValueError:
            raise ValidationError(
                _("This page link is not valid any more. Start again from the first page.")
            ) from None


class StatementFilterForm(SavingsFilterForm):
    """The statement's period: this year so far unless the member says otherwise."""

    def fill_defaults(self, data: dict) -> None:
        today = timezone.localdate()
        if "from" in data and data["from"] is None:
            data["from"] = today.replace(month=1, day=1)
        if "to" in data and data["to"] is None:
            data["to"] = max(today, data["from"]) if data.get("from") else today


AMOUNT_CHARACTERS = re.compile(r"-?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)")


class WithdrawalRequestForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount (Rupiah)"),
        max_length=30,
        help_text=_("Whole Rupiah, for example 150000 or 150.000."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    bank_account_number = forms.CharField(
        label=_("Account number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    bank_account_holder = forms.CharField(label=_("Account holder"), max_length=150)

    def clean_amount(self) -> int:
        """`150000`, `150.000` or `Rp 150.000` -> 150000. Zero, negative and too large amounts
        are refused by the action, with the same words the teller's form uses."""
        raw = self.cleaned_data["amount"].strip()
        raw = re.sub(r"^rp\.?\s*", "", raw, flags=re.IGNORECASE).replace(" ", "")
        if not AMOUNT_CHARACTERS.fullmatch(raw):
            raise ValidationError(_("Enter the amount in whole Rupiah, digits only."))
        return int(raw.replace(".", ""))

    def clean_bank_name(self) -> str:
        return " ".join(self.cleaned_data["bank_name"].split())

    def clean_bank_account_number(self) -> str:
        value = re.sub(r"[\s-]", "", self.cleaned_data["bank_account_number"])
        if not re.fullmatch(r"[0-9]{5,30}", value):
            raise ValidationError(_("Enter the account number: 5 to 30 digits."))
        return value

    def clean_bank_account_holder(self) -> str:
        return " ".join(self.cleaned_data["bank_account_holder"].split())
