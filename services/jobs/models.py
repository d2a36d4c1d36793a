"""A job: long work for a cooperative run by a Celery task, with a progress bar.

Imported by `services.models` so that Django finds it (the app's models module).
"""

from __future__ import annotations

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from koperasi.models import Cooperative


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/private, never given a URL: a view that checks the cooperative
    and the role hands them out. Follows MEDIA_ROOT when it changes (tests)."""

    @cached_property
    def base_location(self) -> str:
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name: str | None) -> str:
        raise ValueError("private files are served by a view, never by URL")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private_storage


def result_path(job: Job, filename: str) -> str:
    """An unguessable folder per file, under the cooperative's own."""
    return f"jobs/{job.cooperative_id}/{uuid.uuid4().hex}/{filename}"


class JobQuerySet(models.QuerySet):
    def active(self) -> JobQuerySet:
        """Queued or running: not finished yet."""
        return self.filter(status__in=Job.ACTIVE)


class Job(models.Model):
    """One run of long work (publish SHU, month end, an export, the RAT pack)."""

    class Kind(models.TextChoices):
        SHU_PUBLISH = "shu_publish", _("Publish SHU")
        MONTH_END = "month_end", _("Month end")
        LOAN_PORTFOLIO = "loan_portfolio", _("Loan portfolio export")
        RAT_PACK = "rat_pack", _("RAT report pack")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    #: What the job is about, e.g. "shu:12" or "month:2025-01": one active job per key.
    key = models.CharField(max_length=80)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.FileField(
        _("file"), upload_to=result_path, storage=private_storage, blank=True, max_length=200
    )
    result_name = models.CharField(max_length=120, blank=True)
    #: The language of the person who asked: messages and file labels follow it.
    language = models.CharField(max_length=10, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["cooperative", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "key"],
                condition=Q(status__in=["queued", "running"]),
                name="job_one_active_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.progress * 100 // self.total)
