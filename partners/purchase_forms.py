"""Forms for recording members' purchases and reading the figures. They parse input only;
the rules (code, partnership, order) live in `partners.purchases`."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.forms import RupiahField
from koperasi.models import Cooperative
from koperasi.money import format_rupiah
from partners.models import Order, Partner
from partners.purchases import MAX_AMOUNT, partner_active_cooperatives, qr_parse

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
DATE_ERRORS = {"invalid": _("Enter a real date, for example 2025-01-31.")}


class OrderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Order) -> str:
        return _("#%(id)s %(title)s x %(quantity)s, member %(number)s, %(total)s") % {
            "id": obj.pk,
            "title": obj.offer.title,
            "quantity": obj.quantity,
            "number": obj.member.number,
            "total": format_rupiah(obj.total),
        }


class PurchaseRecordForm(forms.Form):
    """Cooperative, member number and the member's code (or the QR text in one field), and
    what the member paid."""

    qr = forms.CharField(
        label=_("QR text (optional)"),
        required=False,
        max_length=120,
        help_text=_(
            "Scanned the member's QR code? Paste its text here: it fills in the cooperative, "
            "member number and code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    cooperative = forms.ModelChoiceField(
        label=_("Cooperative"),
        queryset=Cooperative.objects.none(),
        required=False,
        empty_label=_("Choose a cooperative"),
    )
    member_number = forms.IntegerField(
        label=_("Member number"),
        required=False,
        min_value=1,
        max_value=999_999_999,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    code = forms.CharField(
        label=_("Member's code"),
        required=False,
        max_length=6,
        validators=[RegexValidator(r"^[0-9]{6}$", _("The code is 6 digits."))],
        help_text=_("The 6 digits on the member's phone, valid for 10 minutes."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 6}
        ),
    )
    amount = RupiahField(label=_("Amount paid (Rp)"), max_value=MAX_AMOUNT)
    discount = RupiahField(
        label=_("Member discount given (Rp)"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=200)
    order = OrderChoiceField(
        label=_("Confirmed order paid by this purchase (optional)"),
        queryset=Order.objects.none(),
        required=False,
        empty_label=_("No order"),
    )
    #: A fresh key per form shown: a double tap or a resent form records the purchase once.
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, partner: Partner, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("request_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.partner = partner
        self.fields["cooperative"].queryset = partner_active_cooperatives(partner=partner)
        self.fields["order"].queryset = (
            Order.objects.filter(
                partner=partner, status=Order.Status.CONFIRMED, purchase__isnull=True
            )
            .select_related("offer", "member")
            .order_by("-created_at", "-id")
        )

    def clean(self) -> dict:
        data = super().clean()
        text = (data.get("qr") or "").strip()
        if text:
            content = qr_parse(text)
            if content is None:
                self.add_error("qr", _("This is not a member's QR text."))
                return data
            cooperative = self.fields["cooperative"].queryset.filter(slug=content.coop_slug).first()
            if cooperative is None:
                self.add_error(
                    "qr", _("Your business has no active partnership with this cooperative.")
                )
                return data
            data.update(
                cooperative=cooperative,
                member_number=content.member_number,
                code=content.code,
            )
            for name in ("cooperative", "member_number", "code"):
                self.errors.pop(name, None)
            return data
        required = {
            "cooperative": _("Choose a cooperative."),
            "member_number": _("Enter the member number."),
            "code": _("Enter the member's code."),
        }
        for name, message in required.items():
            if name not in self.errors and not data.get(name):
                self.add_error(name, message)
        if data.get("discount") is None:
            data["discount"] = 0
        return data


class PurchaseFilterForm(forms.Form):
    """The partner's purchase list: a month (YYYY-MM) and a cooperative, both optional."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-01"}),
    )
    cooperative = forms.ModelChoiceField(
        label=_("Cooperative"),
        queryset=Cooperative.objects.none(),
        required=False,
        empty_label=_("All cooperatives"),
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = Cooperative.objects.filter(
            partnerships__partner=partner
        ).distinct()

    def clean_month(self) -> tuple[int, int] | None:
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        found = MONTH.fullmatch(text)
        if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
            raise ValidationError(_("Enter a month as YYYY-MM, for example 2025-01."))
        return int(found[1]), int(found[2])


class SalesPeriodForm(forms.Form):
    """From and to (local dates, inclusive); this month so far by default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so these two fields are added here, not declared.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                error_messages=DATE_ERRORS,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        start = data.get("from") or today.replace(day=1)
        end = data.get("to") or today.replace(day=calendar.monthrange(today.year, today.month)[1])
        if "from" in self.errors or "to" in self.errors:
            return data
        if start > end:
            self.add_error("to", _("The end date is before the start date."))
        elif (end - start) > dt.timedelta(days=366 * 5):
            self.add_error("to", _("Choose a period of at most five years."))
        data["from"], data["to"] = start, end
        return data

    @property
    def date_from(self) -> dt.date:
        return self.cleaned_data["from"]

    @property
    def date_to(self) -> dt.date:
        return self.cleaned_data["to"]
