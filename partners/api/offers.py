"""/api/v1/offers: the partner's offers to the members of its partner cooperatives."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from partners.api.common import Paging, errors, page
from partners.api.schemas import OfferIn, OfferOut, OfferPage, OfferPatch
from partners.models import Offer
from partners.offers import offer_create, offer_update, offer_withdraw, offers_with_state
from partners.portal import get_for_partner

router = Router()

#: The offer fields the API reads and writes (the picture is managed on the portal).
FIELDS = ("title", "description", "unit", "price", "discount_percent", "valid_from", "valid_to")


def _offers(request: HttpRequest):
    return offers_with_state(partner=request.partner)


def _offer(request: HttpRequest, offer_id: int) -> Offer:
    """The partner's offer with its state; 404 for a missing one and for another partner's."""
    return get_for_partner(_offers(request), request.partner, pk=offer_id)


@router.get("", response={200: OfferPage, **errors(422)}, summary="List offers")
def offer_list(
    request: HttpRequest,
    paging: Query[Paging],
    state: Literal["published", "scheduled", "expired", "withdrawn"] | None = None,
):
    """The partner's offers, newest first; `state` keeps only offers in that state today."""
    offers = _offers(request)
    if state:
        offers = offers.filter(state=state)
    return page(offers, paging)


@router.post("", response={201: OfferOut, **errors(400, 409, 415, 422)}, summary="Create an offer")
def offer_create_endpoint(request: HttpRequest, payload: OfferIn):
    """Publish an offer to the members of the partner's cooperatives (from `valid_from`)."""
    offer = offer_create(
        partner=request.partner, acting_user=request.acting_user, data=payload.model_dump()
    )
    return Status(201, _offer(request, offer.pk))


@router.get("/{int:offer_id}", response={200: OfferOut, **errors(404)}, summary="Get an offer")
def offer_detail(request: HttpRequest, offer_id: int):
    return _offer(request, offer_id)


@router.patch(
    "/{int:offer_id}",
    response={200: OfferOut, **errors(400, 404, 409, 415, 422)},
    summary="Change an offer",
)
def offer_update_endpoint(request: HttpRequest, offer_id: int, payload: OfferPatch):
    """Change the fields sent; the others keep their values. Orders already placed keep
    their price. A withdrawn offer cannot be changed (409)."""
    offer = _offer(request, offer_id)
    data = {name: getattr(offer, name) for name in FIELDS}
    data.update(payload.model_dump(exclude_unset=True))
    offer_update(offer=offer, acting_user=request.acting_user, data=data)
    return _offer(request, offer_id)


@router.post(
    "/{int:offer_id}/withdraw",
    response={200: OfferOut, **errors(404, 409)},
    summary="Withdraw an offer",
)
def offer_withdraw_endpoint(request: HttpRequest, offer_id: int):
    """Members no longer see or order the offer; orders already placed stay."""
    offer = _offer(request, offer_id)
    offer_withdraw(offer=offer, acting_user=request.acting_user)
    return _offer(request, offer_id)
