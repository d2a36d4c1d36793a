"""The board's form for a draft SHU year: the surplus, the seven parts of the split (which must
add up to exactly 100 %), the savings rule and how members are paid, and the approving vote."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from koperasi.forms import RupiahField
from koperasi.models import Cooperative
from services.participation.models import ShuYear, Vote
from services.participation.shu import PERCENT_FIELDS, percentages_total


class ShuYearForm(forms.ModelForm):
    surplus = RupiahField(label=_("Surplus (SHU) of the year"), min_value=0)
    vote = forms.ModelChoiceField(
        label=_("Members' vote approving the split"),
        queryset=Vote.objects.none(),
        required=False,
        empty_label=_("No vote yet"),
    )

    class Meta:
        model = ShuYear
        fields = (
            "year",
            "surplus",
            *PERCENT_FIELDS,
            "include_sukarela",
            "credit_to_sukarela",
            "vote",
        )

    def __init__(self, *args, cooperative: Cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices keyed by cooperative: another cooperative's vote is not a valid choice.
        self.fields["vote"].queryset = Vote.objects.filter(cooperative=cooperative)
        self.fields["year"].widget.attrs.update({"inputmode": "numeric", "min": 2000, "max": 2100})
        for name in PERCENT_FIELDS:
            self.fields[name].min_value = Decimal(0)
            self.fields[name].widget.attrs.update({"min": 0, "max": 100, "step": "0.01"})

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("Enter a fiscal year such as 2025."))
        return year

    def clean(self) -> dict:
        data = super().clean()
        if all(data.get(name) is not None for name in PERCENT_FIELDS):
            total = percentages_total(data)
            if total != Decimal(100):
                raise forms.ValidationError(
                    _("The percentages add up to %(total)s %%; they must add up to exactly 100 %%.")
                    % {"total": f"{total.normalize():f}"}
                )
        return data

    def _post_clean(self) -> None:
        # The action validates and saves; the unique (cooperative, year) check lives there.
        pass
