"""The forms that start a job: the month to close, the year of a RAT pack."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.errors import DomainError
from services.jobs.kinds import parse_month
from services.savings.actions import add_months


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthEndForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=MonthInput,
        help_text=_("A month that has ended. Its month end runs once: a second run posts nothing."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        last_month = add_months(timezone.localdate().replace(day=1), -1)
        self.fields["month"].initial = f"{last_month:%Y-%m}"

    def clean_month(self) -> str:
        try:
            month = parse_month(self.cleaned_data["month"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        if month.year < 2000:
            raise forms.ValidationError(_("Choose a month as YYYY-MM."))
        return f"{month:%Y-%m}"


class RatPackForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        if years:
            self.fields["year"].initial = years[0]
