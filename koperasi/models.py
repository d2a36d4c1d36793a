"""What every app shares: people, regions, the Cooperative tenant, roles and the event log."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi import validators


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with one login, who may hold roles in several cooperatives."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        default="id",
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"), default=False, help_text=_("Can log in to the Django admin.")
    )
    is_platform_staff = models.BooleanField(
        _("platform staff"),
        default=False,
        help_text=_("Verifies cooperatives and sees aggregate figures across them."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Province(models.Model):
    """A province (provinsi), keyed by its Kemendagri code."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    """A regency or city (kabupaten/kota), keyed by its Kemendagri code such as `32.76`."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regency or city")
        verbose_name_plural = _("regencies and cities")

    def __str__(self) -> str:
        return self.name


class CooperativeQuerySet(models.QuerySet["Cooperative"]):
    def verified(self) -> CooperativeQuerySet:
        """Cooperatives that platform staff verified: the only ones the public sees."""
        return self.filter(status=Cooperative.Status.VERIFIED)

    def pending(self) -> CooperativeQuerySet:
        """Cooperatives waiting for platform staff to decide."""
        return self.filter(status=Cooperative.Status.PENDING)


class Cooperative(models.Model):
    """The tenant: every cooperative-owned row elsewhere carries a foreign key to one of these."""

    class Type(models.TextChoices):
        KSP = "ksp", _("Savings and loan (KSP)")
        KSU = "ksu", _("Multipurpose (KSU)")
        CONSUMER = "konsumen", _("Consumer")
        PRODUCER = "produsen", _("Producer")
        MARKETING = "pemasaran", _("Marketing")
        SERVICES = "jasa", _("Services")
        KSPPS = "kspps", _("Sharia savings, loans and financing (KSPPS)")
        KSU_SYARIAH = "ksu_syariah", _("Sharia multipurpose")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    slug = models.SlugField(_("address on the portal"), max_length=60, unique=True)
    name = models.CharField(_("cooperative name"), max_length=200)
    legal_entity_number = models.CharField(
        _("legal-entity number (nomor badan hukum)"), max_length=60, unique=True
    )
    nik_koperasi = models.CharField(
        _("cooperative number (NIK koperasi)"),
        max_length=16,
        unique=True,
        validators=[validators.validate_nik_koperasi],
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="+", verbose_name=_("regency or city")
    )
    address = models.TextField(_("address"), max_length=500)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"))
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in"), default=1
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True, max_length=1000)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="cooperative_fiscal_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "verified", "rejected"]),
                name="cooperative_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class Role(models.Model):
    """A person's role in one cooperative: the single place that grants access to its area."""

    class Kind(models.TextChoices):
        BOARD = "board", _("Board (pengurus)")
        SUPERVISOR = "supervisor", _("Supervisor (pengawas)")
        TELLER = "teller", _("Teller (kasir)")
        MEMBER = "member", _("Member (anggota)")

    class Title(models.TextChoices):
        CHAIR = "chair", _("Chair (ketua)")
        SECRETARY = "secretary", _("Secretary (sekretaris)")
        TREASURER = "treasurer", _("Treasurer (bendahara)")
        NONE = "", _("—")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="roles", verbose_name=_("cooperative")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("person")
    )
    kind = models.CharField(_("role"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=12, choices=Title.choices, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "user", "kind"], name="role_unique_per_person"
            ),
            models.UniqueConstraint(
                fields=["cooperative"], condition=Q(title="chair"), name="role_one_chair"
            ),
            models.CheckConstraint(
                condition=Q(title="") | Q(kind="board"), name="role_title_only_for_board"
            ),
        ]
        indexes = [models.Index(fields=["user", "cooperative"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.cooperative}"


class Event(models.Model):
    """An append-only record of something that happened: decisions, role changes, logins.

    Actions write one row per change; the notification issue delivers from here and the audit
    log reads it. On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of the table.
    """

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=60)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    path = models.CharField(_("page"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["cooperative", "-created_at"]),
            # A cooperative's log shows its staff's sign-ins, which have no cooperative.
            models.Index(fields=["actor", "-created_at"], name="event_actor_created"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"


class Sequence(models.Model):
    """A per-cooperative counter (member numbers, receipt numbers), advanced under a row lock."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id}:{self.name}={self.last_value}"
