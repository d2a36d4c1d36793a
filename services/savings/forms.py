from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from koperasi.forms import RupiahField
from services.ledger.models import SavingsKind
from services.savings.models import SavingsProduct

EXPIRED = _("This form has expired: open the page again and resubmit.")
ONLY_SUKARELA = _("Only simpanan sukarela can be withdrawn; pokok and wajib leave with the member.")


class TellerForm(forms.Form):
    """One counter transaction. The hidden key makes a double submit post once."""

    number = forms.IntegerField(
        label=_("Member number"),
        min_value=1,
        max_value=10**9,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    direction = forms.ChoiceField(
        label=_("Transaction"),
        choices=[("deposit", _("Deposit (setor)")), ("withdrawal", _("Withdrawal (tarik)"))],
        widget=forms.RadioSelect,
        initial="deposit",
    )
    kind = forms.ChoiceField(label=_("Savings"), choices=SavingsKind.choices, initial="wajib")
    amount = RupiahField(label=_("Amount (Rp)"))
    channel = forms.ChoiceField(
        label=_("Paid by"),
        choices=[("cash", _("Cash")), ("transfer", _("Bank transfer"))],
        initial="cash",
    )
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput,
        max_length=80,
        error_messages=dict.fromkeys(
            ("required", "max_length", "null_characters_not_allowed"), EXPIRED
        ),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("direction") == "withdrawal" and data.get("kind") != SavingsKind.SUKARELA:
            self.add_error(
                "kind",
                ValidationError(ONLY_SUKARELA),
            )
        return data


class WithdrawalDecisionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000)


class SavingsProductForm(forms.ModelForm):
    pokok_amount = RupiahField(label=_("Simpanan pokok (once, on joining)"), min_value=0)
    wajib_amount = RupiahField(label=_("Simpanan wajib per month"), min_value=0)
    sukarela_min_balance = RupiahField(label=_("Minimum sukarela balance"), min_value=0)

    class Meta:
        model = SavingsProduct
        fields = (
            "pokok_amount",
            "wajib_amount",
            "wajib_due_day",
            "sukarela_annual_rate",
            "sukarela_min_balance",
        )
