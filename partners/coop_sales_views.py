"""Partner sales to the cooperative's members, for the board and supervisors, under
/k/<coop_slug>/kelola/mitra/penjualan/: per partner the purchases, members, amount, discount
and the fee due, for a period (this month by default), as a page and a CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from koperasi.tenancy import BOARD, SUPERVISOR, tenant_view
from partners import purchase_statements, purchases
from partners.purchase_forms import SalesPeriodForm


def _form(request: HttpRequest) -> SalesPeriodForm:
    form = SalesPeriodForm(request.GET)
    form.is_valid()
    return form


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def partner_sales(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form = _form(request)
    report = None
    query = ""
    if not form.errors:
        report = purchases.cooperative_partner_sales(
            cooperative=request.tenant.cooperative,
            date_from=form.date_from,
            date_to=form.date_to,
        )
        query = urlencode({"from": form.date_from.isoformat(), "to": form.date_to.isoformat()})
    return render(
        request,
        "partners/coop_sales.html",
        {"form": form, "report": report, "query": query},
        status=200 if report is not None else 400,
    )


@never_cache
@require_GET
@tenant_view(BOARD, SUPERVISOR)
def partner_sales_csv(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form = _form(request)
    if form.errors:
        return render(
            request, "partners/coop_sales.html", {"form": form, "report": None}, status=400
        )
    cooperative = request.tenant.cooperative
    report = purchases.cooperative_partner_sales(
        cooperative=cooperative, date_from=form.date_from, date_to=form.date_to
    )
    return HttpResponse(
        purchase_statements.sales_csv(cooperative.name, report),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{purchase_statements.sales_filename(report)}"'
            )
        },
    )
