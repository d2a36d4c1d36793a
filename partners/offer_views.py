"""Partner portal pages for offers and orders (/mitra/penawaran/, /mitra/pesanan/).

Owner and staff alike manage offers and orders. Objects in URLs are loaded with
`get_for_partner`: another partner's offer, order or picture answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from partners import offers, pictures
from partners.models import Offer, Order
from partners.offer_forms import OfferForm, OrderRejectForm
from partners.portal import get_for_partner, partner_view

OFFER_LIST = "partners/offer_list.html"
OFFER_FORM = "partners/offer_form.html"
ORDER_LIST = "partners/order_list.html"
ORDER_DETAIL = "partners/order_detail.html"


def _offer_data(form: OfferForm, files) -> dict:
    return {**form.cleaned_data, "picture": files.get("picture")}


@require_GET
@partner_view()
def offer_list(request: HttpRequest) -> HttpResponse:
    """The partner's offers with where each stands today."""
    page = Paginator(offers.offers_with_state(partner=request.partner), 25).get_page(
        request.GET.get("page")
    )
    context = {"partner": request.partner, "page": page, "state_labels": offers.OfferState.labels}
    return render(request, OFFER_LIST, context)


@require_http_methods(["GET", "POST"])
@partner_view()
def offer_create(request: HttpRequest) -> HttpResponse:
    form = OfferForm(
        request.POST or None, request.FILES or None, initial={"valid_from": timezone.localdate()}
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                offer = offers.offer_create(
                    partner=request.partner,
                    acting_user=request.user,
                    data=_offer_data(form, request.FILES),
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("The offer %(title)s is saved.") % {"title": offer.title}
                )
                return redirect("partners:offer-list")
    context = {"partner": request.partner, "form": form, "offer": None}
    return render(request, OFFER_FORM, context, status=status)


@require_http_methods(["GET", "POST"])
@partner_view()
def offer_update(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = get_for_partner(Offer.objects.all(), request.partner, pk=offer_id)
    form = OfferForm(request.POST or None, request.FILES or None, offer=offer)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                offer = offers.offer_update(
                    offer=offer, acting_user=request.user, data=_offer_data(form, request.FILES)
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("The offer %(title)s is saved.") % {"title": offer.title}
                )
                return redirect("partners:offer-list")
    context = {"partner": request.partner, "form": form, "offer": offer}
    return render(request, OFFER_FORM, context, status=status)


@require_POST
@partner_view()
def offer_withdraw(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = get_for_partner(Offer.objects.all(), request.partner, pk=offer_id)
    try:
        offers.offer_withdraw(offer=offer, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The offer %(title)s is withdrawn: members no longer see it.")
            % {"title": offer.title},
        )
    return redirect("partners:offer-list")


@require_GET
@partner_view()
def offer_picture(request: HttpRequest, offer_id: int) -> FileResponse:
    offer = get_for_partner(Offer.objects.all(), request.partner, pk=offer_id)
    return pictures.picture_response(offer.picture)


@require_GET
@partner_view()
def offer_thumbnail(request: HttpRequest, offer_id: int) -> FileResponse:
    offer = get_for_partner(Offer.objects.all(), request.partner, pk=offer_id)
    return pictures.picture_response(offer.thumbnail)


# Orders


@require_GET
@partner_view()
def order_list(request: HttpRequest) -> HttpResponse:
    """Orders from members, newest first, filtered by status."""
    status = request.GET.get("status", "")
    if status not in Order.Status.values:
        status = ""
    page = offers.orders_for_partner_page(
        partner=request.partner, status=status or None, page=request.GET.get("page")
    )
    counts = offers.order_counts_for_partner(partner=request.partner)
    tabs = [("", _("All"), sum(counts.values()))] + [
        (value, label, counts[value]) for value, label in Order.Status.choices
    ]
    context = {
        "partner": request.partner,
        "page": page,
        "status": status,
        "tabs": tabs,
        "next": request.get_full_path(),
    }
    return render(request, ORDER_LIST, context)


@require_GET
@partner_view()
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_for_partner(
        Order.objects.select_related("offer", "member", "cooperative", "decided_by"),
        request.partner,
        pk=order_id,
    )
    context = {"partner": request.partner, "order": order, "next": request.get_full_path()}
    return render(request, ORDER_DETAIL, context)


def _back(request: HttpRequest) -> str:
    """Where the person came from (a list page with its filters), else the orders list."""
    target = request.POST.get("next", "")
    if target.startswith("/mitra/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("partners:order-list")


def _decide(request: HttpRequest, order_id: int, step: str) -> HttpResponse:
    """Run one step on an order: the updated row for htmx, else back to the page."""
    order = get_for_partner(Order.objects.all(), request.partner, pk=order_id)
    error = ""
    try:
        if step == "confirm":
            order = offers.order_confirm(order=order, acting_user=request.user)
            done = _("Order #%(id)s is confirmed. The member is told.")
        elif step == "fulfil":
            order = offers.order_fulfil(order=order, acting_user=request.user)
            done = _("Order #%(id)s is fulfilled.")
        else:
            form = OrderRejectForm(request.POST)
            if not form.is_valid():
                raise DomainError(form.errors["reason"][0], field="reason")
            order = offers.order_reject(
                order=order, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
            done = _("Order #%(id)s is rejected. The member is told why.")
    except DomainError as failure:
        error = failure.message
    if request.htmx:
        order = Order.objects.select_related("offer", "member", "cooperative").get(pk=order.pk)
        context = {
            "order": order,
            "row_error": error,
            "row_done": "" if error else done % {"id": order.pk},
            "next": _back(request),
        }
        # 200 even for a refusal: htmx swaps only successful responses, and the row says why.
        return render(request, f"{ORDER_LIST}#order-row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done % {"id": order.pk})
    return redirect(_back(request))


@require_POST
@partner_view()
def order_confirm(request: HttpRequest, order_id: int) -> HttpResponse:
    return _decide(request, order_id, "confirm")


@require_POST
@partner_view()
def order_reject(request: HttpRequest, order_id: int) -> HttpResponse:
    return _decide(request, order_id, "reject")


@require_POST
@partner_view()
def order_fulfil(request: HttpRequest, order_id: int) -> HttpResponse:
    return _decide(request, order_id, "fulfil")
