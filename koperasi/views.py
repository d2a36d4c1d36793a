"""Pages of the shared core: home, registering a cooperative, its back office, platform staff."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi import actions, dashboards, selectors
from koperasi.errors import DomainError
from koperasi.forms import CooperativeForm, DecisionForm, RoleGrantForm, add_domain_error
from koperasi.models import Cooperative, Regency, Role
from koperasi.tenancy import (
    BOARD,
    STAFF_ROLES,
    SUPERVISOR,
    get_for_tenant,
    request_cooperatives,
    tenant_view,
)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "my_cooperatives": request_cooperatives(request),
        "cooperative_count": Cooperative.objects.verified().count(),
    }
    return render(request, "home.html", context)


@require_GET
@login_required
def my_cooperatives(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "koperasi/cooperative_list.html",
        {"my_cooperatives": request_cooperatives(request)},
    )


@require_GET
def regency_options(request: HttpRequest) -> HttpResponse:
    """The regency/city <option>s of one province, swapped in by htmx when the province changes."""
    code = request.GET.get("province", "")[:2]
    if not (code.isascii() and code.isdigit()):
        code = ""  # a province code is two digits; a NUL in the query would be a 500
    regencies = Regency.objects.filter(province_id=code)
    return render(request, "koperasi/_regency_options.html", {"regencies": regencies})


@require_http_methods(["GET", "POST"])
@login_required
def cooperative_register(request: HttpRequest) -> HttpResponse:
    form = CooperativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cooperative = actions.cooperative_register(
                acting_user=request.user, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is registered. Platform staff will verify it; meanwhile you can "
                    "set it up."
                )
                % {"name": cooperative.name},
            )
            return redirect("koperasi:dashboard", coop_slug=cooperative.slug)
    return render(request, "koperasi/cooperative_register.html", {"form": form})


# --- A cooperative's own pages (/k/<coop_slug>/) ------------------------------------------


@require_GET
@tenant_view()
def cooperative_home(request: HttpRequest, coop_slug: str) -> HttpResponse:
    return render(request, "koperasi/cooperative_home.html", {"tenant": request.tenant})


@require_GET
@tenant_view(*STAFF_ROLES)
def dashboard(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The back office's front page: the figures with their trends, and what waits. Board and
    supervisors see it all; a teller sees members, savings and the withdrawal requests."""
    tenant = request.tenant
    oversees = tenant.has(BOARD, SUPERVISOR)
    figures = dashboards.board_dashboard(cooperative=tenant.cooperative, portfolio=oversees)
    context = {
        "tenant": tenant,
        "oversees": oversees,
        "figures": figures,
        "charts": dashboards.board_charts(figures),
    }
    return render(request, "koperasi/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@tenant_view(*STAFF_ROLES)
def cooperative_edit(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST" and not tenant.is_board:
        raise PermissionDenied
    form = CooperativeForm(request.POST or None, instance=tenant.cooperative)
    if not tenant.is_board:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            actions.cooperative_update(
                cooperative=Cooperative.objects.get(pk=tenant.cooperative.pk),
                acting_user=request.user,
                data=form.cleaned_data,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The cooperative's details are saved."))
            return redirect("koperasi:dashboard", coop_slug=coop_slug)
    return render(request, "koperasi/cooperative_edit.html", {"tenant": tenant, "form": form})


@require_http_methods(["GET", "POST"])
@tenant_view(*STAFF_ROLES)
def role_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    form = RoleGrantForm(request.POST or None)
    if request.method == "POST":
        if not tenant.is_board:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.role_grant(
                    cooperative=tenant.cooperative,
                    user=form.cleaned_data["email"],
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    acting_user=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("The role is granted."))
                return redirect("koperasi:role-list", coop_slug=coop_slug)
    roles = (
        Role.objects.filter(cooperative=tenant.cooperative, kind__in=STAFF_ROLES)
        .select_related("user")
        .order_by("kind", "user__full_name")
    )
    return render(
        request, "koperasi/role_list.html", {"tenant": tenant, "roles": roles, "form": form}
    )


@require_POST
@tenant_view(BOARD, write=True)
def role_revoke(request: HttpRequest, coop_slug: str, role_id: int) -> HttpResponse:
    role = get_for_tenant(Role.objects.select_related("cooperative"), request.tenant, pk=role_id)
    try:
        actions.role_revoke(role=role, acting_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The role is removed."))
    return redirect("koperasi:role-list", coop_slug=coop_slug)


# --- Platform staff (the facilitator) ------------------------------------------------------


def _platform_staff_only(request: HttpRequest) -> None:
    if not request.user.is_authenticated or not request.user.is_platform_staff:
        raise Http404


@require_GET
@login_required
def platform_home(request: HttpRequest) -> HttpResponse:
    """The facilitator's overview: cooperatives by province, type and status, the
    verification queue, totals and trends across verified cooperatives, and who held their
    RAT this year. Aggregates and the cooperatives' own details only: no member's data."""
    _platform_staff_only(request)
    status = request.GET.get("status", Cooperative.Status.PENDING)
    if status not in Cooperative.Status.values:
        status = Cooperative.Status.PENDING
    cooperatives = (
        Cooperative.objects.filter(status=status)
        .select_related("province", "regency")
        .order_by("created_at")[:200]
    )
    counts, by_province, by_type = dashboards.cooperative_counts()
    trend = dashboards.platform_trend()
    context = {
        "cooperatives": cooperatives,
        "status": status,
        "statuses": [(s, label, counts[s]) for s, label in Cooperative.Status.choices],
        "by_province": by_province,
        "by_type": by_type,
        "totals": dashboards.platform_totals(),
        "rat": dashboards.rat_this_year(by_province=by_province),
        "trend": trend,
        "has_trend": any(month for _first, month in trend),
        "charts": dashboards.platform_charts(by_province=by_province, by_type=by_type, trend=trend),
    }
    return render(request, "platform/home.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def platform_cooperative(request: HttpRequest, cooperative_id: int) -> HttpResponse:
    _platform_staff_only(request)
    cooperative = get_object_or_404(
        Cooperative.objects.select_related("province", "regency", "created_by", "decided_by"),
        pk=cooperative_id,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "verify":
                actions.cooperative_verify(
                    cooperative=cooperative,
                    acting_user=request.user,
                    note=form.cleaned_data["reason"],
                )
                messages.success(request, _("%(name)s is verified.") % {"name": cooperative})
            else:
                actions.cooperative_reject(
                    cooperative=cooperative,
                    acting_user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("%(name)s is rejected.") % {"name": cooperative})
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("platform:home")
    context = {
        "cooperative": cooperative,
        "form": form,
        "chair": selectors.cooperative_chair(cooperative=cooperative),
    }
    return render(request, "platform/cooperative_detail.html", context)
