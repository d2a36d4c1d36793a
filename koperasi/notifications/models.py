"""Notifications: the outbox written in the same transaction as the change that caused it.

A Notification is what a person is told (title and body already rendered in their language,
a link, read or not: the in-app inbox). Each channel it goes out on is a Delivery row with
its own status, attempts and error; workers claim a delivery with a conditional update, so a
task that runs twice sends once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from koperasi.models import Cooperative


class Channel(models.TextChoices):
    INAPP = "inapp", _("In the portal")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS / WhatsApp")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # For people without a login yet (an applicant): where to reach them.
    to_email = models.EmailField(blank=True)
    to_phone = models.CharField(max_length=20, blank=True)
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(pgettext_lazy("message", "Title"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=8, default="id")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dedupe_key = models.CharField(max_length=150, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_dedupe_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.to_email}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_one_per_channel"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} #{self.notification_id}"


class Preference(models.Model):
    """The channels a person wants for one kind of notification (absent: the kind's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=60)
    inapp = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Announcement(models.Model):
    """A message from the board to all members or a group, fanned out in chunks."""

    class Audience(models.TextChoices):
        ACTIVE = "active", _("All active members")
        ARREARS = "arrears", _("Members with overdue bills")
        STAFF = "staff", _("Board, supervisors and tellers")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Sent")

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("to"), max_length=10, choices=Audience.choices)
    title = models.CharField(pgettext_lazy("message", "Title"), max_length=150)
    body = models.TextField(_("message"), max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
