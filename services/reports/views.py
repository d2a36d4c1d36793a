"""Financial reports for the board and the supervisors, and closing the books (board)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, SUPERVISOR, tenant_view
from services.ledger import periods
from services.ledger.models import PeriodClose
from services.reports import exports, statements
from services.reports.forms import PeriodCloseForm, PeriodForm, period_label, quick_periods

REPORTS = {"neraca-saldo", "neraca", "phu", "semua"}


def _period_form(request: HttpRequest) -> PeriodForm:
    form = PeriodForm(
        request.GET, cooperative=request.tenant.cooperative, today=timezone.localdate()
    )
    form.is_valid()  # an invalid choice falls back to the fiscal year to date, with the errors
    return form


def _query(form: PeriodForm) -> str:
    """The period as query parameters, for the download links (always explicit dates)."""
    return urlencode(
        {
            "period": "custom",
            "start": form.start_date.isoformat(),
            "end": form.end_date.isoformat(),
        }
    )


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def report_index(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The three reports of a period, with the picker and the download links."""
    tenant = request.tenant
    form = _period_form(request)
    today = timezone.localdate()
    query = _query(form)
    current = request.GET.urlencode()
    context = {
        "tenant": tenant,
        "form": form,
        "reports": statements.reports_for_period(
            cooperative=tenant.cooperative, start=form.start_date, end=form.end_date
        ),
        "period_label": period_label(form.start_date, form.end_date),
        "quick": [
            (label, urlencode(params), urlencode(params) == current)
            for label, params in quick_periods(tenant.cooperative, today)
        ],
        "query": query,
        "downloads": [
            (key, label)
            for key, label in (
                ("neraca-saldo", _("Trial balance")),
                ("neraca", _("Balance sheet")),
                ("phu", _("Income statement")),
                ("semua", _("All three")),
            )
        ],
        "closed_through": periods.closed_through(cooperative=tenant.cooperative),
    }
    return render(request, "reports/report_index.html", context, status=400 if form.errors else 200)


@never_cache
@require_GET
@tenant_view(BOARD, SUPERVISOR)
def report_download(request: HttpRequest, coop_slug: str, report: str, fmt: str) -> HttpResponse:
    if report not in REPORTS or fmt not in exports.BUILDERS:
        raise Http404
    cooperative = request.tenant.cooperative
    form = _period_form(request)
    if form.errors:
        return redirect(
            f"{reverse('koperasi:reports', args=[coop_slug])}?{request.GET.urlencode()}"
        )
    reports = statements.reports_for_period(
        cooperative=cooperative, start=form.start_date, end=form.end_date
    )
    body = exports.BUILDERS[fmt](
        exports.tables_for(reports, report), cooperative_name=cooperative.name
    )
    name = exports.filename(cooperative.slug, report, form.start_date, form.end_date, fmt)
    return HttpResponse(
        body,
        content_type=exports.CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _close_page(request: HttpRequest, form: PeriodCloseForm | None, status: int = 200):
    tenant = request.tenant
    cooperative = tenant.cooperative
    closed = periods.closed_through(cooperative=cooperative)
    months = periods.closable_months(cooperative=cooperative)
    if form is None:
        form = PeriodCloseForm(months=months)
    context = {
        "tenant": tenant,
        "form": form,
        "closed_through": closed,
        "closes": PeriodClose.objects.filter(cooperative=cooperative)
        .select_related("closed_by")
        .order_by("-closed_through")[:50],
        "missing_month_ends": periods.months_without_month_end(
            cooperative=cooperative, through=months[0], after=closed
        )
        if months
        else [],
        "months": months,
    }
    return render(request, "reports/period_close.html", context, status=status)


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def period_close_page(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """What is closed, and (for the board) the form to close further."""
    return _close_page(request, None)


@require_POST
@tenant_view(BOARD, write=True)
def period_close_submit(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    form = PeriodCloseForm(request.POST, months=periods.closable_months(cooperative=cooperative))
    if form.is_valid():
        try:
            close = periods.period_close(
                cooperative=cooperative,
                through=form.through,
                acting_user=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("The books are closed through %(day)s.")
                % {"day": periods.day_label(close.closed_through)},
            )
            return redirect("koperasi:period-close", coop_slug=coop_slug)
    return _close_page(request, form, status=400)
