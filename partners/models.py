"""Partners (mitra): businesses working with cooperatives under a partnership agreement."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative, User
from partners.validators import validate_npwp


class Partner(models.Model):
    """A business (supplier, buyer, bank, marketplace, service) with its own portal."""

    class Kind(models.TextChoices):
        SUPPLIER = "supplier", _("Supplier")
        BUYER = "buyer", _("Buyer")
        BANK_OR_FUND = "bank_or_fund", _("Bank or financing fund")
        MARKETPLACE = "marketplace", _("Marketplace")
        SERVICE = "service", _("Service")

    name = models.CharField(_("business name"), max_length=200)
    npwp = models.CharField(
        _("tax number (NPWP)"), max_length=16, unique=True, validators=[validate_npwp]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    address = models.TextField(_("address"), max_length=500)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"))
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name


class PartnerUser(models.Model):
    """A person's role in one partner business: the single place that grants portal access."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="users", verbose_name=_("partner")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="partner_roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("partner user")
        verbose_name_plural = _("partner users")
        constraints = [
            models.UniqueConstraint(fields=["partner", "user"], name="partner_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"


class PartnershipQuerySet(models.QuerySet):
    def live(self) -> PartnershipQuerySet:
        """Proposed or active: not yet ended."""
        return self.exclude(status=Partnership.Status.ENDED)


class Partnership(models.Model):
    """An agreement between a cooperative and a partner; active once both sides accepted."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("cooperative"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("partner")
    )
    terms = models.TextField(_("terms"), max_length=5000)
    member_discount_percent = models.DecimalField(
        _("member discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    accepted_by_cooperative_at = models.DateTimeField(null=True, blank=True)
    accepted_by_cooperative_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_by_partner_at = models.DateTimeField(null=True, blank=True)
    accepted_by_partner_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "partner"],
                condition=~Q(status="ended"),
                name="partnership_one_live_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="partnership_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} - {self.partner}"
