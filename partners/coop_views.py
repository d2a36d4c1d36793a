"""The cooperative's side of partnerships (/k/<slug>/kelola/mitra/): the board proposes,
accepts and ends partnerships, invites businesses and decides which financing partners see
the cooperative's figures. Supervisors read; only the board changes anything."""

from __future__ import annotations

import re

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, SUPERVISOR, Tenant, get_for_tenant, tenant_view
from partners import actions
from partners.coop_forms import CoopPartnershipProposeForm, PartnerInviteForm, PartnerSearchForm
from partners.forms import PartnershipEndForm
from partners.models import Partner, PartnerInvitation, Partnership, PartnershipFigures

#: How many partners a search lists at most.
SEARCH_LIMIT = 20


def _partnerships(tenant: Tenant) -> QuerySet[Partnership]:
    """The cooperative's partnerships, newest first, each knowing whether figures are shared."""
    live_consent = PartnershipFigures.objects.filter(
        partnership=OuterRef("pk"), revoked_at__isnull=True
    )
    return (
        Partnership.objects.filter(cooperative=tenant.cooperative)
        .select_related("partner")
        .annotate(figures_shared=Exists(live_consent))
    )


def _pending_invitations(tenant: Tenant) -> QuerySet[PartnerInvitation]:
    return PartnerInvitation.objects.filter(
        cooperative=tenant.cooperative, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


@require_GET
@tenant_view(BOARD, SUPERVISOR)
def partnership_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Partnerships with status, the side that must still accept, discount, fee and validity;
    the invitations still waiting to be used."""
    tenant = request.tenant
    partnerships = list(_partnerships(tenant))
    return render(
        request,
        "partners/coop_partnership_list.html",
        {
            "tenant": tenant,
            "partnerships": partnerships,
            "invitations": _pending_invitations(tenant),
            "waiting_count": sum(
                p.status == Partnership.Status.PROPOSED and p.accepted_by_cooperative_at is None
                for p in partnerships
            ),
            "can_change": tenant.is_board,
            "financing_kind": Partner.Kind.BANK_OR_FUND,
        },
    )


def _partner_search(query: str, tenant: Tenant) -> QuerySet[Partner]:
    """Registered partners whose name contains the query or whose NPWP starts with its digits
    (a 15-digit NPWP also as its 16-digit form), marking those already in a live partnership."""
    condition = Q(name__icontains=query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3:
        condition |= Q(npwp__startswith=digits) | Q(npwp__startswith="0" + digits)
    live = Partnership.objects.live().filter(cooperative=tenant.cooperative, partner=OuterRef("pk"))
    return (
        Partner.objects.filter(condition)
        .annotate(in_partnership=Exists(live))
        .order_by("name", "pk")[:SEARCH_LIMIT]
    )


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, write=True)
def partnership_propose(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Find a registered partner by NPWP or name, then propose the terms to it."""
    tenant = request.tenant
    search = PartnerSearchForm(request.GET if "q" in request.GET else None)
    results = _partner_search(search.cleaned_data["q"], tenant) if search.is_valid() else None
    chosen = None
    if request.method == "POST":
        form = CoopPartnershipProposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.partnership_propose(
                    cooperative=tenant.cooperative,
                    partner=data["partner"],
                    acting_user=request.user,
                    data=data,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("The partnership is proposed to %(name)s.") % {"name": data["partner"].name},
                )
                return redirect("koperasi:partnership-list", coop_slug=coop_slug)
        chosen = form.cleaned_data.get("partner")
    else:
        partner_id = request.GET.get("mitra", "")
        chosen = Partner.objects.filter(pk=partner_id).first() if partner_id.isdigit() else None
        form = CoopPartnershipProposeForm(initial={"partner": chosen.pk} if chosen else None)
    return render(
        request,
        "partners/coop_partnership_propose.html",
        {
            "tenant": tenant,
            "search": search,
            "results": results,
            "chosen": chosen,
            "form": form,
        },
    )


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, write=True)
def partner_invite(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Invite a business by email with the proposed terms; the link is valid 14 days."""
    tenant = request.tenant
    form = PartnerInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = actions.partner_invite(
                cooperative=tenant.cooperative, acting_user=request.user, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("An invitation is on its way to %(email)s.") % {"email": invitation.email},
            )
            return redirect("koperasi:partnership-list", coop_slug=coop_slug)
    return render(
        request,
        "partners/coop_partner_invite.html",
        {"tenant": tenant, "form": form, "invitations": _pending_invitations(tenant)},
    )


def _partnership(request: HttpRequest, partnership_id: int) -> Partnership:
    return get_for_tenant(
        Partnership.objects.select_related("partner"), request.tenant, pk=partnership_id
    )


def _act(request: HttpRequest, coop_slug: str, action, success: str, **kwargs) -> HttpResponse:
    try:
        action(acting_user=request.user, **kwargs)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("koperasi:partnership-list", coop_slug=coop_slug)


@require_POST
@tenant_view(BOARD, write=True)
def partnership_accept(request: HttpRequest, coop_slug: str, partnership_id: int) -> HttpResponse:
    """The board accepts a partner's proposal; the partnership becomes active."""
    partnership = _partnership(request, partnership_id)
    return _act(
        request,
        coop_slug,
        actions.partnership_accept,
        _("The partnership is accepted."),
        partnership=partnership,
    )


@require_POST
@tenant_view(BOARD, write=True)
def partnership_end(request: HttpRequest, coop_slug: str, partnership_id: int) -> HttpResponse:
    """The board ends a partnership, or withdraws or declines a proposal, saying why."""
    partnership = _partnership(request, partnership_id)
    form = PartnershipEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the partnership ends."))
        return redirect("koperasi:partnership-list", coop_slug=coop_slug)
    return _act(
        request,
        coop_slug,
        actions.partnership_end,
        _("The partnership has ended."),
        partnership=partnership,
        reason=form.cleaned_data["reason"],
    )


@require_POST
@tenant_view(BOARD, write=True)
def partnership_figures_grant(
    request: HttpRequest, coop_slug: str, partnership_id: int
) -> HttpResponse:
    """The board lets a financing partner see the cooperative's aggregate figures."""
    partnership = _partnership(request, partnership_id)
    return _act(
        request,
        coop_slug,
        actions.partnership_figures_grant,
        _("%(name)s now sees the cooperative's aggregate figures.")
        % {"name": partnership.partner.name},
        partnership=partnership,
    )


@require_POST
@tenant_view(BOARD, write=True)
def partnership_figures_revoke(
    request: HttpRequest, coop_slug: str, partnership_id: int
) -> HttpResponse:
    """The board withdraws its consent to share figures."""
    partnership = _partnership(request, partnership_id)
    return _act(
        request,
        coop_slug,
        actions.partnership_figures_revoke,
        _("%(name)s no longer sees the cooperative's figures.")
        % {"name": partnership.partner.name},
        partnership=partnership,
    )
