"""The partner portal's figures page: aggregate numbers of the cooperatives that consented."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from partners.figures import figures_for_partner
from partners.models import Partner
from partners.portal import partner_view


@partner_view()
@require_GET
def figures_list(request: HttpRequest) -> HttpResponse:
    """For a bank or financing fund: each consenting cooperative's aggregate figures.

    Any other kind of partner gets a page saying the figures are for financing partners only.
    """
    partner = request.partner
    context = {"partner": partner, "partner_role": request.partner_role}
    if partner.kind != Partner.Kind.BANK_OR_FUND:
        return render(request, "partners/figures_not_financing.html", context, status=403)
    context.update(figures=figures_for_partner(partner=partner), as_of=timezone.now())
    return render(request, "partners/figures_list.html", context)
