from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi import validators
from members.models import Member


class MemberForm(forms.ModelForm):
    """A membership application (public join page) or a direct admission by the board."""

    nik = forms.CharField(
        label=_("NIK (KTP number)"),
        max_length=24,
        help_text=_("The 16 digits on your KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Member
        fields = (
            "full_name",
            "nik",
            "birth_date",
            "phone",
            "email",
            "address",
            "heir_name",
            "heir_relationship",
        )
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, require_email: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = require_email
        if require_email:
            self.fields["email"].help_text = _(
                "You log in with this address once the board approves you."
            )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Write the full name as on the KTP."))
        return name

    def clean_nik(self) -> str:
        nik = self.cleaned_data["nik"].replace(" ", "").replace(".", "")
        validators.parse_nik(nik)
        return nik

    def clean_birth_date(self) -> dt.date:
        born = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if born > today or born < today.replace(year=today.year - 120):
            raise ValidationError(_("Enter a real date of birth."))
        return born

    def clean_phone(self) -> str:
        phone = validators.normalize_phone(self.cleaned_data["phone"])
        validators.validate_phone(phone)
        return phone

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()

    def clean(self) -> dict:
        data = super().clean()
        nik, born = data.get("nik"), data.get("birth_date")
        if nik and born:
            try:
                _born, gender = validators.validate_nik_matches(nik, born)
            except ValidationError as error:
                self.add_error("nik", error)
            else:
                data["gender"] = gender
        return data

    def _post_clean(self) -> None:
        # Gender comes from the NIK; let the model validate with it.
        if "gender" in self.cleaned_data:
            self.instance.gender = self.cleaned_data["gender"]
        super()._post_clean()


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExitForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Leaving because"),
        choices=[("resigned", _("The member resigns")), ("expelled", _("The member is expelled"))],
    )
    channel = forms.ChoiceField(
        label=_("Pay the savings out by"),
        choices=[("cash", _("Cash")), ("transfer", _("Bank transfer"))],
    )
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
