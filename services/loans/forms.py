"""Loan forms. They parse input and check it against the product; who may borrow is decided
by `actions.eligibility_problems` and the actions themselves."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.forms import RupiahField
from koperasi.money import format_rupiah
from services.loans.actions import PRODUCT_FIELDS
from services.loans.models import MAX_LOAN, LoanPolicy, LoanProduct
from services.savings.actions import add_months

KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
TERM_ERRORS = {
    "invalid": _("Enter the term as a whole number of months, for example 12."),
    "required": _("Enter the term in months."),
    "min_value": _("The term is at least 1 month."),
    "max_value": _("The term is at most 360 months."),
}
PRODUCT_ERRORS = {
    "invalid_choice": _("Choose one of the loan products on the list."),
    "required": _("Choose a loan product."),
}


class GroupedRupiahField(RupiahField):
    """A RupiahField that shows a stored amount as people write it: 25.000.000."""

    def prepare_value(self, value):
        if type(value) is int:
            return f"{value:,}".replace(",", ".")
        return value


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LoanProduct) -> str:
        return _("%(name)s: %(rate)s%% a year, %(method)s, up to %(max)s") % {
            "name": obj.name,
            "rate": obj.annual_rate,
            "method": obj.get_method_display(),
            "max": format_rupiah(obj.max_amount),
        }


class SimulatorForm(forms.Form):
    """A product, an amount and a term, checked against the product's limits."""

    product = ProductChoiceField(
        label=_("Loan product"),
        queryset=LoanProduct.objects.none(),
        empty_label=None,
        error_messages=PRODUCT_ERRORS,
    )
    amount = RupiahField(label=_("Amount (Rp)"), max_value=MAX_LOAN)
    term = forms.IntegerField(
        label=_("Term (months)"),
        min_value=1,
        max_value=360,
        error_messages=TERM_ERRORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 360}),
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products

    def clean(self) -> dict:
        data = super().clean()
        product, amount, term = data.get("product"), data.get("amount"), data.get("term")
        if product is None:
            return data
        if amount is not None and amount > product.max_amount:
            self.add_error(
                "amount",
                _("The most this product lends is %(max)s.")
                % {"max": format_rupiah(product.max_amount)},
            )
        if term is not None and not product.min_term <= term <= product.max_term:
            self.add_error(
                "term",
                _("The term must be between %(min)s and %(max)s months.")
                % {"min": product.min_term, "max": product.max_term},
            )
        return data

    @property
    def signature(self) -> str:
        """The figures of a valid form, to prove that the schedule shown is the one sent."""
        data = self.cleaned_data
        return f"{data['product'].pk}:{data['amount']}:{data['term']}"


class LoanApplicationForm(SimulatorForm):
    purpose = forms.CharField(
        label=_("What is the loan for?"),
        max_length=300,
        min_length=3,
        widget=forms.TextInput(attrs={"maxlength": 300, "autocomplete": "off"}),
        error_messages={"required": _("Say what the loan is for.")},
    )

    def clean_purpose(self) -> str:
        return " ".join(self.cleaned_data["purpose"].split())


class LoanProductForm(forms.ModelForm):
    max_amount = GroupedRupiahField(label=_("Maximum amount (Rp)"), max_value=MAX_LOAN)

    class Meta:
        model = LoanProduct
        fields = PRODUCT_FIELDS
        widgets = {"collateral_notes": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 3:
            raise ValidationError(_("Give the product a name of at least 3 letters."))
        return name

    def clean_max_term(self) -> int:
        value = self.cleaned_data["max_term"]
        if value < 1:
            raise ValidationError(_("The longest term is at least 1 month."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_term"), data.get("max_term")
        if low is not None and high is not None and low > high:
            self.add_error("max_term", _("The longest term cannot be shorter than the shortest."))
        return data


class LoanPolicyForm(forms.ModelForm):
    two_approvals_above = GroupedRupiahField(
        label=_("Two board approvals for loans above (Rp)"),
        min_value=0,
        max_value=MAX_LOAN,
        help_text=_("Larger loans need two different board members to approve (maker-checker)."),
    )

    class Meta:
        model = LoanPolicy
        fields = ("two_approvals_above",)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the member will read it)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
    )


DISBURSE_CHANNELS = [
    ("cash", _("Cash")),
    ("transfer", _("Bank transfer")),
    ("sukarela", _("Into the member's voluntary savings (sukarela)")),
]


class DisburseForm(forms.Form):
    channel = forms.ChoiceField(label=_("Pay out by"), choices=DISBURSE_CHANNELS)
    first_due = forms.DateField(
        label=_("First installment due on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 2025-01-31.")},
    )

    def clean_first_due(self) -> dt.date:
        value = self.cleaned_data["first_due"]
        today = timezone.localdate()
        if not today < value <= add_months(today, 3):
            raise ValidationError(
                _("The first installment falls due after today and within 3 months.")
            )
        return value


class OneTimeKeyForm(forms.Form):
    """A hidden one-time key makes a double submit post once. A form without one (a stale or
    hand-made page) is refused at the top of the form, where it can be seen."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not KEY.fullmatch(data.get("idempotency_key") or ""):
            raise ValidationError(_("This form has expired: open the page again and resubmit."))
        return data


class CounterRepaymentForm(OneTimeKeyForm):
    """A repayment at the counter."""

    amount = RupiahField(label=_("Amount (Rp)"), max_value=MAX_LOAN)
    channel = forms.ChoiceField(
        label=_("Paid by"),
        choices=[("cash", _("Cash")), ("transfer", _("Bank transfer"))],
        initial="cash",
    )

    field_order = ("amount", "channel", "idempotency_key")


class MemberRepaymentForm(OneTimeKeyForm):
    """A member repays from their voluntary savings (sukarela)."""

    amount = RupiahField(label=_("Amount (Rp)"), max_value=MAX_LOAN)

    field_order = ("amount", "idempotency_key")
