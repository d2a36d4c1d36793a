"""Jobs run in-process (as `make run` does without Redis) or by calling the task, the way a
worker would, once or twice: publishing SHU and month end post exactly once, the portfolio
export is read back, the RAT pack is a PDF, and only the cooperative's right people see a job
and its file."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re

import pytest
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook
from reportlab import rl_config

from koperasi.models import Role
from services.jobs import actions, kinds, tasks
from services.jobs.models import Job
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry
from services.participation.models import ShuAllocation, ShuYear
from services.savings.actions import add_months
from services.savings.models import MonthEndRun, SavingsBill
from tests.conftest import client_for
from tests.factories import RoleFactory
from tests.jobs.conftest import english
from tests.notifications.helpers import broker_down
from tests.services.helpers import books

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.jobs.urls")]


def base(cooperative) -> str:
    return f"/k/{cooperative.slug}/kelola/tugas/"


def last_month() -> dt.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def shu_job(cooperative, chair, shu_year) -> Job:
    with translation.override("en"):
        return actions.job_start(
            cooperative=cooperative,
            kind=Job.Kind.SHU_PUBLISH,
            key=f"shu:{shu_year.pk}",
            params={"shu_year_id": shu_year.pk, "year": shu_year.year},
            acting_user=chair,
        )


def run(job: Job) -> Job:
    """What a worker does with the job's message."""
    tasks.job_run.apply(args=[job.pk])
    job.refresh_from_db()
    return job


# --- Publishing SHU -------------------------------------------------------------------------


def test_publishing_shu_posts_once_even_when_the_task_runs_again(
    cooperative, chair, trio, shu_year, rat_2025
):
    job = shu_job(cooperative, chair, shu_year)
    assert job.status == "queued"

    run(job)
    run(job)  # the message delivered again: the job is done and is not redone
    # A worker that died after publishing but before finishing the job: the rerun publishes
    # nothing more.
    Job.objects.filter(pk=job.pk).update(status="running")
    job = run(job)

    shu_year.refresh_from_db()
    assert shu_year.status == "published"
    assert JournalEntry.objects.filter(idempotency_key="shu-2025").count() == 1
    assert sorted(ShuAllocation.objects.values_list("total", flat=True)) == [
        0,
        666_666,
        3_833_333,
    ]
    assert (job.status, job.progress, job.total, job.attempts) == ("done", 3, 3, 2)
    assert job.message == "SHU 2025 is published: 3 members share Rp 4.499.999."
    assert job.finished_at is not None
    assert ledger_violations() == []


def test_the_publish_button_starts_a_job_and_its_page_shows_it_done(
    cooperative, chair, trio, shu_year, rat_2025, eager, django_capture_on_commit_callbacks
):
    client = english(chair)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/k/{cooperative.slug}/kelola/shu/{shu_year.pk}/terbitkan/")

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{base(cooperative)}{job.pk}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="done"' in html
    assert "hx-trigger" not in html  # finished: nothing polls
    assert "SHU 2025 is published: 3 members share Rp 4.499.999." in html
    assert ShuYear.objects.get().status == "published"

    # Publishing again is refused at once: no second job.
    again = client.post(f"/k/{cooperative.slug}/kelola/shu/{shu_year.pk}/terbitkan/")
    assert again.status_code == 302
    assert again["Location"] == f"/k/{cooperative.slug}/kelola/shu/{shu_year.pk}/"
    assert Job.objects.count() == 1


def test_publishing_without_an_approved_vote_starts_nothing(
    cooperative, chair, trio, shu_year, django_capture_on_commit_callbacks
):
    before = books()

    with django_capture_on_commit_callbacks(execute=True):
        response = english(chair).post(f"/k/{cooperative.slug}/kelola/shu/{shu_year.pk}/terbitkan/")

    assert response.status_code == 302
    assert Job.objects.count() == 0
    assert ShuYear.objects.get().status == "draft"
    assert books() == before


def test_a_refusal_inside_the_job_fails_it_with_its_message(
    cooperative, chair, trio, shu_year, rat_2025, caplog
):
    job = shu_job(cooperative, chair, shu_year)
    shu_year.vote = None  # the vote was unlinked after the job was queued
    shu_year.save(update_fields=["vote"])
    before = books()

    with caplog.at_level(logging.WARNING, logger="services.jobs.actions"):
        job = run(job)

    assert job.status == "failed"
    assert job.message == "The members' vote has not approved this SHU split yet."
    assert f"job {job.pk} (shu_publish) refused" in caplog.text
    assert books() == before
    assert ShuAllocation.objects.count() == 0
    page = english(chair).get(f"{base(cooperative)}{job.pk}/").content.decode()
    assert 'role="alert" id="job-message">The members&#x27; vote has not approved' in page


