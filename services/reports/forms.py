"""The period picker of the reports page, and the board's form to close the books."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import dateformat
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative
from services.ledger.periods import month_end
from services.participation.shu import fiscal_year_bounds
from services.reports.statements import fiscal_year_of
from services.savings.actions import add_months

MONTH, QUARTER, YEAR, CUSTOM = "month", "quarter", "year", "custom"
#: The longest custom period: ten years.
MAX_DAYS = 3660


def quarter_bounds(cooperative: Cooperative, year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """Quarter 1-4 of fiscal year `year` (quarters follow the fiscal year)."""
    first = add_months(fiscal_year_bounds(cooperative, year)[0], 3 * (quarter - 1))
    return first, add_months(first, 3) - dt.timedelta(days=1)


def quarter_of(cooperative: Cooperative, day: dt.date) -> tuple[int, int]:
    """(fiscal year, quarter) that contains `day`."""
    year = fiscal_year_of(cooperative, day)
    first = fiscal_year_bounds(cooperative, year)[0]
    months = (day.year - first.year) * 12 + day.month - first.month
    return year, months // 3 + 1


class PeriodForm(forms.Form):
    """A month, a fiscal quarter, a fiscal year, or any days from - to. Empty: the fiscal year
    to date."""

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[
            (MONTH, _("Month")),
            (QUARTER, _("Quarter")),
            (YEAR, _("Fiscal year")),
            (CUSTOM, _("From - to")),
        ],
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("Enter a month, for example 2026-03.")},
    )
    year = forms.IntegerField(
        label=_("Fiscal year"),
        required=False,
        min_value=1990,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "-"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")],
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 2026-01-31.")},
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a real date, for example 2026-01-31.")},
    )

    def __init__(self, data, *, cooperative: Cooperative, today: dt.date):
        super().__init__(data)
        self.cooperative = cooperative
        self.today = today
        self.start_date, self.end_date = self.default_period()

    def default_period(self) -> tuple[dt.date, dt.date]:
        """The fiscal year to date."""
        year = fiscal_year_of(self.cooperative, self.today)
        return fiscal_year_bounds(self.cooperative, year)[0], self.today

    def _need(self, name: str, value):
        if value is None:
            self.add_error(name, _("Fill this in for the period you chose."))
        return value

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if not period or self.errors:
            return data
        if period == MONTH:
            month = self._need("month", data.get("month"))
            if month:
                self.start_date, self.end_date = month.replace(day=1), month_end(month)
        elif period == QUARTER:
            year, quarter = (
                self._need("year", data.get("year")),
                self._need("quarter", data.get("quarter")),
            )
            if year and quarter:
                self.start_date, self.end_date = quarter_bounds(self.cooperative, year, quarter)
        elif period == YEAR:
            year = self._need("year", data.get("year"))
            if year:
                self.start_date, self.end_date = fiscal_year_bounds(self.cooperative, year)
        else:
            start, end = self._need("start", data.get("start")), self._need("end", data.get("end"))
            if start and end:
                if end < start:
                    self.add_error("end", _("The end comes before the start."))
                elif (end - start).days > MAX_DAYS:
                    self.add_error("end", _("Choose at most ten years."))
                else:
                    self.start_date, self.end_date = start, end
        if self.errors:
            self.start_date, self.end_date = self.default_period()
        return data


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{dateformat.format(start, 'j F Y')} \N{EN DASH} {dateformat.format(end, 'j F Y')}"


def quick_periods(cooperative: Cooperative, today: dt.date) -> list[tuple[str, dict]]:
    """Shortcuts for the picker: (label, query parameters)."""
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    year, quarter = quarter_of(cooperative, today)
    last_q_year, last_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return [
        (_("This fiscal year to date"), {}),
        (_("This month"), {"period": MONTH, "month": f"{this_month:%Y-%m}"}),
        (_("Last month"), {"period": MONTH, "month": f"{last_month:%Y-%m}"}),
        (_("This quarter"), {"period": QUARTER, "year": year, "quarter": quarter}),
        (
            _("Last quarter"),
            {"period": QUARTER, "year": last_q_year, "quarter": last_quarter},
        ),
        (_("Last fiscal year"), {"period": YEAR, "year": fiscal_year_of(cooperative, today) - 1}),
    ]


class PeriodCloseForm(forms.Form):
    """Close the books through the end of a chosen month."""

    month = forms.TypedChoiceField(label=_("Close the books through the end of"), coerce=str)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)
    confirm = forms.BooleanField(
        label=_("I understand that nothing can be posted dated in a closed period any more."),
    )

    def __init__(self, data=None, *, months: list[dt.date]):
        super().__init__(data)
        self.fields["month"].choices = [
            (f"{month:%Y-%m}", dateformat.format(month, "F Y")) for month in months
        ]

    @property
    def through(self) -> dt.date:
        year, month = (int(part) for part in self.cleaned_data["month"].split("-"))
        return month_end(dt.date(year, month, 1))
