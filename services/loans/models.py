"""Loans (pinjaman): products, applications with maker-checker approval, fixed schedules,
repayments allocated penalty -> interest -> principal, and arrears grades (kolektibilitas)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative
from services.ledger.models import JournalEntry

MAX_LOAN = 10_000_000_000


class Method(models.TextChoices):
    FLAT = "flat", _("Flat (bunga flat)")
    ANNUITY = "annuity", _("Annuity (anuitas)")
    DECLINING = "declining", _("Declining balance (bunga menurun)")


class Grade(models.TextChoices):
    """Kolektibilitas by days past due."""

    LANCAR = "lancar", _("Current (lancar)")
    DPK = "dpk", _("Special mention (dalam perhatian khusus)")
    KURANG_LANCAR = "kurang_lancar", _("Substandard (kurang lancar)")
    DIRAGUKAN = "diragukan", _("Doubtful (diragukan)")
    MACET = "macet", _("Loss (macet)")


def grade_for(days_past_due: int) -> str:
    """lancar 0, dalam perhatian khusus 1-90, kurang lancar 91-120, diragukan 121-180,
    macet over 180 days past due."""
    if days_past_due <= 0:
        return Grade.LANCAR
    if days_past_due <= 90:
        return Grade.DPK
    if days_past_due <= 120:
        return Grade.KURANG_LANCAR
    if days_past_due <= 180:
        return Grade.DIRAGUKAN
    return Grade.MACET


class LoanProduct(models.Model):
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    annual_rate = models.DecimalField(
        _("interest (% per year)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_amount = models.BigIntegerField(
        _("maximum amount"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LOAN)]
    )
    min_term = models.PositiveSmallIntegerField(
        _("shortest term (months)"), default=1, validators=[MinValueValidator(1)]
    )
    max_term = models.PositiveSmallIntegerField(
        _("longest term (months)"), default=24, validators=[MaxValueValidator(360)]
    )
    admin_fee_percent = models.DecimalField(
        _("admin fee (% of the loan, deducted at disbursement)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    penalty_percent = models.DecimalField(
        _("late penalty (% of the overdue installment per month)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )
    grace_days = models.PositiveSmallIntegerField(_("grace days before a penalty"), default=3)
    savings_multiple = models.DecimalField(
        _("maximum as a multiple of the member's savings (0: no limit)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(3),
        validators=[MinValueValidator(Decimal(0))],
    )
    collateral_notes = models.TextField(_("collateral and guarantor"), blank=True, max_length=2000)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_term__lte=F("max_term")), name="loanproduct_terms_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rate(self) -> Decimal:
        """The annual rate as a fraction (12.00 % -> 0.12)."""
        return self.annual_rate / 100


class LoanPolicy(models.Model):
    """A cooperative's rule for approvals: above this amount, two different board members."""

    cooperative = models.OneToOneField(
        Cooperative, on_delete=models.CASCADE, related_name="loan_policy"
    )
    two_approvals_above = models.BigIntegerField(
        _("two board approvals above"), default=10_000_000, validators=[MinValueValidator(0)]
    )

    def __str__(self) -> str:
        return f"{self.cooperative}"


class Loan(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        ACTIVE = "active", _("Disbursed, repaying")
        PAID_OFF = "paid_off", _("Paid off")
        WRITTEN_OFF = "written_off", _("Written off")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans")
    amount = models.BigIntegerField(_("amount"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    annual_rate = models.DecimalField(max_digits=5, decimal_places=2)
    method = models.CharField(max_length=10, choices=Method.choices)
    purpose = models.CharField(_("purpose"), max_length=300)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True, max_length=1000)
    admin_fee_percent = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(0))
    admin_fee = models.BigIntegerField(default=0)
    disbursed_on = models.DateField(null=True, blank=True)
    disbursed_via = models.CharField(max_length=10, blank=True)
    disbursement = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outstanding_principal = models.BigIntegerField(default=0)
    days_past_due = models.PositiveIntegerField(default=0)
    grade = models.CharField(max_length=14, choices=Grade.choices, default=Grade.LANCAR)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-applied_at"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=Q(outstanding_principal__gte=0)
                & Q(outstanding_principal__lte=F("amount")),
                name="loan_outstanding_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["cooperative", "status"]),
            models.Index(fields=["member", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.member_id} {self.amount}"

    @property
    def rate(self) -> Decimal:
        return self.annual_rate / 100


class LoanApproval(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["loan", "user"], name="approval_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} by {self.user_id}"


class Installment(models.Model):
    """One row of the schedule, fixed at disbursement, with what has been paid against it."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="installments")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal = models.BigIntegerField()
    interest = models.BigIntegerField()
    penalty = models.BigIntegerField(default=0)
    paid_principal = models.BigIntegerField(default=0)
    paid_interest = models.BigIntegerField(default=0)
    paid_penalty = models.BigIntegerField(default=0)
    paid_on = models.DateField(null=True, blank=True)
    waived = models.BooleanField(default=False)

    class Meta:
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="installment_unique"),
            models.CheckConstraint(
                condition=Q(paid_principal__lte=F("principal"))
                & Q(paid_interest__lte=F("interest"))
                & Q(paid_penalty__lte=F("penalty")),
                name="installment_paid_within_due",
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "due_date"])]

    def __str__(self) -> str:
        return f"{self.loan_id}/{self.number}"

    @property
    def owed(self) -> int:
        return (
            self.principal
            + self.interest
            + self.penalty
            - self.paid_principal
            - self.paid_interest
            - self.paid_penalty
        )

    @property
    def is_paid(self) -> bool:
        return self.owed == 0


class Repayment(models.Model):
    """How one payment was split, for the receipt and the history."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    penalty = models.BigIntegerField(default=0)
    interest = models.BigIntegerField(default=0)
    principal = models.BigIntegerField(default=0)
    prepaid = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.amount}"


class LoanDailyRun(models.Model):
    """One daily job per cooperative and date: a rerun changes nothing."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    loans_late = models.PositiveIntegerField(default=0)
    penalties = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "date"], name="loan_daily_once")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.date}"
