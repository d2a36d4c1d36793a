"""The double-entry ledger: a chart of accounts per cooperative, journal entries, postings.

Amounts are whole Rupiah. A posting's amount is signed: debit positive, credit negative; the
postings of an entry sum to zero. An account's stored `balance` is kept in its normal sign
(`normal_sign` is +1 for assets and expenses, -1 for liabilities, equity and income), so a
member's savings balance reads as a positive number. Entries and postings are append-only:
PostgreSQL refuses UPDATE and DELETE on them, and a correction is a reversing entry.
`PeriodClose` rows close the books through a day (see `services.ledger.periods`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative


class SavingsKind(models.TextChoices):
    POKOK = "pokok", _("Principal savings (simpanan pokok)")
    WAJIB = "wajib", _("Mandatory savings (simpanan wajib)")
    SUKARELA = "sukarela", _("Voluntary savings (simpanan sukarela)")


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        EQUITY = "equity", _("Equity")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=24)
    name = models.CharField(_("name"), max_length=150)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    normal_sign = models.SmallIntegerField(default=1)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="accounts"
    )
    savings_kind = models.CharField(max_length=10, choices=SavingsKind.choices, blank=True)
    balance = models.BigIntegerField(_("balance"), default=0)
    may_go_negative = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="account_code_unique"),
            models.UniqueConstraint(
                fields=["member", "savings_kind"],
                condition=Q(member__isnull=False),
                name="account_one_per_member_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(may_go_negative=True) | Q(balance__gte=0),
                name="account_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(normal_sign__in=[1, -1]), name="account_normal_sign_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        INTEREST = "interest", _("Savings interest (jasa simpanan)")
        OPENING = "opening", _("Opening balance")
        EXIT = "exit", _("Payout on exit")
        REVERSAL = "reversal", _("Reversal")
        OTHER = "other", _("Other")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    memo = models.CharField(_("description"), max_length=200, blank=True)
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(
        _("paid by"),
        max_length=10,
        blank=True,
        choices=[
            ("cash", _("Cash")),
            ("transfer", _("Bank transfer")),
            ("internal", _("Internal")),
        ],
    )
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)
    fingerprint = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="entry_idempotency_key_unique",
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "date"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.date} {self.get_kind_display()}"


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(_("amount"))
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="posting_amount_not_zero"),
        ]
        indexes = [
            models.Index(fields=["account", "date", "id"]),
            models.Index(fields=["entry"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"


class PeriodClose(models.Model):
    """The board closed the books through `closed_through`: nothing may be posted dated on or
    before it. Rows only ever reach further; the latest is in force, the others are history."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    closed_through = models.DateField(_("closed through"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-closed_through"]
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "closed_through"], name="period_close_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.closed_through}"
