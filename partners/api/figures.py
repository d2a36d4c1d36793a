"""/api/v1/figures: aggregate figures of the cooperatives that share them with the partner."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from partners.api.common import errors
from partners.api.schemas import FiguresOut
from partners.figures import figures_for_partner

router = Router()


@router.get("", response={200: FiguresOut, **errors()}, summary="Cooperatives' figures")
def figures_list(request: HttpRequest):
    """For a bank or financing fund: each cooperative with an active partnership whose board
    agreed to share its figures: members, savings, loans and PAR30, aggregates only. Empty
    for other partners."""
    items = figures_for_partner(partner=request.partner)
    return {"count": len(items), "items": items}
