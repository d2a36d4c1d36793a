"""The counter (teller) and the board's savings pages."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.tenancy import BOARD, STAFF_ROLES, TELLER, get_for_tenant, tenant_view
from members.models import Member
from services.ledger.models import Account, JournalEntry
from services.savings import actions, board_selectors
from services.savings.forms import SavingsProductForm, TellerForm, WithdrawalDecisionForm
from services.savings.models import WithdrawalRequest


def _member_by_number(tenant, number) -> Member | None:
    if not str(number or "").isdigit() or len(str(number)) > 9:
        return None
    return (
        Member.objects.filter(cooperative=tenant.cooperative, number=number)
        .prefetch_related("accounts")
        .first()
    )


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, TELLER, write=True)
def teller(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Deposits and withdrawals at the counter; each ends on a printable receipt."""
    tenant = request.tenant
    form = TellerForm(
        request.POST or None,
        initial={"idempotency_key": uuid.uuid4().hex, "number": request.GET.get("number")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = _member_by_number(tenant, data["number"])
        key = f"teller-{data['idempotency_key']}"
        try:
            if member is None:
                raise DomainError(_("No member has this number."), field="number")
            if data["direction"] == "deposit":
                entry = actions.savings_deposit(
                    member=member,
                    kind=data["kind"],
                    amount=data["amount"],
                    channel=data["channel"],
                    acting_user=request.user,
                    idempotency_key=key,
                )
            else:
                entry = actions.savings_withdraw(
                    member=member,
                    amount=data["amount"],
                    channel=data["channel"],
                    acting_user=request.user,
                    idempotency_key=key,
                )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("koperasi:receipt", coop_slug=coop_slug, entry_id=entry.pk)
    member = _member_by_number(tenant, form["number"].value())
    return render(
        request, "services/teller.html", {"tenant": tenant, "form": form, "member": member}
    )


@require_GET
@tenant_view(BOARD, TELLER)
def teller_member(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The htmx preview of a member while the teller types the number."""
    member = _member_by_number(request.tenant, request.GET.get("number", ""))
    return render(
        request, "services/teller.html#member", {"tenant": request.tenant, "member": member}
    )


@require_GET
@tenant_view(*STAFF_ROLES)
def receipt(request: HttpRequest, coop_slug: str, entry_id: int) -> HttpResponse:
    entry = get_for_tenant(
        JournalEntry.objects.select_related("member", "created_by"), request.tenant, pk=entry_id
    )
    member_postings = [
        p for p in entry.postings.select_related("account") if p.account.member_id is not None
    ]
    balances = {
        a.savings_kind: a.balance for a in Account.objects.filter(member_id=entry.member_id)
    }
    context = {
        "tenant": request.tenant,
        "entry": entry,
        "lines": [(p.account.get_savings_kind_display(), -p.amount) for p in member_postings],
        "total": -sum(p.amount for p in member_postings),
        "balances": balances,
    }
    return render(request, "services/receipt.html", context)


@require_GET
@tenant_view(*STAFF_ROLES)
def withdrawal_requests(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    status = request.GET.get("status", WithdrawalRequest.Status.PENDING)
    if status not in WithdrawalRequest.Status.values:
        status = WithdrawalRequest.Status.PENDING
    requests = (
        WithdrawalRequest.objects.filter(cooperative=tenant.cooperative, status=status)
        .select_related("member", "decided_by")
        .order_by("created_at")[:200]
    )
    context = {
        "tenant": tenant,
        "requests": requests,
        "status": status,
        "statuses": WithdrawalRequest.Status.choices,
        "form": WithdrawalDecisionForm(),
    }
    return render(request, "services/withdrawal_requests.html", context)


@require_POST
@tenant_view(BOARD, TELLER, write=True)
def withdrawal_request_decide(
    request: HttpRequest, coop_slug: str, request_id: int
) -> HttpResponse:
    withdrawal = get_for_tenant(WithdrawalRequest, request.tenant, pk=request_id)
    form = WithdrawalDecisionForm(request.POST)
    decision = request.POST.get("decision")
    approve = decision == "approve"
    try:
        if decision not in {"approve", "reject"}:
            raise DomainError(_("Choose approve or reject."))
        if not form.is_valid():
            raise DomainError(_("The reason is too long."))
        actions.withdrawal_request_decide(
            request=withdrawal,
            acting_user=request.user,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The request is approved and the transfer posted.")
            if approve
            else _("The request is rejected."),
        )
    return redirect("koperasi:withdrawal-requests", coop_slug=coop_slug)


@require_GET
@tenant_view(*STAFF_ROLES)
def arrears(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Members behind on simpanan wajib (or pokok), most months first."""
    tenant = request.tenant
    page = Paginator(board_selectors.arrears(cooperative=tenant.cooperative), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "services/arrears.html", {"tenant": tenant, "page": page})


@require_http_methods(["GET", "POST"])
@tenant_view(*STAFF_ROLES)
def savings_product(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """The cooperative's savings rules; the board changes them, others read."""
    tenant = request.tenant
    product = actions.product_for(tenant.cooperative)
    form = SavingsProductForm(request.POST or None, instance=product)
    if not tenant.is_board:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if not tenant.is_board:
            raise PermissionDenied
        if form.is_valid():
            actions.savings_product_update(
                cooperative=tenant.cooperative, data=form.cleaned_data, acting_user=request.user
            )
            messages.success(request, _("The savings rules are saved."))
            return redirect("koperasi:savings-product", coop_slug=coop_slug)
    return render(request, "services/savings_product.html", {"tenant": tenant, "form": form})
