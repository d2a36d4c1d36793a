"""Membership pages: the public join page and the board's member register."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, STAFF_ROLES, get_for_tenant, tenant_view
from members import actions, selectors
from members.forms import DecisionForm, ExitForm, MemberForm
from members.models import Member
from services.ledger.models import Posting
from services.savings.models import SavingsBill


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("nik")
@tenant_view()
def member_join(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Anyone may apply to a verified cooperative; the board decides."""
    tenant = request.tenant
    initial = {}
    if request.user.is_authenticated:
        initial = {"full_name": request.user.full_name, "email": request.user.email}
    form = MemberForm(request.POST or None, initial=initial, require_email=True)
    if request.method == "POST" and form.is_valid():
        try:
            actions.member_apply(
                cooperative=tenant.cooperative,
                data=form.cleaned_data,
                user=request.user if request.user.is_authenticated else None,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return render(request, "members/member_join_done.html", {"tenant": tenant})
    return render(request, "members/member_join.html", {"tenant": tenant, "form": form})


@require_GET
@tenant_view(*STAFF_ROLES)
def member_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    status = request.GET.get("status", Member.Status.ACTIVE)
    if status not in {*Member.Status.values, "former"}:
        status = Member.Status.ACTIVE
    query = request.GET.get("q", "")[:100].replace("\x00", "")  # PostgreSQL refuses NUL
    members = selectors.member_list(cooperative=tenant.cooperative, status=status, query=query)
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    counts = selectors.status_counts(cooperative=tenant.cooperative)
    tabs = [
        (Member.Status.APPLICANT, _("Applicants"), counts["applicant"]),
        (Member.Status.ACTIVE, _("Active"), counts["active"]),
        ("former", _("Former members"), counts["former"]),
        (Member.Status.REJECTED, _("Rejected"), counts["rejected"]),
    ]
    context = {"tenant": tenant, "page": page, "status": status, "query": query, "tabs": tabs}
    template = "members/member_list.html#results" if request.htmx else "members/member_list.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("nik")
@tenant_view(BOARD, write=True)
def member_add(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = actions.member_add(
                cooperative=tenant.cooperative,
                data=form.cleaned_data,
                acting_user=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is member number %(number)s.")
                % {"name": member.full_name, "number": member.number},
            )
            return redirect("koperasi:member-detail", coop_slug=coop_slug, member_id=member.pk)
    return render(request, "members/member_add.html", {"tenant": tenant, "form": form})


@require_GET
@tenant_view(*STAFF_ROLES)
def member_detail(request: HttpRequest, coop_slug: str, member_id: int) -> HttpResponse:
    tenant = request.tenant
    member = get_for_tenant(Member.objects.select_related("user"), tenant, pk=member_id)
    accounts = {a.savings_kind: a for a in member.accounts.all()}
    bills = list(
        SavingsBill.objects.filter(member=member, status=SavingsBill.Status.OPEN).order_by("period")
    )
    recent = (
        Posting.objects.filter(account__member=member)
        .select_related("entry", "account")
        .order_by("-date", "-id")[:20]
    )
    context = {
        "tenant": tenant,
        "member": member,
        "accounts": accounts,
        "total": sum(a.balance for a in accounts.values()),
        "bills": bills,
        "bills_due": sum(b.outstanding for b in bills),
        "recent": recent,
        "show_nik": tenant.is_board,
        "today": timezone.localdate(),
        "decision_form": DecisionForm(),
        "exit_form": ExitForm(initial={"idempotency_key": uuid.uuid4().hex}),
    }
    return render(request, "members/member_detail.html", context)


@require_POST
@tenant_view(BOARD, write=True)
def member_decide(request: HttpRequest, coop_slug: str, member_id: int) -> HttpResponse:
    member = get_for_tenant(Member, request.tenant, pk=member_id)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    try:
        if not form.is_valid() or decision not in {"approve", "reject"}:
            raise DomainError(_("Choose approve or reject."))
        if decision == "approve":
            member = actions.member_approve(member=member, acting_user=request.user)
            messages.success(
                request,
                _("%(name)s is now member number %(number)s.")
                % {"name": member.full_name, "number": member.number},
            )
        else:
            actions.member_reject(
                member=member, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The application is rejected."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("koperasi:member-detail", coop_slug=coop_slug, member_id=member.pk)


@require_POST
@tenant_view(BOARD, write=True)
def member_exit(request: HttpRequest, coop_slug: str, member_id: int) -> HttpResponse:
    member = get_for_tenant(Member, request.tenant, pk=member_id)
    form = ExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the form: choose a reason and how to pay out."))
        return redirect("koperasi:member-detail", coop_slug=coop_slug, member_id=member.pk)
    try:
        actions.member_exit(
            member=member,
            acting_user=request.user,
            reason=form.cleaned_data["reason"],
            channel=form.cleaned_data["channel"],
            expelled=form.cleaned_data["kind"] == "expelled",
            idempotency_key=f"exit-{form.cleaned_data['idempotency_key']}",
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The member has left; the savings are paid out."))
    return redirect("koperasi:member-detail", coop_slug=coop_slug, member_id=member.pk)
