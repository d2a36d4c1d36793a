"""Each kind of job through a real Celery worker (a thread) on the real Redis broker, started
from the board's pages as a person would: the page answers at once, the worker does the work,
the progress reaches its total, and a message delivered twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from services.jobs import tasks
from services.jobs.models import Job
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry
from services.participation.models import ShuAllocation
from services.savings.models import MonthEndRun, SavingsBill
from tests.jobs.conftest import english
from tests.jobs.test_jobs import base, last_month
from tests.notifications.helpers import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.jobs.urls"),
]

JOB_RUN = "services.jobs.tasks.job_run"


def finished(job_id: int) -> Job:
    assert wait_for(
        lambda: Job.objects.filter(pk=job_id).exclude(status__in=Job.ACTIVE).exists(), 30
    )
    return Job.objects.get(pk=job_id)


def test_every_kind_of_job_runs_on_a_real_worker(
    cooperative, chair, trio, shu_year, rat_2025, loan_book, celery_worker
):
    client = english(chair)

    # Publish SHU; then the same message again, as a broker redelivering it would.
    response = client.post(f"/k/{cooperative.slug}/kelola/shu/{shu_year.pk}/terbitkan/")
    shu = finished(Job.objects.get(kind="shu_publish").pk)
    assert response["Location"] == f"{base(cooperative)}{shu.pk}/"
    assert (shu.status, shu.progress, shu.total) == ("done", 6, 6)  # trio and the loan book
    tasks.job_run.delay(shu.pk)
    assert wait_for(lambda: sum(1 for ran in celery_worker if ran[1] == [shu.pk]) == 2)
    assert celery_worker[-1] == (JOB_RUN, [shu.pk], "done")
    assert JournalEntry.objects.filter(idempotency_key="shu-2025").count() == 1
    assert ShuAllocation.objects.filter(shu_year=shu_year).count() == 3

    # Month end for last month.
    month = last_month()
    client.post(f"{base(cooperative)}tutup-bulan/", {"month": f"{month:%Y-%m}"})
    closing = finished(Job.objects.get(kind="month_end").pk)
    assert (closing.status, closing.progress, closing.total) == ("done", 6, 6)
    assert MonthEndRun.objects.filter(cooperative=cooperative).count() == 1
    # The loan book's borrowers joined today: only the trio is billed for last month.
    assert SavingsBill.objects.filter(kind="wajib", period=month).count() == 3

    # The loan portfolio, as Excel.
    client.post(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")
    export = finished(Job.objects.get(kind="loan_portfolio").pk)
    assert (export.status, export.progress, export.total) == ("done", 2, 2)
    download = client.get(f"{base(cooperative)}{export.pk}/unduh/")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet["A1"].value == "Loan portfolio"
    assert sheet["B5"].value == 6_900_000  # the loan book and Ani's loan (Rp 900.000 left)

    # The RAT pack.
    client.post(f"{base(cooperative)}rat/", {"year": "2025"})
    pack = finished(Job.objects.get(kind="rat_pack").pk)
    assert (pack.status, pack.progress, pack.total) == ("done", 5, 5)
    content = b"".join(client.get(f"{base(cooperative)}{pack.pk}/unduh/").streaming_content)
    assert content.startswith(b"%PDF")

    assert sorted(ran[2] for ran in celery_worker if ran[0] == JOB_RUN) == ["done"] * 5
    assert all(job.finished_at <= timezone.now() for job in Job.objects.all())
    assert ledger_violations() == []
