from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.imports import MAX_UPLOAD_BYTES

ALLOWED_SUFFIXES = (".csv", ".xlsx")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Member list (.csv or .xlsx)"),
        help_text=_("At most 20 MB and 100,000 members. The first row names the columns."),
        widget=forms.FileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than 20 MB. Split it into several files."))
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload
