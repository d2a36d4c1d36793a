"""The partner portal (/mitra/): its own pages, reached only by partner users."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from partners import actions
from partners.actions import InvitationInvalidError
from partners.forms import PartnerRegisterForm, PartnershipEndForm, PartnershipProposeForm
from partners.models import Partner, Partnership, PartnerUser
from partners.portal import get_for_partner, partner_user_for, partner_view


def _partnerships_of(partner: Partner):
    return Partnership.objects.filter(partner=partner).select_related("cooperative")


@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    """Public: what the portal is. For a partner user: the business's dashboard."""
    partner_user = partner_user_for(request.user)
    if partner_user is None:
        return render(request, "partners/portal_landing.html")
    partner = partner_user.partner
    partnerships = list(_partnerships_of(partner))
    return render(
        request,
        "partners/portal_dashboard.html",
        {
            "partner": partner,
            "partner_role": partner_user.role,
            "partnerships": partnerships,
            "active_count": sum(p.status == Partnership.Status.ACTIVE for p in partnerships),
            "waiting_count": sum(
                p.status == Partnership.Status.PROPOSED and p.accepted_by_partner_at is None
                for p in partnerships
            ),
        },
    )


def _invitation_refused(request: HttpRequest, error: InvitationInvalidError) -> HttpResponse:
    """A link that cannot be used: say why, plainly (404 unknown, 410 used or expired)."""
    return render(
        request,
        "partners/partner_register.html",
        {"invitation_error": error.message, "invitation_reason": error.reason},
        status=404 if error.reason == "unknown" else 410,
    )


@require_http_methods(["GET", "POST"])
@login_required
def partner_register(request: HttpRequest) -> HttpResponse:
    """A person registers a business and becomes its owner.

    Through an invitation link (`?undangan=<secret>`) the business also finds the inviting
    cooperative's proposal waiting for its acceptance.
    """
    secret = request.GET.get(actions.INVITATION_PARAM, "")
    invitation = None
    if actions.INVITATION_PARAM in request.GET:
        try:
            invitation = actions.invitation_for_secret(secret)
        except InvitationInvalidError as error:
            return _invitation_refused(request, error)
    if partner_user_for(request.user) is not None:
        messages.info(request, _("You already belong to a partner business."))
        return redirect("partners:home")
    initial = {"name": invitation.business_name, "email": invitation.email} if invitation else {}
    form = PartnerRegisterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if invitation is None:
                partner = actions.partner_register(acting_user=request.user, data=form.cleaned_data)
            else:
                partner = actions.partner_invitation_accept(
                    secret=secret, acting_user=request.user, data=form.cleaned_data
                ).partner
        except InvitationInvalidError as error:
            return _invitation_refused(request, error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": partner.name})
            if invitation is None:
                return redirect("partners:home")
            messages.info(
                request,
                _("%(cooperative)s proposes a partnership: read the terms and accept it.")
                % {"cooperative": invitation.cooperative.name},
            )
            return redirect("partners:partnership-list")
    return render(
        request,
        "partners/partner_register.html",
        {
            "form": form,
            "invitation": invitation,
            "invitation_commission": actions.invitation_commission(invitation)
            if invitation
            else None,
        },
    )


@partner_view()
@require_http_methods(["GET", "POST"])
def partnership_list(request: HttpRequest) -> HttpResponse:
    """The partner's partnerships, and a proposal to a verified cooperative (owner only)."""
    if request.method == "POST" and request.partner_role != PartnerUser.Role.OWNER:
        raise PermissionDenied  # staff see no form; only the owner signs (as accepting does)
    form = PartnershipProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.partnership_propose(
                cooperative=data["cooperative"],
                partner=request.partner,
                acting_user=request.user,
                data=data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The partnership is proposed to the cooperative."))
            return redirect("partners:partnership-list")
    return render(
        request,
        "partners/partnership_list.html",
        {
            "partner": request.partner,
            "partner_role": request.partner_role,
            "partnerships": _partnerships_of(request.partner),
            "form": form,
            "is_owner": request.partner_role == PartnerUser.Role.OWNER,
            "is_financing": request.partner.kind == Partner.Kind.BANK_OR_FUND,
        },
    )


@partner_view(PartnerUser.Role.OWNER)
@require_POST
def partnership_accept(request: HttpRequest, partnership_id: int) -> HttpResponse:
    """The partner's owner accepts a cooperative's proposal."""
    partnership = get_for_partner(Partnership.objects.all(), request.partner, pk=partnership_id)
    try:
        actions.partnership_accept(partnership=partnership, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The partnership is accepted."))
    return redirect("partners:partnership-list")


@partner_view(PartnerUser.Role.OWNER)
@require_POST
def partnership_end(request: HttpRequest, partnership_id: int) -> HttpResponse:
    """The partner's owner ends a partnership, or withdraws or declines a proposal."""
    partnership = get_for_partner(Partnership.objects.all(), request.partner, pk=partnership_id)
    form = PartnershipEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the partnership ends."))
        return redirect("partners:partnership-list")
    try:
        actions.partnership_end(
            partnership=partnership, acting_user=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The partnership has ended."))
    return redirect("partners:partnership-list")
