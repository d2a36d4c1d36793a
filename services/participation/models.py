"""Participation: meetings (the annual RAT and others), votes with one member one vote and
secret ballots, participation weights, and the yearly SHU split."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative
from services.ledger.models import JournalEntry


class Meeting(models.Model):
    class Kind(models.TextChoices):
        RAT = "rat", _("Annual members' meeting (RAT)")
        EXTRAORDINARY = "extra", _("Extraordinary members' meeting")
        OTHER = "other", _("Other meeting")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RAT)
    title = models.CharField(_("title of the meeting"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), max_length=5000)
    fiscal_year = models.PositiveSmallIntegerField(_("for the fiscal year"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MeetingDocument(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("document"), max_length=200)
    file = models.FileField(upload_to="meetings/%Y/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A member's RSVP and, on the day, their presence (at the door or checked in online)."""

    class Rsvp(models.TextChoices):
        YES = "yes", _("Coming")
        NO = "no", _("Not coming")
        MAYBE = "maybe", _("Maybe")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    rsvp = models.CharField(max_length=6, choices=Rsvp.choices, blank=True)
    present_at = models.DateTimeField(null=True, blank=True)
    present_how = models.CharField(
        max_length=10, blank=True, choices=[("door", _("At the door")), ("online", _("Online"))]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.member_id}"


class Vote(models.Model):
    """A motion or an election; eligible: members active when it opens."""

    class Kind(models.TextChoices):
        MOTION = "motion", _("Motion")
        ELECTION = "election", _("Election")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="votes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOTION)
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("details"), blank=True, max_length=5000)
    secret = models.BooleanField(_("secret ballot"), default=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    #: What the vote decides, e.g. ("shu", <ShuYear id>): an approved vote unlocks it.
    subject = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="vote_closes_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.question


class VoteOption(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class VoteCast(models.Model):
    """That a member voted (one member, one vote: a unique constraint). For a secret ballot
    this row says nothing about the choice."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="casts")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    cast_on = models.DateField(default=timezone.localdate)
    #: Open ballots only; NULL for a secret ballot.
    option = models.ForeignKey(VoteOption, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="one_member_one_vote")
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}/{self.member_id}"


class Ballot(models.Model):
    """A secret ballot's choice, with a random key and no time or member: it cannot be joined
    back to the VoteCast that allowed it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    option = models.ForeignKey(VoteOption, on_delete=models.PROTECT, related_name="ballots")

    def __str__(self) -> str:
        return f"ballot {self.vote_id}"


class ParticipationWeights(models.Model):
    """How much each kind of participation counts in a member's yearly score (they add to 100)."""

    cooperative = models.OneToOneField(
        Cooperative, on_delete=models.CASCADE, related_name="participation_weights"
    )
    attendance = models.PositiveSmallIntegerField(_("meetings attended"), default=30)
    votes = models.PositiveSmallIntegerField(_("votes cast"), default=20)
    wajib_on_time = models.PositiveSmallIntegerField(_("wajib paid on time"), default=30)
    services = models.PositiveSmallIntegerField(_("use of services"), default=20)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum: more than this percentage of active members present"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("From the bylaws (AD/ART); commonly more than half (50)."),
    )

    def __str__(self) -> str:
        return f"{self.cooperative}"


class ShuYear(models.Model):
    """One year's surplus (SHU) and its split, from draft to published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("fiscal year"))
    surplus = models.BigIntegerField(_("surplus (SHU)"), validators=[MinValueValidator(0)])
    reserve_pct = models.DecimalField(
        _("reserve (cadangan) %"), max_digits=5, decimal_places=2, default=Decimal(40)
    )
    jasa_modal_pct = models.DecimalField(
        _("members' capital share (jasa modal) %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(20),
    )
    jasa_usaha_pct = models.DecimalField(
        _("members' usage share (jasa usaha) %"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(25),
    )
    board_pct = models.DecimalField(
        _("board %"), max_digits=5, decimal_places=2, default=Decimal(5)
    )
    staff_pct = models.DecimalField(
        _("staff %"), max_digits=5, decimal_places=2, default=Decimal(5)
    )
    education_pct = models.DecimalField(
        _("education %"), max_digits=5, decimal_places=2, default=Decimal("2.5")
    )
    social_pct = models.DecimalField(
        _("social %"), max_digits=5, decimal_places=2, default=Decimal("2.5")
    )
    include_sukarela = models.BooleanField(_("count sukarela in members' savings"), default=False)
    credit_to_sukarela = models.BooleanField(_("credit members' SHU to sukarela"), default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    vote = models.ForeignKey(
        Vote, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "year"], name="shu_once_a_year")
        ]

    def __str__(self) -> str:
        return f"SHU {self.year}"


class ShuAllocation(models.Model):
    shu_year = models.ForeignKey(ShuYear, on_delete=models.CASCADE, related_name="allocations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    savings = models.BigIntegerField()
    transactions = models.BigIntegerField()
    jasa_modal = models.BigIntegerField()
    jasa_usaha = models.BigIntegerField()
    total = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shu_year", "member"], name="shu_allocation_once")
        ]

    def __str__(self) -> str:
        return f"{self.shu_year_id}/{self.member_id}"
