"""Forms for the participation pages: the board's year selector and the four weights."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from services.participation.models import ParticipationWeights

WEIGHT_FIELDS = ("attendance", "votes", "wajib_on_time", "services")
SETTINGS_FIELDS = (*WEIGHT_FIELDS, "quorum_percent")


class YearForm(forms.Form):
    """?year=: one of the years offered (the current fiscal year and the four before)."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, choices=())

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


class WeightsForm(forms.ModelForm):
    class Meta:
        model = ParticipationWeights
        fields = SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in WEIGHT_FIELDS:
            self.fields[name].widget.attrs.update({"min": 0, "max": 100, "inputmode": "numeric"})

    def clean(self) -> dict:
        data = super().clean()
        values = [data.get(name) for name in WEIGHT_FIELDS]
        if all(v is not None for v in values):
            total = sum(values)
            if total != 100:
                raise forms.ValidationError(
                    _("The weights add up to %(total)s; they must add up to exactly 100.")
                    % {"total": total}
                )
        return data
