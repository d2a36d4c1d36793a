"""The board's loan pages under /k/<coop_slug>/kelola/pinjaman/: products and the approval
rule, the review (approve, reject, disburse), repayments at the counter, and the portfolio.

Supervisors read every page and change nothing; tellers take repayments. Refusals from the
actions (DomainError) come back as form errors on the page they were asked from, and change
nothing.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.audit import export_record
from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.money import format_rupiah
from koperasi.tenancy import BOARD, STAFF_ROLES, TELLER, get_for_tenant, tenant_view
from services.jobs.actions import job_start
from services.jobs.models import Job
from services.loans import actions, exports, selectors
from services.loans.forms import (
    CounterRepaymentForm,
    DisburseForm,
    LoanPolicyForm,
    LoanProductForm,
    RejectForm,
)
from services.loans.models import Loan, LoanProduct, Repayment

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Products and the approval rule -----------------------------------------------------------


def _products_page(request: HttpRequest, policy_form: LoanPolicyForm, status: int = 200):
    tenant = request.tenant
    context = {
        "tenant": tenant,
        "products": selectors.products(cooperative=tenant.cooperative),
        "policy_form": policy_form,
    }
    return render(request, "loans/product_list.html", context, status=status)


@require_GET
@tenant_view(*STAFF_ROLES)
def loan_products(request: HttpRequest, coop_slug: str) -> HttpResponse:
    policy = actions.policy_for(request.tenant.cooperative)
    form = LoanPolicyForm(instance=policy)
    if not request.tenant.is_board:
        for field in form.fields.values():
            field.disabled = True
    return _products_page(request, form)


@require_POST
@tenant_view(BOARD, write=True)
def loan_policy(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    form = LoanPolicyForm(request.POST, instance=actions.policy_for(cooperative))
    if not form.is_valid():
        return _products_page(request, form, status=400)
    actions.loan_policy_update(
        cooperative=cooperative,
        two_approvals_above=form.cleaned_data["two_approvals_above"],
        acting_user=request.user,
    )
    messages.success(request, _("The approval rule is saved."))
    return redirect("koperasi:loan-products", coop_slug=coop_slug)


def _product_form_page(request, form, product, status=200) -> HttpResponse:
    context = {"tenant": request.tenant, "form": form, "product": product}
    return render(request, "loans/product_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, write=True)
def loan_product_create(request: HttpRequest, coop_slug: str) -> HttpResponse:
    form = LoanProductForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actions.loan_product_save(
                cooperative=request.tenant.cooperative,
                product=None,
                data=form.cleaned_data,
                acting_user=request.user,
            )
            messages.success(request, _("The loan product is saved."))
            return redirect("koperasi:loan-products", coop_slug=coop_slug)
        return _product_form_page(request, form, None, status=400)
    return _product_form_page(request, form, None)


@require_http_methods(["GET", "POST"])
@tenant_view(*STAFF_ROLES)
def loan_product_edit(request: HttpRequest, coop_slug: str, product_id: int) -> HttpResponse:
    """The board changes a product; supervisors and tellers read it."""
    tenant = request.tenant
    product = get_for_tenant(LoanProduct, tenant, pk=product_id)
    if request.method == "POST" and not (tenant.is_board and tenant.can_write):
        raise PermissionDenied
    form = LoanProductForm(request.POST or None, instance=product)
    if not tenant.is_board:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST":
        if form.is_valid():
            actions.loan_product_save(
                cooperative=tenant.cooperative,
                product=product,
                data=form.cleaned_data,
                acting_user=request.user,
            )
            messages.success(request, _("The loan product is saved."))
            return redirect("koperasi:loan-products", coop_slug=coop_slug)
        return _product_form_page(request, form, product, status=400)
    return _product_form_page(request, form, product)


# --- The review -------------------------------------------------------------------------------


@require_GET
@tenant_view(*STAFF_ROLES)
def loan_list(request: HttpRequest, coop_slug: str) -> HttpResponse:
    tenant = request.tenant
    tab = request.GET.get("tab", "applied")
    if tab not in selectors.TABS:
        tab = "applied"
    counts = selectors.tab_counts(cooperative=tenant.cooperative)
    tabs = [
        ("applied", _("Applied"), counts["applied"]),
        ("approved", _("Approved, to pay out"), counts["approved"]),
        ("active", _("Repaying"), counts["active"]),
        ("closed", _("Closed"), counts["closed"]),
    ]
    loans = selectors.loan_list(cooperative=tenant.cooperative, tab=tab)[:200]
    context = {"tenant": tenant, "tab": tab, "tabs": tabs, "loans": loans}
    return render(request, "loans/loan_list.html", context)


def _loan(request: HttpRequest, loan_id: int) -> Loan:
    return get_for_tenant(
        Loan.objects.select_related("member", "product", "disbursement"),
        request.tenant,
        pk=loan_id,
    )


def _detail(
    request: HttpRequest,
    loan: Loan,
    *,
    approve_errors: list[str] | None = None,
    reject_form: RejectForm | None = None,
    disburse_form: DisburseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    tenant = request.tenant
    decided = loan.status not in (Loan.Status.APPLIED, Loan.Status.APPROVED)
    estimate = (
        None
        if decided
        else selectors.simulate(product=loan.product, amount=loan.amount, term=loan.term_months)
    )
    reject_form = reject_form or RejectForm()
    disburse_form = disburse_form or DisburseForm(
        initial={"channel": "sukarela", "first_due": selectors.first_due_from()}
    )
    show_reject = tenant.is_board and loan.status in (Loan.Status.APPLIED, Loan.Status.APPROVED)
    show_disburse = tenant.is_board and loan.status == Loan.Status.APPROVED
    # A refusal of a step the page no longer offers (the loan moved on) still shows.
    refusals = [
        *(reject_form.non_field_errors() if not show_reject else []),
        *(disburse_form.non_field_errors() if not show_disburse else []),
    ]
    context = {
        "tenant": tenant,
        "loan": loan,
        "applicant": selectors.applicant(loan=loan),
        "approvals": selectors.approvals_of(loan=loan),
        "state": selectors.loan_state(loan=loan) if loan.disbursed_on else None,
        "estimate": estimate,
        "estimate_totals": selectors.totals_of(estimate) if estimate else None,
        "approve_errors": approve_errors or [],
        "reject_form": reject_form,
        "disburse_form": disburse_form,
        "show_reject": show_reject,
        "show_disburse": show_disburse,
        "refusals": refusals,
        "is_borrower": loan.member.user_id == request.user.pk,
    }
    return render(request, "loans/loan_detail.html", context, status=status)


@require_GET
@tenant_view(*STAFF_ROLES)
def loan_detail(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    return _detail(request, _loan(request, loan_id))


@require_POST
@tenant_view(BOARD, write=True)
def loan_approve(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    try:
        loan = actions.loan_approve(loan=loan, acting_user=request.user)
    except DomainError as error:
        return _detail(request, loan, approve_errors=[error.message], status=400)
    if loan.status == Loan.Status.APPROVED:
        messages.success(request, _("The loan is approved. It can be paid out now."))
    else:
        messages.success(
            request, _("Your approval is recorded; another board member must approve.")
        )
    return redirect("koperasi:loan-detail", coop_slug=coop_slug, loan_id=loan.pk)


@require_POST
@tenant_view(BOARD, write=True)
def loan_reject(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            actions.loan_reject(
                loan=loan, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The application is rejected."))
            return redirect("koperasi:loan-detail", coop_slug=coop_slug, loan_id=loan.pk)
    return _detail(request, loan, reject_form=form, status=400)


@require_POST
@tenant_view(BOARD, write=True)
def loan_disburse(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    loan = _loan(request, loan_id)
    form = DisburseForm(request.POST)
    if form.is_valid():
        try:
            loan = actions.loan_disburse(
                loan=loan,
                acting_user=request.user,
                channel=form.cleaned_data["channel"],
                first_due=form.cleaned_data["first_due"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Paid out %(net)s (%(amount)s less the admin fee of %(fee)s).")
                % {
                    "net": format_rupiah(loan.amount - loan.admin_fee),
                    "amount": format_rupiah(loan.amount),
                    "fee": format_rupiah(loan.admin_fee),
                },
            )
            return redirect("koperasi:loan-detail", coop_slug=coop_slug, loan_id=loan.pk)
    return _detail(request, loan, disburse_form=form, status=400)


# --- Repayments at the counter ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@tenant_view(BOARD, TELLER, write=True)
def loan_repay(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    """A repayment at the counter ends on a receipt that shows how it was split."""
    loan = _loan(request, loan_id)
    form = CounterRepaymentForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            repayment = actions.loan_repay(
                loan=loan,
                amount=data["amount"],
                channel=data["channel"],
                acting_user=request.user,
                idempotency_key=f"loanpay-{data['idempotency_key']}",
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(
                "koperasi:loan-receipt",
                coop_slug=coop_slug,
                loan_id=loan.pk,
                repayment_id=repayment.pk,
            )
    state = selectors.loan_state(loan=loan) if loan.disbursed_on else None
    context = {"tenant": request.tenant, "loan": loan, "form": form, "state": state}
    status = 400 if request.method == "POST" else 200
    return render(request, "loans/loan_repay.html", context, status=status)


@require_GET
@tenant_view(*STAFF_ROLES)
def loan_receipt(
    request: HttpRequest, coop_slug: str, loan_id: int, repayment_id: int
) -> HttpResponse:
    loan = _loan(request, loan_id)
    repayment = get_object_or_404(
        Repayment.objects.select_related("entry", "entry__created_by"), pk=repayment_id, loan=loan
    )
    context = {
        "tenant": request.tenant,
        "loan": loan,
        "repayment": repayment,
        "state": selectors.loan_state(loan=loan),
    }
    return render(request, "loans/loan_receipt.html", context)


# --- The portfolio ----------------------------------------------------------------------------


@require_GET
@tenant_view(*STAFF_ROLES)
def loan_portfolio(request: HttpRequest, coop_slug: str) -> HttpResponse:
    cooperative = request.tenant.cooperative
    context = {
        "tenant": request.tenant,
        "portfolio": selectors.portfolio(cooperative=cooperative),
        "arrears": selectors.loans_in_arrears(cooperative=cooperative)[: selectors.ARREARS_PAGE],
        "arrears_limit": selectors.ARREARS_PAGE,
    }
    return render(request, "loans/portfolio.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@tenant_view(*STAFF_ROLES)
def loan_portfolio_export(request: HttpRequest, coop_slug: str, fmt: str) -> HttpResponse:
    """POST (the page's buttons): the file is made in the background and offered on the job's
    progress page. GET: made in the request, for small books and saved links."""
    cooperative = request.tenant.cooperative
    if request.method == "POST":
        job = job_start(
            cooperative=cooperative,
            kind=Job.Kind.LOAN_PORTFOLIO,
            key=f"portfolio:{fmt}",
            params={"fmt": fmt},
            acting_user=request.user,
        )
        return redirect("koperasi:job-detail", coop_slug=coop_slug, job_id=job.pk)
    today = timezone.localdate()
    builder = exports.portfolio_csv if fmt == "csv" else exports.portfolio_xlsx
    body = builder(
        cooperative_name=cooperative.name,
        today=today,
        portfolio=selectors.portfolio(cooperative=cooperative),
        arrears=selectors.loans_in_arrears(cooperative=cooperative).iterator(chunk_size=2000),
    )
    filename = f"loan-portfolio-{cooperative.slug}-{today.isoformat()}.{fmt}"
    export_record(request=request, what="loan_portfolio", cooperative=cooperative, format=fmt)
    return HttpResponse(
        body,
        content_type=EXPORT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
