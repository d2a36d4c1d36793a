"""Partners (mitra): businesses working with cooperatives under a partnership agreement."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative, User
from partners.validators import validate_npwp


def percent_field(label) -> models.DecimalField:
    """A percentage from 0 to 100 with two decimals (discounts, fees), 0 by default."""
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )


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
    member_discount_percent = percent_field(_("member discount (%)"))
    #: The cooperative's fee on its members' purchases, settled monthly (0 = none).
    commission_percent = percent_field(_("cooperative's fee (%)"))
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


class PartnershipFigures(models.Model):
    """The cooperative's consent that a financing partner sees its aggregate figures.

    One row per partnership; consent is withdrawn by setting `revoked_at`. Aggregates only:
    never a person's data.
    """

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="figures_consent"
    )
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent to share figures")
        verbose_name_plural = _("consents to share figures")

    def __str__(self) -> str:
        return f"{self.partnership} (figures shared)"


class PartnerInvitation(models.Model):
    """A cooperative invites a business by email; registering through the link brings the
    business in with the cooperative's proposal waiting for its owner's acceptance."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="partner_invitations"
    )
    business_name = models.CharField(_("business name"), max_length=200)
    email = models.EmailField(_("email"))
    terms = models.TextField(_("terms"), max_length=5000)
    member_discount_percent = percent_field(_("member discount (%)"))
    commission_percent = percent_field(_("cooperative's fee (%)"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    #: sha256 of the secret in the emailed link; the secret itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")

    def __str__(self) -> str:
        return f"{self.business_name} <{self.email}>"


class OfferQuerySet(models.QuerySet):
    def published(self, on: date | None = None) -> OfferQuerySet:
        """Not withdrawn and valid on the day (today by default)."""
        day = on or timezone.localdate()
        return self.filter(withdrawn_at__isnull=True, valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def for_cooperative(self, cooperative: Cooperative) -> OfferQuerySet:
        """Offers of partners with an active partnership with the cooperative."""
        return self.filter(
            partner__partnerships__cooperative=cooperative,
            partner__partnerships__status=Partnership.Status.ACTIVE,
        )


def offer_picture_path(offer: Offer, filename: str) -> str:
    return f"offers/{offer.partner_id}/{uuid.uuid4().hex}.jpg"


class Offer(models.Model):
    """Goods or a service a partner offers to the members of its partner cooperatives."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="offers", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. kg, sack"))
    price = models.BigIntegerField(_("price (Rp)"), validators=[MinValueValidator(1)])
    discount_percent = percent_field(_("member discount (%)"))
    #: A small JPEG made from the upload (members pay for mobile data).
    picture = models.FileField(_("picture"), upload_to=offer_picture_path, blank=True)
    #: A 160 px copy for lists, so a page of offers stays a few kilobytes per picture.
    thumbnail = models.FileField(upload_to=offer_picture_path, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="offer_price_positive"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="offer_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="offer_valid_to_not_before_from",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def member_price(self) -> int:
        """The price a member pays: the discount taken off, rounded half up to whole Rupiah."""
        return member_price(self.price, self.discount_percent)


def member_price(price: int, discount_percent: Decimal) -> int:
    """`price` less `discount_percent`, rounded half up to whole Rupiah (the one rule)."""
    paid = Decimal(price) * (Decimal(100) - Decimal(discount_percent)) / Decimal(100)
    return int(paid.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Order(models.Model):
    """A member orders (or reserves) an offer; the partner confirms, fulfils or rejects it."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        CONFIRMED = "confirmed", _("Confirmed")
        FULFILLED = "fulfilled", _("Fulfilled")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="partner_orders"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="partner_orders"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="orders")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="orders")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    #: The member price when the order was placed, and quantity times that price.
    unit_price = models.BigIntegerField(_("unit price (Rp)"))
    total = models.BigIntegerField(_("total (Rp)"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLACED
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["partner", "status", "-created_at"]),
            models.Index(fields=["member", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_quantity_positive"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.offer_id} x{self.quantity}"


class PurchaseCode(models.Model):
    """A short one-time code a member shows a partner so the purchase is credited to them.

    Valid for a few minutes, used once, and dead after a few wrong tries.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="purchase_codes"
    )
    code = models.CharField(max_length=6)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["member", "-created_at"])]

    def __str__(self) -> str:
        return f"code for member {self.member_id}"


class Purchase(models.Model):
    """A member's purchase at a partner, recorded by the partner. Append-only.

    Counts in the member's participation (using the cooperative's services) and in the SHU
    jasa usaha base (transactions), by `amount`: what the member paid.
    """

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="partner_purchases"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="purchases")
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="purchase"
    )
    amount = models.BigIntegerField(_("amount paid (Rp)"))
    discount = models.BigIntegerField(_("member discount given (Rp)"), default=0)
    description = models.CharField(_("description"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: From the API's `Idempotency-Key` header; a replay with the same key returns this row.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("partner purchase")
        verbose_name_plural = _("partner purchases")
        indexes = [
            models.Index(fields=["cooperative", "occurred_at"]),
            models.Index(fields=["partner", "occurred_at"]),
            models.Index(fields=["member", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="purchase_amount_positive"),
            models.CheckConstraint(
                condition=Q(discount__gte=0), name="purchase_discount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="purchase_idempotency_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} Rp {self.amount}"


class ApiToken(models.Model):
    """A partner's key to the JSON API. Only a SHA-256 of the token is stored; the token is
    shown once, when created. `prefix` (its first characters) lets people tell tokens apart."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"
