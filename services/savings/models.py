"""Savings products, bills for pokok and wajib, month-end runs and withdrawal requests."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative
from services.ledger.models import JournalEntry, SavingsKind

MAX_AMOUNT = 10_000_000_000  # Rp 10 milyar: no single savings movement is larger.


class SavingsProduct(models.Model):
    """A cooperative's savings rules (one row per cooperative)."""

    cooperative = models.OneToOneField(
        Cooperative, on_delete=models.CASCADE, related_name="savings_product"
    )
    pokok_amount = models.BigIntegerField(
        _("simpanan pokok (once, on joining)"),
        default=100_000,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    wajib_amount = models.BigIntegerField(
        _("simpanan wajib per month"),
        default=25_000,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
    )
    wajib_due_day = models.PositiveSmallIntegerField(
        _("wajib due on day"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    sukarela_annual_rate = models.DecimalField(
        _("interest on sukarela (% per year)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(50))],
        help_text=_("Paid monthly on the lowest balance of the month."),
    )
    sukarela_min_balance = models.BigIntegerField(
        _("minimum sukarela balance"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT)],
        help_text=_("A withdrawal may not take the balance below this; no interest below it."),
    )

    class Meta:
        verbose_name = _("savings product")
        verbose_name_plural = _("savings products")

    def __str__(self) -> str:
        return f"{self.cooperative}"


class SavingsBill(models.Model):
    """What a member owes for simpanan pokok (once) or simpanan wajib (each month)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Unpaid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="bills")
    kind = models.CharField(
        max_length=10, choices=[c for c in SavingsKind.choices if c[0] != SavingsKind.SUKARELA]
    )
    period = models.DateField(_("month"))
    due_date = models.DateField(_("due"))
    amount = models.BigIntegerField(_("amount"))
    paid_amount = models.BigIntegerField(_("paid"), default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("savings bill")
        verbose_name_plural = _("savings bills")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "period"], name="bill_one_per_member_kind_month"
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0) & Q(paid_amount__lte=F("amount")),
                name="bill_paid_within_amount",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bill_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["cooperative", "status", "period"]),
            models.Index(fields=["member", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period:%Y-%m} {self.member_id}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid_amount


class MonthEndRun(models.Model):
    """One month-end close per cooperative and month: the guard that makes reruns post nothing."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    bills_created = models.PositiveIntegerField(default=0)
    interest_total = models.BigIntegerField(default=0)
    interest_members = models.PositiveIntegerField(default=0)
    interest_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "month"], name="month_end_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.month:%Y-%m}"


class WithdrawalRequest(models.Model):
    """A member asks, online, to withdraw sukarela to a bank account."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved and paid")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="withdrawal_requests"
    )
    amount = models.BigIntegerField(_("amount"))
    bank_name = models.CharField(_("bank"), max_length=60)
    bank_account_number = models.CharField(_("account number"), max_length=30)
    bank_account_holder = models.CharField(_("account holder"), max_length=150)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("withdrawal request")
        verbose_name_plural = _("withdrawal requests")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="request_positive")]
        indexes = [models.Index(fields=["cooperative", "status"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.amount}"
