"""/api/v1/purchases: members' purchases the partner records (with the member's one-time code).

`POST` honours an `Idempotency-Key` header: the same key with the same body returns the first
purchase (200) instead of recording it again (201 the first time); the same key with another
body answers 409.
"""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from koperasi.errors import DomainError
from koperasi.models import Cooperative
from partners.api.common import Paging, errors, page
from partners.api.schemas import PurchaseIn, PurchaseOut, PurchasePage
from partners.models import Order, Purchase
from partners.portal import get_for_partner
from partners.purchases import partner_purchases, purchase_record

router = Router()


def _purchases(request: HttpRequest):
    return partner_purchases(partner=request.partner)


def body_fingerprint(payload: PurchaseIn) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, defaults filled in)."""
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@router.get("", response={200: PurchasePage, **errors(422)}, summary="List purchases")
def purchase_list(request: HttpRequest, paging: Query[Paging]):
    """The purchases the partner recorded, newest first."""
    return page(_purchases(request), paging)


@router.get(
    "/{int:purchase_id}", response={200: PurchaseOut, **errors(404)}, summary="Get a purchase"
)
def purchase_detail(request: HttpRequest, purchase_id: int):
    return get_for_partner(_purchases(request), request.partner, pk=purchase_id)


@router.post(
    "",
    response={200: PurchaseOut, 201: PurchaseOut, **errors(400, 409, 415, 422)},
    summary="Record a member's purchase",
)
def purchase_create(
    request: HttpRequest,
    payload: PurchaseIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00-\x1f\x7f]+$",  # no NUL or other control characters
        description="Any unique text: a retry with the same key and body returns the first "
        "purchase (200) instead of recording another.",
    ),
):
    """Record what a member paid, with the member number and the member's one-time code.
    Needs an active partnership with the cooperative; `order` settles a confirmed order."""
    partner = request.partner
    cooperative = Cooperative.objects.filter(slug=payload.cooperative).first()
    if cooperative is None:
        raise DomainError(
            _("Your business has no active partnership with this cooperative."),
            field="cooperative",
        )
    order = None
    if payload.order is not None:
        order = Order.objects.filter(partner=partner, pk=payload.order).first()
        if order is None:
            raise DomainError(_("Choose a confirmed order of this member."), field="order")
    started = timezone.now()
    purchase = purchase_record(
        partner=partner,
        acting_user=request.acting_user,
        cooperative=cooperative,
        member_number=payload.member_number,
        code=payload.code,
        amount=payload.amount,
        description=payload.description,
        discount=payload.discount,
        order=order,
        idempotency_key=idempotency_key,
        fingerprint=body_fingerprint(payload),
    )
    replayed = purchase.created_at < started
    purchase = Purchase.objects.select_related("cooperative", "member").get(pk=purchase.pk)
    return Status(200 if replayed else 201, purchase)
