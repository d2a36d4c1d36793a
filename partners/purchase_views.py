"""Partner portal pages for members' purchases: record one, list them, and the monthly
settlement statements (page, CSV, PDF). Everything is the logged-in partner's own."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.money import format_rupiah
from partners import purchase_statements, purchases
from partners.models import Purchase
from partners.portal import get_for_partner, partner_view
from partners.purchase_forms import PurchaseFilterForm, PurchaseRecordForm

PAGE_SIZE = 25


def _context(request: HttpRequest, **extra) -> dict:
    return {"partner": request.partner, "partner_role": request.partner_role, **extra}


@never_cache
@partner_view()
@require_http_methods(["GET", "POST"])
def purchase_record(request: HttpRequest) -> HttpResponse:
    """Record a member's purchase with the member's one-time code."""
    partner = request.partner
    form = PurchaseRecordForm(request.POST or None, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            purchase = purchases.purchase_record(
                partner=partner,
                acting_user=request.user,
                cooperative=data["cooperative"],
                member_number=data["member_number"],
                code=data["code"],
                amount=data["amount"],
                discount=data["discount"] or 0,
                description=data["description"],
                order=data["order"],
                idempotency_key=f"web-{data['request_key']}" if data["request_key"] else None,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Purchase of %(amount)s recorded for member %(number)s of %(cooperative)s.")
                % {
                    "amount": format_rupiah(purchase.amount),
                    "number": purchase.member.number,
                    "cooperative": purchase.cooperative.name,
                },
            )
            return redirect("partners:purchase-detail", purchase_id=purchase.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "partners/purchase_record.html", _context(request, form=form), status=status
    )


@partner_view()
@require_GET
def purchase_list(request: HttpRequest) -> HttpResponse:
    """The partner's recorded purchases, newest first, by month and cooperative."""
    form = PurchaseFilterForm(request.GET or None, partner=request.partner)
    page = None
    query: dict[str, str] = {}
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        month = data.get("month")
        cooperative = data.get("cooperative")
        queryset = purchases.partner_purchases(
            partner=request.partner,
            cooperative_id=cooperative.pk if cooperative else None,
            year=month[0] if month else None,
            month=month[1] if month else None,
        )
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        if month:
            query["month"] = f"{month[0]:04d}-{month[1]:02d}"
        if cooperative:
            query["cooperative"] = str(cooperative.pk)
    return render(
        request,
        "partners/purchase_list.html",
        _context(request, form=form, page=page, query=urlencode(query)),
        status=200 if page is not None else 400,
    )


@partner_view()
@require_GET
def purchase_detail(request: HttpRequest, purchase_id: int) -> HttpResponse:
    """One recorded purchase (a receipt to show the member)."""
    purchase = get_for_partner(
        Purchase.objects.select_related("cooperative", "member", "order__offer"),
        request.partner,
        pk=purchase_id,
    )
    return render(request, "partners/purchase_detail.html", _context(request, purchase=purchase))


@partner_view()
@require_GET
def settlement_list(request: HttpRequest) -> HttpResponse:
    """The months with purchases, each with its totals and fee due."""
    months = purchases.partner_settlement_months(partner=request.partner)
    return render(request, "partners/settlement_list.html", _context(request, months=months))


def _settlement(request: HttpRequest, year: int, month: int) -> purchases.Settlement:
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise Http404
    today = timezone.localdate()
    if dt.date(year, month, 1) > today:
        raise Http404  # no statement for a month to come
    return purchases.partner_settlement(
        partner=request.partner, year=year, month=month, today=today
    )


@partner_view()
@require_GET
def settlement_detail(request: HttpRequest, year: int, month: int) -> HttpResponse:
    """One month's statement: per cooperative and in total."""
    settlement = _settlement(request, year, month)
    return render(
        request, "partners/settlement_detail.html", _context(request, settlement=settlement)
    )


@never_cache
@partner_view()
@require_GET
def settlement_csv(request: HttpRequest, year: int, month: int) -> HttpResponse:
    settlement = _settlement(request, year, month)
    return _download(
        purchase_statements.settlement_csv(settlement),
        "text/csv; charset=utf-8",
        purchase_statements.settlement_filename(settlement, "csv"),
    )


@never_cache
@partner_view()
@require_GET
def settlement_pdf(request: HttpRequest, year: int, month: int) -> HttpResponse:
    settlement = _settlement(request, year, month)
    return _download(
        purchase_statements.settlement_pdf(settlement),
        "application/pdf",
        purchase_statements.settlement_filename(settlement, "pdf"),
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
