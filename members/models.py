"""Members (anggota) of a cooperative, from application to exit, and member imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        """Members in good standing: they vote, save and borrow."""
        return self.filter(status=Member.Status.ACTIVE)

    def applicants(self) -> MemberQuerySet:
        """People who applied to join and wait for the board."""
        return self.filter(status=Member.Status.APPLICANT)


class Member(models.Model):
    """A person's membership of one cooperative. One login may hold several memberships."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Application rejected")
        RESIGNED = "resigned", _("Resigned (keluar)")
        EXPELLED = "expelled", _("Expelled")

    class Gender(models.TextChoices):
        MALE = "m", _("Male")
        FEMALE = "f", _("Female")

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="members", verbose_name=_("cooperative")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("login"),
    )
    number = models.PositiveIntegerField(_("member number"), null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150)
    nik = models.CharField(_("NIK (KTP number)"), max_length=16)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), max_length=500)
    heir_name = models.CharField(_("heir (ahli waris)"), max_length=150, blank=True)
    heir_relationship = models.CharField(_("heir's relationship"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLICANT
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["number", "full_name"]
        verbose_name = _("member (anggota)")
        verbose_name_plural = _("members (anggota)")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"],
                condition=Q(number__isnull=False),
                name="member_number_unique_per_cooperative",
            ),
            # One live membership per person (NIK) and cooperative; former members may rejoin.
            models.UniqueConstraint(
                fields=["cooperative", "nik"],
                condition=Q(status__in=["applicant", "active"]),
                name="member_nik_unique_while_live",
            ),
            models.UniqueConstraint(
                fields=["cooperative", "user"],
                condition=Q(status__in=["applicant", "active"], user__isnull=False),
                name="member_user_unique_while_live",
            ),
            models.CheckConstraint(
                condition=Q(status="applicant") | Q(status="rejected") | Q(number__isnull=False),
                name="member_number_once_admitted",
            ),
        ]
        indexes = [
            models.Index(fields=["cooperative", "status"]),
            models.Index(fields=["user"]),
        ]

    def __str__(self) -> str:
        return f"{self.number or '-'} {self.full_name}"

    @property
    def masked_nik(self) -> str:
        """`3201********0001`: what everyone but the member and the board sees."""
        return mask_nik(self.nik)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


def mask_nik(nik: str) -> str:
    return f"{nik[:4]}{'*' * 8}{nik[12:]}" if len(nik) == 16 else "*" * len(nik)


class ImportJob(models.Model):
    """An upload of members with opening balances: validated whole, then imported whole."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking the file")
        INVALID = "invalid", _("The file has problems")
        READY = "ready", _("Ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.status in {self.Status.VALIDATING, self.Status.IMPORTING} else 100
        return min(100, self.processed_rows * 100 // self.total_rows)
