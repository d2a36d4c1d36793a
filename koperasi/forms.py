from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from koperasi import validators
from koperasi.errors import DomainError
from koperasi.models import Cooperative, Province, Regency, Role, User


class SignupForm(forms.Form):
    """allauth's signup, with the person's name."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.language = getattr(request, "LANGUAGE_CODE", "id")
        user.save(update_fields=["full_name", "language"])


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show an action's refusal at the field it concerns, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class CooperativeForm(forms.ModelForm):
    province = forms.ModelChoiceField(
        label=_("Province"), queryset=Province.objects.all(), empty_label=_("Choose a province")
    )
    regency = forms.ModelChoiceField(
        label=_("Regency or city"),
        queryset=Regency.objects.none(),
        empty_label=_("Choose a regency or city"),
    )
    nik_koperasi = forms.CharField(
        label=_("cooperative number (NIK koperasi)"),
        max_length=24,  # 16 digits, perhaps written in groups with spaces
        help_text=_("16 digits, from the Ministry's Online Data System."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"),
        choices=list(MONTHS.items()),
        coerce=int,
        initial=1,
        help_text=_("Most cooperatives use the calendar year (January)."),
    )

    class Meta:
        model = Cooperative
        fields = (
            "name",
            "legal_entity_number",
            "nik_koperasi",
            "type",
            "province",
            "regency",
            "address",
            "phone",
            "email",
            "fiscal_year_start_month",
        )
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }
        help_texts = {
            "legal_entity_number": _("For example AHU-0001234.AH.01.26.TAHUN 2021."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("Choose a type")), *Cooperative.Type.choices]
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("koperasi:regency-options"),
                "hx-target": "#id_regency",
                "hx-trigger": "change",
            }
        )
        province_code = self.data.get(self.add_prefix("province")) or (
            self.instance.province_id if self.instance.pk else None
        )
        # Only a code can narrow the list: PostgreSQL refuses a NUL in a query (a 500).
        if province_code and re.fullmatch(r"[0-9]{2}", province_code):
            self.fields["regency"].queryset = Regency.objects.filter(province_id=province_code)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 5:
            raise ValidationError(_("Write the cooperative's full name."))
        return name

    def clean_legal_entity_number(self) -> str:
        value = validators.normalize_legal_entity_number(self.cleaned_data["legal_entity_number"])
        validators.validate_legal_entity_number(value)
        return value

    def clean_nik_koperasi(self) -> str:
        value = self.cleaned_data["nik_koperasi"].replace(" ", "")
        validators.validate_nik_koperasi(value)
        return value

    def clean_phone(self) -> str:
        value = validators.normalize_phone(self.cleaned_data["phone"])
        validators.validate_phone(value)
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", _("Verify")), ("reject", _("Reject"))])
    reason = forms.CharField(
        label=_("Reason (the board will read it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RoleGrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of the person"),
        help_text=_("The person must already have an account on the portal."),
    )
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[c for c in Role.Kind.choices if c[0] != Role.Kind.MEMBER],
    )
    title = forms.ChoiceField(
        label=_("Board title"),
        choices=[("", _("—")), *[c for c in Role.Title.choices if c[0]]],
        required=False,
    )

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].lower()
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise ValidationError(_("No account uses this email. Ask the person to sign up first."))
        return user


WHOLE_RUPIAH = re.compile(r"[0-9]+|[0-9]{1,3}(\.[0-9]{3})+")


class RupiahField(forms.CharField):
    """Whole Rupiah as people type it: "1.250.000", "1250000" or "Rp 1.250.000"."""

    def __init__(self, *, min_value: int = 1, max_value: int = 10_000_000_000, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24}),
        )
        super().__init__(**kwargs)
        self.min_value, self.max_value = min_value, max_value

    def to_python(self, value) -> int | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 24:
            raise ValidationError(_("That amount is too large."), code="max_value")
        cleaned = re.sub(r"[Rr]p\.?", "", text).replace(" ", "")
        if cleaned.startswith("-"):
            raise ValidationError(_("Enter an amount above zero."), code="negative")
        # Dots group thousands (150.000); "0.5" or "1.5" is not an amount in whole Rupiah.
        if not WHOLE_RUPIAH.fullmatch(cleaned):
            raise ValidationError(
                _("Enter whole Rupiah, digits only, for example 150.000."), code="invalid"
            )
        amount = int(cleaned.replace(".", ""))
        if amount < self.min_value:
            raise ValidationError(_("Enter an amount above zero."), code="min_value")
        if amount > self.max_value:
            raise ValidationError(_("That amount is too large."), code="max_value")
        return amount
