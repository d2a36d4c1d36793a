"""SHU pages under /k/<coop_slug>/: the board's years, preview, CSV and publishing
(kelola/shu/...), and the member's own SHU (anggota/shu/).

The board writes; supervisors read every board page and change nothing; a member sees only
their own allocations. Years are loaded with get_for_tenant: another cooperative's ids are 404.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.audit import export_record
from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, MEMBER, SUPERVISOR, get_for_tenant, tenant_view
from services.jobs.actions import job_start
from services.jobs.models import Job
from services.participation.models import ShuYear
from services.participation.shu import member_shu, shu_preview, shu_year_save, vote_approved
from services.participation.shu_forms import ShuYearForm
from services.savings.member_views import get_own_member
from services.savings.statements import safe_text

CSV_HEADER = (
    "member_number",
    "full_name",
    "savings",
    "transactions",
    "jasa_modal",
    "jasa_usaha",
    "total",
)


def _years(cooperative):
    return ShuYear.objects.filter(cooperative=cooperative).select_related("vote").order_by("-year")


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, SUPERVISOR)
def shu_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The years, and the form for a new draft (or, with ?edit=<id>, a draft's changes)."""
    tenant = request.tenant
    cooperative = tenant.cooperative
    editing = None
    edit_id = request.POST.get("shu_year") or request.GET.get("edit")
    if edit_id and str(edit_id).isdigit():
        editing = get_for_tenant(ShuYear, tenant, pk=int(edit_id), status=ShuYear.Status.DRAFT)
    if request.method == "POST" and not tenant.is_board:
        raise PermissionDenied  # supervisors read and change nothing
    form = ShuYearForm(
        request.POST if request.method == "POST" else None,
        instance=editing,
        cooperative=cooperative,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                shu_year = shu_year_save(
                    cooperative=cooperative,
                    data=form.cleaned_data,
                    acting_user=request.user,
                    shu_year=editing,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("SHU %(year)s saved.") % {"year": shu_year.year})
                return redirect("koperasi:shu-detail", coop_slug=coop_slug, shu_id=shu_year.pk)
        status = 400
    context = {"tenant": tenant, "years": _years(cooperative), "form": form, "editing": editing}
    return render(request, "participation/shu_list.html", context, status=status)


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def shu_detail(request: HttpRequest, coop_slug: str, shu_id: int) -> HttpResponse:
    tenant = request.tenant
    shu_year = get_for_tenant(
        ShuYear.objects.select_related("cooperative", "vote"), tenant, pk=shu_id
    )
    preview = shu_preview(shu_year=shu_year)
    page = Paginator(preview.rows, 50).get_page(request.GET.get("page"))
    context = {
        "tenant": tenant,
        "shu_year": shu_year,
        "preview": preview,
        "page": page,
        "approved": vote_approved(shu_year),
    }
    return render(request, "participation/shu_detail.html", context)


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def shu_csv(request: HttpRequest, coop_slug: str, shu_id: int) -> HttpResponse:
    shu_year = get_for_tenant(
        ShuYear.objects.select_related("cooperative"), request.tenant, pk=shu_id
    )
    preview = shu_preview(shu_year=shu_year)
    export_record(request=request, what="shu", cooperative=shu_year.cooperative, year=shu_year.year)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shu-{shu_year.year}.csv"'
    write_csv(response, preview.rows)
    return response


def write_csv(stream, rows) -> None:
    writer = csv.writer(stream)
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(
            [
                r.number,
                safe_text(r.full_name),  # a name like "=HYPERLINK(...)" is text, not a formula
                r.savings,
                r.transactions,
                r.jasa_modal,
                r.jasa_usaha,
                r.total,
            ]
        )


@require_POST
@tenant_view(BOARD, write=True)
def shu_publish_view(request: HttpRequest, coop_slug: str, shu_id: int) -> HttpResponse:
    """Publishing runs in the background (a job with a progress page); what would refuse it
    at once is refused here, and nothing starts."""
    shu_year = get_for_tenant(ShuYear.objects.select_related("vote"), request.tenant, pk=shu_id)
    if shu_year.status == ShuYear.Status.PUBLISHED:
        messages.info(request, _("SHU %(year)s is already published.") % {"year": shu_year.year})
    elif not vote_approved(shu_year):
        messages.error(request, _("The members' vote has not approved this SHU split yet."))
    else:
        job = job_start(
            cooperative=request.tenant.cooperative,
            kind=Job.Kind.SHU_PUBLISH,
            key=f"shu:{shu_year.pk}",
            params={"shu_year_id": shu_year.pk, "year": shu_year.year},
            acting_user=request.user,
        )
        return redirect("koperasi:job-detail", coop_slug=coop_slug, job_id=job.pk)
    return redirect("koperasi:shu-detail", coop_slug=coop_slug, shu_id=shu_year.pk)


@require_GET
@tenant_view(MEMBER)
def member_shu_view(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    allocations, estimate = member_shu(cooperative=request.tenant.cooperative, member_id=member.pk)
    context = {
        "tenant": request.tenant,
        "member": member,
        "allocations": allocations,
        "estimate": estimate,
    }
    return render(request, "participation/shu_member.html", context)
