"""Forms of the cooperative's side of partnerships (the board's pages under kelola/mitra/)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partners.forms import PartnershipTermsForm
from partners.models import Partner, PartnerInvitation


class PartnerSearchForm(forms.Form):
    q = forms.CharField(
        label=_("NPWP or business name"),
        min_length=3,
        max_length=100,
        help_text=_("At least 3 characters: part of the name, or the NPWP's first digits."),
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class CoopPartnershipProposeForm(PartnershipTermsForm):
    """The board proposes a partnership to a registered partner, found by NPWP or name."""

    partner = forms.ModelChoiceField(
        queryset=Partner.objects.all(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _("Choose a registered partner."),
            "required": _("Choose a registered partner."),
        },
    )

    field_order = [
        "partner",
        "terms",
        "member_discount_percent",
        "commission_percent",
        "valid_from",
        "valid_to",
    ]


class PartnerInviteForm(forms.ModelForm):
    """The board invites a business that is not on the portal yet, with the proposed terms."""

    commission_percent = forms.DecimalField(
        label=_("cooperative's fee (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=_(
            "The cooperative's fee on its members' purchases at the partner, settled "
            "monthly. Leave empty for none."
        ),
    )

    class Meta:
        model = PartnerInvitation
        fields = (
            "business_name",
            "email",
            "terms",
            "member_discount_percent",
            "valid_from",
            "valid_to",
        )
        widgets = {
            "terms": forms.Textarea(attrs={"rows": 5}),
            "member_discount_percent": forms.NumberInput(attrs={"step": "0.01"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
        }

    field_order = [
        "business_name",
        "email",
        "terms",
        "member_discount_percent",
        "commission_percent",
        "valid_from",
        "valid_to",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_discount_percent"].required = False

    def clean_business_name(self) -> str:
        name = " ".join(self.cleaned_data["business_name"].split())
        if not name:
            raise ValidationError(_("Enter the business name."), code="required")
        return name

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

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
