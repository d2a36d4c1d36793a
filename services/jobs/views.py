"""Job pages under /k/<coop_slug>/kelola/tugas/: the list, one job's progress (polled by htmx
every 2 seconds until it ends), the file download, and the RAT pack's start page.

Who sees a job depends on its kind (`kinds.KINDS[...].readers`): the board and supervisors see
every kind, tellers only the loan portfolio exports. Anyone else, another cooperative's people
and members included, gets 404 for the job and its file, as if it did not exist.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.audit import export_record
from koperasi.tenancy import BOARD, MEMBER, STAFF_ROLES, SUPERVISOR, Tenant, tenant_view
from services.jobs import actions, kinds
from services.jobs.forms import RatPackForm
from services.jobs.models import Job
from services.participation.models import Meeting, ShuYear
from services.participation.shu import fiscal_year_bounds

RECENT_JOBS = 30
POLL_SECONDS = 2


def jobs_for(tenant: Tenant, *, kind: str | None = None):
    """The jobs this person may see in the cooperative, newest first."""
    jobs = Job.objects.filter(
        cooperative=tenant.cooperative, kind__in=kinds.readable_kinds(tenant.roles)
    ).select_related("created_by", "cooperative")
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs


def get_job_for(tenant: Tenant, job_id: int) -> Job:
    """The job, if it is this cooperative's and of a kind this person may see; else 404."""
    job = jobs_for(tenant).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def job_rows(jobs) -> list[dict]:
    return [{"job": job, "title": kinds.job_title(job)} for job in jobs]


def _job_context(request: HttpRequest, job: Job) -> dict:
    return {
        "tenant": request.tenant,
        "job": job,
        "title": kinds.job_title(job),
        "origin": kinds.job_origin(job),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
@tenant_view(*STAFF_ROLES)
def job_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    context = {"tenant": request.tenant, "rows": job_rows(jobs_for(request.tenant)[:RECENT_JOBS])}
    return render(request, "jobs/job_list.html", context)


@never_cache
@require_GET
@tenant_view(*STAFF_ROLES, MEMBER)
def job_detail(request: HttpRequest, coop_slug: str, job_id: int) -> HttpResponse:
    """The job's progress; an htmx request gets the fragment that polls itself until the job
    ends."""
    job = get_job_for(request.tenant, job_id)
    template = "jobs/job_detail.html"
    if request.htmx:
        template += "#job"
    return render(request, template, _job_context(request, job))


@never_cache
@require_GET
@tenant_view(*STAFF_ROLES, MEMBER)
def job_download(request: HttpRequest, coop_slug: str, job_id: int) -> FileResponse:
    """The job's file, for those who may see the job."""
    job = get_job_for(request.tenant, job_id)
    if job.status != Job.Status.DONE or not job.result:
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    export_record(request=request, what=job.kind, cooperative=job.cooperative, job_id=job.pk)
    content_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return FileResponse(
        handle, as_attachment=True, filename=job.result_name, content_type=content_type
    )


def current_fiscal_year(tenant: Tenant) -> int:
    """The fiscal year today falls in (a year is named after the calendar year it ends in)."""
    today = timezone.localdate()
    if fiscal_year_bounds(tenant.cooperative, today.year)[1] < today:
        return today.year + 1
    return today.year


def rat_pack_years(tenant: Tenant) -> list[int]:
    """Fiscal years to choose from, newest first: the last six, and any with an SHU or a RAT."""
    cooperative = tenant.cooperative
    current = current_fiscal_year(tenant)
    years = set(range(current - 5, current + 1))
    years.update(ShuYear.objects.filter(cooperative=cooperative).values_list("year", flat=True))
    years.update(
        Meeting.objects.filter(cooperative=cooperative, fiscal_year__isnull=False).values_list(
            "fiscal_year", flat=True
        )
    )
    return sorted(years, reverse=True)


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, SUPERVISOR)
def rat_pack(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Make the RAT pack of a fiscal year (a PDF, made in the background); the packs made."""
    tenant = request.tenant
    years = rat_pack_years(tenant)
    form = RatPackForm(request.POST or None, years=years)
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        job = actions.job_start(
            cooperative=tenant.cooperative,
            kind=Job.Kind.RAT_PACK,
            key=f"rat:{year}",
            params={"year": year},
            acting_user=request.user,
        )
        return redirect("koperasi:job-detail", coop_slug=coop_slug, job_id=job.pk)
    if not form.is_bound:
        form.fields["year"].initial = current_fiscal_year(tenant) - 1  # the year the RAT closes
    context = {
        "tenant": tenant,
        "form": form,
        "rows": job_rows(jobs_for(tenant, kind=Job.Kind.RAT_PACK)[:RECENT_JOBS]),
    }
    return render(request, "jobs/rat_pack.html", context, status=400 if form.is_bound else 200)
