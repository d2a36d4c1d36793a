"""The member's own loans under /k/<coop_slug>/anggota/pinjaman/.

A member sees only loans of their own memberships: a loan id of anybody else answers 404,
exactly like one that does not exist.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.money import format_rupiah
from koperasi.tenancy import MEMBER, tenant_view
from services.loans import actions, selectors
from services.loans.forms import LoanApplicationForm, MemberRepaymentForm
from services.loans.models import Loan
from services.savings.member_views import get_own_member


@require_GET
@tenant_view(MEMBER)
def member_loans(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    loans = list(selectors.member_loans(cooperative=request.tenant.cooperative, user=request.user))
    context = {"member": member, "loans": loans}
    return render(request, "loans/member_loans.html", context)


@require_http_methods(["GET", "POST"])
@tenant_view(MEMBER)
def loan_apply(request: HttpRequest, coop_slug: str) -> HttpResponse:
    """Preview the schedule, then submit. The submit button comes with a preview and carries
    its figures: if they changed since, the new schedule is shown again instead of applying."""
    member = get_own_member(request)
    products = selectors.active_products(cooperative=request.tenant.cooperative)
    form = LoanApplicationForm(
        request.POST if request.method == "POST" else None, products=products
    )
    schedule, problems, previewed = None, [], ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        problems = actions.eligibility_problems(
            member=member, product=data["product"], amount=data["amount"], term=data["term"]
        )
        for problem in problems:
            form.add_error(None, problem)
        schedule = selectors.simulate(
            product=data["product"], amount=data["amount"], term=data["term"]
        )
        previewed = form.signature
        submitting = request.POST.get("action") == "submit" and not request.htmx
        if submitting and not problems:
            if request.POST.get("previewed") != previewed:
                form.add_error(None, _("The figures changed: check the new schedule, then submit."))
            else:
                try:
                    loan = actions.loan_apply(
                        member=member,
                        product=data["product"],
                        amount=data["amount"],
                        term=data["term"],
                        purpose=data["purpose"],
                    )
                except DomainError as error:
                    add_domain_error(form, error)
                else:
                    messages.success(
                        request,
                        _("Your application for %(amount)s is sent. The board will decide.")
                        % {"amount": format_rupiah(loan.amount)},
                    )
                    return redirect(
                        "koperasi:member-loan-detail", coop_slug=coop_slug, loan_id=loan.pk
                    )
    context = {
        "member": member,
        "form": form,
        "products": list(products),
        "schedule": schedule,
        "totals": selectors.totals_of(schedule) if schedule else None,
        "can_submit": schedule is not None and not form.non_field_errors(),
        "previewed": previewed,
        "savings": actions.member_savings(member),
        "open_application": selectors.open_application(member=member),
    }
    template = "loans/loan_apply.html#apply" if request.htmx else "loans/loan_apply.html"
    # htmx swaps only 2xx answers: the preview with its errors is the answer it asked for.
    refused = request.method == "POST" and not form.is_valid() and not request.htmx
    status = 400 if refused else 200
    return render(request, template, context, status=status)


def _own_loan(request: HttpRequest, loan_id: int) -> Loan:
    get_own_member(request)
    return get_object_or_404(
        Loan.objects.select_related("product", "member"),
        pk=loan_id,
        cooperative=request.tenant.cooperative,
        member__user=request.user,
    )


def _detail(
    request: HttpRequest, loan: Loan, form: MemberRepaymentForm | None = None, status: int = 200
) -> HttpResponse:
    state = selectors.loan_state(loan=loan) if loan.status != Loan.Status.APPLIED else None
    estimate = None
    if loan.status in (Loan.Status.APPLIED, Loan.Status.APPROVED):
        estimate = selectors.simulate(
            product=loan.product, amount=loan.amount, term=loan.term_months
        )
    if form is None and loan.status == Loan.Status.ACTIVE:
        form = MemberRepaymentForm(initial={"idempotency_key": uuid.uuid4().hex})
    context = {
        "loan": loan,
        "state": state,
        "estimate": estimate,
        "estimate_totals": selectors.totals_of(estimate) if estimate else None,
        "form": form,
        "sukarela": selectors.sukarela_balance(member=loan.member)
        if loan.status == Loan.Status.ACTIVE
        else None,
    }
    return render(request, "loans/member_loan_detail.html", context, status=status)


@require_GET
@tenant_view(MEMBER)
def member_loan_detail(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    return _detail(request, _own_loan(request, loan_id))


@require_POST
@tenant_view(MEMBER)
def member_loan_repay(request: HttpRequest, coop_slug: str, loan_id: int) -> HttpResponse:
    """The member repays from their voluntary savings (sukarela); a double submit posts once."""
    loan = _own_loan(request, loan_id)
    form = MemberRepaymentForm(request.POST)
    if form.is_valid():
        try:
            repayment = actions.loan_repay(
                loan=loan,
                amount=form.cleaned_data["amount"],
                channel="sukarela",
                acting_user=request.user,
                idempotency_key=f"member-loanpay-{form.cleaned_data['idempotency_key']}",
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Paid %(amount)s from your voluntary savings: penalty %(penalty)s, "
                    "interest %(interest)s, principal %(principal)s, paid ahead %(prepaid)s."
                )
                % {
                    name: format_rupiah(getattr(repayment, name))
                    for name in ("amount", "penalty", "interest", "principal", "prepaid")
                },
            )
            return redirect("koperasi:member-loan-detail", coop_slug=coop_slug, loan_id=loan.pk)
    loan.refresh_from_db()
    return _detail(request, loan, form, status=400)
