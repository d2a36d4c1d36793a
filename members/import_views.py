"""The board's member import: upload, watch the check, read the preview, accept."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, SUPERVISOR, get_for_tenant, tenant_view
from members import imports
from members.import_forms import ImportUploadForm
from members.models import ImportJob

RECENT_JOBS = 20
RUNNING = {ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING}


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, SUPERVISOR)
def import_start(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Upload form for the board; the list of recent imports for the board and supervisors."""
    tenant = request.tenant
    if request.method == "POST":
        if not tenant.is_board:
            raise PermissionDenied
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = imports.import_job_create(
                    cooperative=tenant.cooperative,
                    acting_user=request.user,
                    upload=form.cleaned_data["file"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return redirect("koperasi:import-detail", coop_slug=coop_slug, job_id=job.pk)
    else:
        form = ImportUploadForm()
    jobs = ImportJob.objects.filter(cooperative=tenant.cooperative).select_related("created_by")
    context = {
        "tenant": tenant,
        "form": form,
        "jobs": jobs[:RECENT_JOBS],
        "columns": imports.COLUMNS,
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "members/import_start.html", context)


def _job_context(request: HttpRequest, job: ImportJob) -> dict:
    problems = sorted(job.problems, key=lambda p: (p.get("row") or 0, p.get("column", "")))
    summary = job.summary or {}
    return {
        "tenant": request.tenant,
        "job": job,
        "running": job.status in RUNNING,
        "problems": problems,
        "problem_count": summary.get("problem_count", len(problems)),
        "more_problems": max(0, summary.get("problem_count", 0) - len(problems)),
        "summary": summary,
        "totals": summary.get("totals", {}),
        "can_accept": request.tenant.is_board and job.status == ImportJob.Status.READY,
    }


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def import_detail(request: HttpRequest, coop_slug: str, job_id: int) -> HttpResponse:
    job = get_for_tenant(ImportJob.objects.select_related("created_by"), request.tenant, pk=job_id)
    template = "members/import_detail.html"
    if request.htmx:
        template += "#job"
    return render(request, template, _job_context(request, job))


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def import_status(request: HttpRequest, coop_slug: str, job_id: int) -> HttpResponse:
    """The job fragment htmx polls every second; it stops polling once the job has finished."""
    job = get_for_tenant(ImportJob.objects.select_related("created_by"), request.tenant, pk=job_id)
    return render(request, "members/import_detail.html#job", _job_context(request, job))


@require_POST
@tenant_view(BOARD, write=True)
def import_accept(request: HttpRequest, coop_slug: str, job_id: int) -> HttpResponse:
    job = get_for_tenant(ImportJob, request.tenant, pk=job_id)
    try:
        imports.import_job_accept(job=job, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("koperasi:import-detail", coop_slug=coop_slug, job_id=job.pk)


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def import_template(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The sample file: the columns in the right order and two example members."""
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contoh-impor-anggota.csv"'
    return response
