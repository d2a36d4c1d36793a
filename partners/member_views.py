"""The member's partner offers and orders under /k/<coop_slug>/anggota/mitra/.

A member sees the offers published today by partners with an ACTIVE partnership with the
URL's cooperative; any other offer (and its picture) answers 404. Orders are the logged-in
person's own: another member's order answers 404 as if it did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.money import format_rupiah
from koperasi.tenancy import MEMBER, get_for_tenant, tenant_view
from partners import offers, pictures
from partners.models import Offer, Order
from partners.offer_forms import OrderPlaceForm
from services.savings.member_views import get_own_member

OFFER_LIST = "partners/member/offer_list.html"
OFFER_DETAIL = "partners/member/offer_detail.html"
ORDER_LIST = "partners/member/order_list.html"


def _visible_offer(request: HttpRequest, offer_id: int) -> Offer:
    """An offer the URL's cooperative's members may see today; 404 for any other."""
    return get_object_or_404(
        offers.offer_visible_to(cooperative=request.tenant.cooperative), pk=offer_id
    )


@require_GET
@tenant_view(MEMBER)
def member_offer_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    page = offers.offers_for_member_page(
        cooperative=request.tenant.cooperative, page=request.GET.get("page")
    )
    return render(request, OFFER_LIST, {"member": member, "page": page})


def _quantity(value) -> int | None:
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return quantity if 1 <= quantity <= offers.MAX_QUANTITY else None


@require_http_methods(["GET", "POST"])
@tenant_view(MEMBER)
def member_offer_detail(request: HttpRequest, coop_slug: str, offer_id: int) -> HttpResponse:
    """An offer, and the form to order it with the total for the quantity chosen."""
    member = get_own_member(request)
    offer = _visible_offer(request, offer_id)
    placing = request.method == "POST" and request.POST.get("action") != "preview"
    form = OrderPlaceForm(request.POST if request.method == "POST" else None)
    source = request.POST if request.method == "POST" else request.GET
    quantity = _quantity(source.get("quantity", 1))
    status = 200
    if placing:
        status = 422
        if not member.is_active:
            form.add_error(None, _("Only an active member can order."))
        elif form.is_valid():
            try:
                order = offers.order_place(
                    member=member,
                    offer=offer,
                    quantity=form.cleaned_data["quantity"],
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your order #%(id)s for %(total)s is placed. %(partner)s will confirm "
                        "it; you will get a message."
                    )
                    % {
                        "id": order.pk,
                        "total": format_rupiah(order.total),
                        "partner": offer.partner.name,
                    },
                )
                return redirect("koperasi:member-order-list", coop_slug=coop_slug)
    elif request.method == "POST":
        form.is_valid()  # a preview shows the quantity's problems, if any
    context = {
        "member": member,
        "offer": offer,
        "form": form,
        "quantity": quantity,
        "total": quantity * offer.member_price if quantity else None,
        "picture_size": pictures.picture_size(offer.picture),
    }
    if request.htmx and request.method == "GET":
        return render(request, f"{OFFER_DETAIL}#order-total", context)
    return render(request, OFFER_DETAIL, context, status=status)


@require_GET
@tenant_view(MEMBER)
def member_offer_picture(request: HttpRequest, coop_slug: str, offer_id: int) -> FileResponse:
    return pictures.picture_response(_visible_offer(request, offer_id).picture)


@require_GET
@tenant_view(MEMBER)
def member_offer_thumbnail(request: HttpRequest, coop_slug: str, offer_id: int) -> FileResponse:
    return pictures.picture_response(_visible_offer(request, offer_id).thumbnail)


@require_GET
@tenant_view(MEMBER)
def member_order_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    orders = offers.orders_of_member_user(cooperative=request.tenant.cooperative, user=request.user)
    page = Paginator(orders, 20).get_page(request.GET.get("page"))
    return render(request, ORDER_LIST, {"member": member, "page": page})


@require_POST
@tenant_view(MEMBER)
def member_order_cancel(request: HttpRequest, coop_slug: str, order_id: int) -> HttpResponse:
    order = get_for_tenant(
        Order.objects.filter(member__user=request.user), request.tenant, pk=order_id
    )
    try:
        offers.order_cancel(order=order, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your order #%(id)s is cancelled.") % {"id": order.pk})
    return redirect("koperasi:member-order-list", coop_slug=coop_slug)
