"""Forms of meetings and votes: input checks only; the rules live in the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from services.participation.models import Attendance, Meeting, Vote

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class MeetingForm(forms.ModelForm):
    online_link = forms.URLField(
        label=_("online link"), required=False, assume_scheme="https", max_length=200
    )
    documents = MultipleFileField(label=_("Documents (PDF, at most 10 MB each)"), required=False)

    class Meta:
        model = Meeting
        fields = (
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "agenda",
            "fiscal_year",
        )
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "agenda": forms.Textarea(attrs={"rows": 6, "maxlength": 5000}),
        }

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if not data.get("place", "").strip() and not data.get("online_link", "").strip():
            self.add_error("place", _("Give a place, an online link, or both."))
        return data


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Document (PDF, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class DoorForm(forms.Form):
    number = forms.IntegerField(
        label=_("Member number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(choices=Attendance.Rsvp.choices)


class VoteForm(forms.ModelForm):
    options = forms.CharField(
        label=_("Options, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A motion without options gets Setuju / Tidak setuju / Abstain."),
    )
    meeting = forms.ModelChoiceField(
        label=_("Meeting"), queryset=Meeting.objects.none(), required=False
    )

    class Meta:
        model = Vote
        fields = ("kind", "question", "description", "secret", "opens_at", "closes_at")
        widgets = {
            "opens_at": DATETIME_WIDGET,
            "closes_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        }

    def __init__(self, *args, cooperative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = Meeting.objects.filter(cooperative=cooperative)

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The vote must close after it opens."))
        return data

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class BallotForm(forms.Form):
    option = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label=_("Your choice"))

    def __init__(self, *args, vote: Vote, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(o.pk, o.label) for o in vote.options.all()]
