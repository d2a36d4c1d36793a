"""Forms for offers (partner portal) and orders (partner portal and member pages)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from koperasi.forms import RupiahField
from partners.models import Offer
from partners.offers import MAX_QUANTITY

PICTURE_TYPES = "image/jpeg,image/png,image/webp"


class OfferForm(forms.Form):
    """A partner's offer. The picture is checked (and shrunk) by the action."""

    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=30, required=False, help_text=_("For example kg, sack, box.")
    )
    price = RupiahField(label=_("Price (Rp)"), help_text=_("The usual price of one unit."))
    discount_percent = forms.DecimalField(
        label=_("Member discount (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        required=False,
        initial=Decimal(0),
        help_text=_("Members of your partner cooperatives pay the price less this discount."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    valid_from = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Last day"),
        required=False,
        help_text=_("Leave empty for an offer with no end."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    picture = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB. It is shrunk for members' phones."),
        widget=forms.FileInput(attrs={"accept": PICTURE_TYPES}),
    )

    def __init__(self, *args, offer: Offer | None = None, **kwargs):
        if offer is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": offer.title,
                    "description": offer.description,
                    "unit": offer.unit,
                    "price": f"{offer.price:,}".replace(",", "."),
                    "discount_percent": offer.discount_percent,
                    "valid_from": offer.valid_from,
                    "valid_to": offer.valid_to,
                },
            )
        super().__init__(*args, **kwargs)
        if offer is not None and offer.picture:
            self.fields["remove_picture"] = forms.BooleanField(
                label=_("Remove the picture"), required=False
            )

    def clean_discount_percent(self) -> Decimal:
        return self.cleaned_data["discount_percent"] or Decimal(0)

    def clean(self) -> dict:
        data = super().clean()
        valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The last day cannot come before the first day."))
        return data


class OrderRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=500,
        error_messages={"required": _("Tell the member why the order is rejected.")},
    )


class OrderPlaceForm(forms.Form):
    """A member's order: how many, and a note to the partner."""

    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY}),
    )
    note = forms.CharField(
        label=_("Note to the partner"),
        max_length=500,
        required=False,
        help_text=_("For example when and where you will pick it up."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
