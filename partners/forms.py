from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from koperasi import validators
from koperasi.models import Cooperative
from partners.models import Partner, Partnership
from partners.validators import normalize_npwp, validate_npwp


class PartnerRegisterForm(forms.ModelForm):
    npwp = forms.CharField(
        label=_("tax number (NPWP)"),
        max_length=24,  # the written form has dots and a dash
        help_text=_("15 digits (01.234.567.8-901.000) or, since 2024, 16 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Partner
        fields = ("name", "npwp", "kind", "address", "phone", "email")
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("Enter the business name."), code="required")
        return name

    def clean_npwp(self) -> str:
        value = normalize_npwp(self.cleaned_data["npwp"])
        validate_npwp(value)
        if Partner.objects.filter(npwp=value).exists():
            raise ValidationError(_("A partner with this NPWP is already registered."))
        return value

    def clean_phone(self) -> str:
        value = validators.normalize_phone(self.cleaned_data["phone"])
        validators.validate_phone(value)
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_address(self) -> str:
        return self.cleaned_data["address"].strip()


class PartnershipTermsForm(forms.ModelForm):
    """The terms both sides agree on: text, member discount, the cooperative's fee, validity."""

    class Meta:
        model = Partnership
        fields = (
            "terms",
            "member_discount_percent",
            "commission_percent",
            "valid_from",
            "valid_to",
        )
        widgets = {
            "terms": forms.Textarea(attrs={"rows": 5}),
            "member_discount_percent": forms.NumberInput(attrs={"step": "0.01"}),
            "commission_percent": forms.NumberInput(attrs={"step": "0.01"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "member_discount_percent": _("Off the partner's price for the cooperative's members."),
            "commission_percent": _(
                "The cooperative's fee on its members' purchases at the partner, settled "
                "monthly. Leave empty for none."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("member_discount_percent", "commission_percent"):
            self.fields[name].required = False

    def clean_member_discount_percent(self) -> Decimal:
        return self.cleaned_data["member_discount_percent"] or Decimal("0")

    def clean_commission_percent(self) -> Decimal:
        return self.cleaned_data["commission_percent"] or Decimal("0")

    def clean(self) -> dict:
        data = super().clean()
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to <= valid_from:
            self.add_error("valid_to", _("The end date must come after the start date."))
        return data


class PartnershipProposeForm(PartnershipTermsForm):
    """The partner's owner proposes a partnership to a verified cooperative."""

    cooperative = forms.SlugField(
        label=_("Cooperative (its address on the portal)"),
        max_length=60,
        help_text=_("The part after /k/ in the cooperative's address, for example kopsa-maju."),
    )

    field_order = [
        "cooperative",
        "terms",
        "member_discount_percent",
        "commission_percent",
        "valid_from",
        "valid_to",
    ]

    def clean_cooperative(self) -> Cooperative:
        cooperative = Cooperative.objects.filter(
            slug=self.cleaned_data["cooperative"], status=Cooperative.Status.VERIFIED
        ).first()
        if cooperative is None:
            raise ValidationError(_("No verified cooperative has this address."))
        return cooperative


class PartnershipEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the partnership end?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise ValidationError(_("Say why the partnership ends."), code="required")
        return reason