# --- Month end --------------------------------------------------------------------------------


def test_month_end_from_the_board_page_posts_once(cooperative, chair, trio):
    month = last_month()
    client = english(chair)

    response = client.post(f"{base(cooperative)}tutup-bulan/", {"month": f"{month:%Y-%m}"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{base(cooperative)}{job.pk}/"
    assert (job.kind, job.params, job.created_by) == (
        "month_end",
        {"month": f"{month:%Y-%m}"},
        chair,
    )
    run(job)
    Job.objects.filter(pk=job.pk).update(status="running")  # delivered again mid-way
    job = run(job)

    assert (job.status, job.progress, job.total) == ("done", 3, 3)
    assert job.message == (
        f"Month end {month:%Y-%m} is done: 3 wajib bills, Rp 3.750 interest to 2 members."
    )
    assert MonthEndRun.objects.filter(cooperative=cooperative).count() == 1
    assert SavingsBill.objects.filter(kind="wajib", period=month).count() == 3
    interest = JournalEntry.objects.filter(idempotency_key=f"month-end-interest-{month:%Y-%m}")
    assert interest.count() == 1
    assert ledger_violations() == []

    # The page now refuses the same month, and starts nothing.
    before = books()
    again = client.post(f"{base(cooperative)}tutup-bulan/", {"month": f"{month:%Y-%m}"})
    assert again.status_code == 400
    assert f"Month end {month:%Y-%m} already ran on" in again.content.decode()
    assert Job.objects.count() == 1
    assert books() == before
    page = client.get(f"{base(cooperative)}tutup-bulan/").content.decode()
    assert f'id="run-{month:%Y-%m}"' in page


def test_month_end_refuses_a_month_that_has_not_ended(cooperative, chair, trio):
    before = books()
    this_month = timezone.localdate().replace(day=1)

    response = english(chair).post(
        f"{base(cooperative)}tutup-bulan/", {"month": f"{this_month:%Y-%m}"}
    )

    assert response.status_code == 400
    assert f"{this_month:%Y-%m} has not ended yet" in response.content.decode()
    assert Job.objects.count() == 0
    assert books() == before


def test_supervisors_see_month_end_but_cannot_run_it(cooperative, supervisor, trio):
    client = english(supervisor)
    url = f"{base(cooperative)}tutup-bulan/"

    assert client.get(url).status_code == 200
    assert 'id="month-end-form"' not in client.get(url).content.decode()
    assert client.post(url, {"month": f"{last_month():%Y-%m}"}).status_code == 403
    assert Job.objects.count() == 0
    assert MonthEndRun.objects.count() == 0


# --- The loan portfolio export ----------------------------------------------------------------


def test_the_portfolio_export_is_made_in_a_job_and_downloaded(
    cooperative, chair, loan_book, eager, django_capture_on_commit_callbacks
):
    client = english(chair)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")

    job = Job.objects.get()
    assert response["Location"] == f"{base(cooperative)}{job.pk}/"
    assert (job.status, job.progress, job.total) == ("done", 2, 2)
    today = timezone.localdate().isoformat()
    assert job.result_name == f"loan-portfolio-{cooperative.slug}-{today}.xlsx"
    page = client.get(response["Location"]).content.decode()
    assert f'href="{base(cooperative)}{job.pk}/unduh/"' in page
    download = client.get(f"{base(cooperative)}{job.pk}/unduh/")
    assert download.status_code == 200
    assert download["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f'filename="{job.result_name}"' in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[:3] == [
        ["Loan portfolio", None, None, None, None, None, None, None],
        ["Cooperative", cooperative.name, None, None, None, None, None, None],
        ["Date", dt.datetime.fromisoformat(today), None, None, None, None, None, None],
    ]
    assert rows[4][:2] == ["Total outstanding principal", 6_000_000]
    assert rows[5][:2] == ["Loans", 3]
    assert rows[6][:2] == ["Outstanding more than 30 days late", 2_000_000]
    late, later = loan_book["45 days"], loan_book["10 days"]
    assert rows[-2:] == [
        [
            late.pk,
            late.member.number,
            "Budi",
            "+6281100000002",
            "Usaha",
            45,
            "Special mention (dalam perhatian khusus)",
            2_000_000,
        ],
        [
            later.pk,
            later.member.number,
            "Citra",
            "+6281100000003",
            "Usaha",
            10,
            "Special mention (dalam perhatian khusus)",
            3_000_000,
        ],
    ]


def test_the_csv_export_and_a_second_click_while_it_waits(cooperative, teller, loan_book):
    client = english(teller)
    url = f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.csv"

    first = client.post(url)
    second = client.post(url)  # the first is still waiting for a worker: the same job

    job = Job.objects.get()
    assert first["Location"] == second["Location"] == f"{base(cooperative)}{job.pk}/"
    job = run(job)
    body = client.get(f"{base(cooperative)}{job.pk}/unduh/")
    assert body["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(body.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[:2] == ["Loan portfolio", f"Cooperative,{cooperative.name}"]
    assert "45,Special mention (dalam perhatian khusus),2000000" in text


# --- Who sees a job and its file ----------------------------------------------------------


@pytest.fixture
def rat_job(cooperative, chair, trio, shu_year, rat_2025) -> Job:
    with translation.override("en"):
        job = actions.job_start(
            cooperative=cooperative,
            kind=Job.Kind.RAT_PACK,
            key="rat:2025",
            params={"year": 2025},
            acting_user=chair,
        )
    return run(job)


def test_only_the_cooperatives_board_and_supervisors_get_the_rat_pack(
    cooperative, other_cooperative, rat_job, supervisor, teller, member
):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    download = f"{base(cooperative)}{rat_job.pk}/unduh/"
    detail = f"{base(cooperative)}{rat_job.pk}/"

    assert client_for(supervisor).get(download).status_code == 200
    for user in (member, teller, outsider):
        assert client_for(user).get(download).status_code == 404
        assert client_for(user).get(detail).status_code == 404
    # Another cooperative's board, under its own address: no such job there.
    elsewhere = f"{base(other_cooperative)}{rat_job.pk}/unduh/"
    assert client_for(outsider).get(elsewhere).status_code == 404
    assert client_for(member).get(f"{base(cooperative)}").status_code == 403
    anonymous = Client().get(download)
    assert anonymous.status_code == 302


def test_tellers_get_their_exports_but_not_the_boards_work(cooperative, teller, loan_book, rat_job):
    with translation.override("en"):
        export = run(
            actions.job_start(
                cooperative=cooperative,
                kind=Job.Kind.LOAN_PORTFOLIO,
                key="portfolio:csv",
                params={"fmt": "csv"},
                acting_user=teller,
            )
        )
    client = client_for(teller)

    assert client.get(f"{base(cooperative)}{export.pk}/unduh/").status_code == 200
    listing = client.get(base(cooperative))
    assert [row["job"].pk for row in listing.context["rows"]] == [export.pk]


# --- The RAT pack -------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The text drawn on the pages, read from the (uncompressed) content streams."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", content, re.S)
    text = [part for stream in streams for part in re.findall(rb"\((.*?)(?<!\\)\) Tj", stream)]
    return "\n".join(
        part.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for part in text
    )


@pytest.fixture
def plain_pdf(monkeypatch):
    """No compression on page content, so the test can read the text back."""
    monkeypatch.setattr(rl_config, "pageCompression", 0)


def test_the_rat_pack_is_a_pdf_with_the_years_reports(
    cooperative,
    chair,
    trio,
    shu_year,
    rat_2025,
    plain_pdf,
    eager,
    django_capture_on_commit_callbacks,
):
    client = english(chair)
    form = client.get(f"{base(cooperative)}rat/")
    assert form.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base(cooperative)}rat/", {"year": "2025"})

    job = Job.objects.get()
    assert response["Location"] == f"{base(cooperative)}{job.pk}/"
    assert (job.status, job.progress, job.total) == ("done", 5, 5)
    assert job.result_name == f"rat-{cooperative.slug}-2025.pdf"
    download = client.get(f"{base(cooperative)}{job.pk}/unduh/")
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert cooperative.name in text
    assert "Fiscal year 2025" in text
    assert "Financial reports" in text
    assert "Trial balance (neraca saldo)" in text
    assert "Balance sheet (neraca)" in text
    assert "Income statement (perhitungan hasil usaha)" in text
    assert "SHU 2025: the split of the surplus" in text
    assert "Rp 10.000.000" in text  # the surplus
    assert "Rp 4.499.999" in text  # paid to members
    assert "RAT Tahun Buku 2025" in text
    assert "reached" in text
    assert "Approve the SHU 2025 split?" in text
    assert "Annex: each member's SHU 2025" in text
    assert "Ani Lestari" in text
    assert "Rp 3.833.333" in text
    assert job.message == "The RAT pack is ready."


def test_the_rat_pack_without_an_shu_or_meetings_says_so(cooperative, chair, plain_pdf):
    with translation.override("en"):
        job = run(
            actions.job_start(
                cooperative=cooperative,
                kind=Job.Kind.RAT_PACK,
                key="rat:2024",
                params={"year": 2024},
                acting_user=chair,
            )
        )

    with job.result.open("rb") as handle:
        text = pdf_text(handle.read())
    assert job.status == "done"
    assert "Fiscal year 2024" in text
    assert "No SHU split was prepared for this year." in text
    assert "No RAT meeting for this fiscal year is recorded on the portal." in text
    assert "No vote was held for this fiscal year." in text


def test_without_the_financial_reports_the_pack_says_so(monkeypatch, cooperative, chair, plain_pdf):
    from services import rat_pack

    monkeypatch.setattr(rat_pack, "_reports_for_year", lambda: None)
    with translation.override("en"):
        job = run(
            actions.job_start(
                cooperative=cooperative,
                kind=Job.Kind.RAT_PACK,
                key="rat:2025",
                params={"year": 2025},
                acting_user=chair,
            )
        )

    with job.result.open("rb") as handle:
        text = pdf_text(handle.read())
    assert job.message == ("The RAT pack is ready. It does not include the financial reports yet.")
    assert "The financial reports are not part of this pack yet" in text
    assert "Trial balance (neraca saldo)" not in text


# --- Failures, progress, the broker ------------------------------------------------------------


def test_a_job_that_breaks_fails_with_a_message_and_is_logged(
    monkeypatch, cooperative, chair, loan_book, caplog
):
    def broken(job, progress):
        progress.start(10)
        raise RuntimeError("disk full")

    monkeypatch.setitem(
        kinds.KINDS,
        Job.Kind.LOAN_PORTFOLIO,
        kinds.KindInfo(broken, kinds.KINDS["loan_portfolio"].readers),
    )
    client = english(chair)
    client.post(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")
    job = Job.objects.get()

    with caplog.at_level(logging.ERROR, logger="services.jobs.actions"):
        job = run(job)

    assert job.status == "failed"
    assert job.message == (
        "The work failed and nothing was changed. Try again; if it fails again, contact the "
        "portal's support."
    )
    assert not job.result
    record = next(
        r for r in caplog.records if r.getMessage() == f"job {job.pk} (loan_portfolio) failed"
    )
    assert "disk full" in str(record.exc_info[1])
    assert client.get(f"{base(cooperative)}{job.pk}/unduh/").status_code == 404
    html = client.get(f"{base(cooperative)}{job.pk}/").content.decode()
    assert "The work failed and nothing was changed." in html
    assert 'data-status="failed"' in html


def test_the_progress_fragment_polls_every_two_seconds_until_the_job_ends(
    cooperative, chair, trio, shu_year, rat_2025
):
    job = shu_job(cooperative, chair, shu_year)
    client = english(chair)
    url = f"{base(cooperative)}{job.pk}/"
    Job.objects.filter(pk=job.pk).update(status="running", total=3, progress=1)

    running = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert running.lstrip().startswith('<section id="job" data-status="running"')
    assert 'hx-trigger="every 2s"' in running
    assert '<progress id="job-progress" max="3" value="1">' in running
    assert "1 of 3" in running
    assert "<html" not in running

    Job.objects.filter(pk=job.pk).update(status="queued")
    run(job)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in done
    assert "hx-trigger" not in done
    assert "SHU 2025 is published" in done


def test_a_broker_that_is_down_fails_the_job_not_the_request(
    cooperative, chair, loan_book, django_capture_on_commit_callbacks
):
    client = english(chair)

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")

    job = Job.objects.get()
    assert response.status_code == 302
    assert job.status == "failed"
    assert job.message == "The work could not be started. Try again in a few minutes."
    # Starting again makes a new job (a failed one is history).
    client.post(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")
    assert Job.objects.count() == 2


def test_old_files_are_deleted_and_the_job_stays(cooperative, chair, loan_book):
    with translation.override("en"):
        job = run(
            actions.job_start(
                cooperative=cooperative,
                kind=Job.Kind.LOAN_PORTFOLIO,
                key="portfolio:csv",
                params={"fmt": "csv"},
                acting_user=chair,
            )
        )
    storage, name = job.result.storage, job.result.name
    assert storage.exists(name)

    assert actions.job_results_purge(now=timezone.now() + dt.timedelta(days=6)) == 0
    assert actions.job_results_purge(now=timezone.now() + dt.timedelta(days=8)) == 1

    job.refresh_from_db()
    assert not job.result
    assert not storage.exists(name)
    assert job.status == "done"
    html = english(chair).get(f"{base(cooperative)}{job.pk}/").content.decode()
    assert "The file was deleted after a week. Make it again." in html
