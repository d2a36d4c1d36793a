"""/api/v1/orders: members' orders of the partner's offers, and the partner's decisions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from partners.api.common import Paging, errors, page
from partners.api.schemas import OrderOut, OrderPage, OrderStatus, OrderStatusIn
from partners.models import Order
from partners.offers import order_confirm, order_fulfil, order_reject
from partners.portal import get_for_partner

router = Router()


def _orders(request: HttpRequest):
    return (
        Order.objects.filter(partner=request.partner)
        .select_related("offer", "member", "cooperative")
        .order_by("-created_at", "-id")
    )


def _order(request: HttpRequest, order_id: int) -> Order:
    """The partner's order; 404 for a missing one and for another partner's."""
    return get_for_partner(_orders(request), request.partner, pk=order_id)


@router.get("", response={200: OrderPage, **errors(422)}, summary="List orders")
def order_list(request: HttpRequest, paging: Query[Paging], status: OrderStatus | None = None):
    """The partner's orders, newest first, optionally of one status."""
    orders = _orders(request)
    if status:
        orders = orders.filter(status=status)
    return page(orders, paging)


@router.get("/{int:order_id}", response={200: OrderOut, **errors(404)}, summary="Get an order")
def order_detail(request: HttpRequest, order_id: int):
    return _order(request, order_id)


@router.patch(
    "/{int:order_id}",
    response={200: OrderOut, **errors(400, 404, 409, 415, 422)},
    summary="Confirm, reject or fulfil an order",
)
def order_status_update(request: HttpRequest, order_id: int, payload: OrderStatusIn):
    """Move the order on: placed → `confirmed` → `fulfilled`, or placed/confirmed →
    `rejected` (with a `reason` the member reads). A step the order's status does not allow
    answers 409 and changes nothing."""
    order = _order(request, order_id)
    user = request.acting_user
    if payload.status == "confirmed":
        order_confirm(order=order, acting_user=user)
    elif payload.status == "rejected":
        order_reject(order=order, acting_user=user, reason=payload.reason)
    else:
        order_fulfil(order=order, acting_user=user)
    return _order(request, order_id)
