"""The member's own savings pages under /k/<coop_slug>/anggota/.

The URLs name no member: the membership is always the logged-in person's own in the URL's
cooperative (`get_own_member`), so there is no id to forge. A member who left keeps reading
their history and statements but can no longer ask for withdrawals.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from koperasi.audit import export_record
from koperasi.errors import DomainError
from koperasi.forms import add_domain_error
from koperasi.money import format_rupiah
from koperasi.tenancy import MEMBER, tenant_view
from members.models import Member
from services.savings import actions, charts, selectors, statements
from services.savings.member_forms import (
    HistoryFilterForm,
    SavingsFilterForm,
    StatementFilterForm,
    WithdrawalRequestForm,
)

STATEMENT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
STATEMENT_BUILDERS = {
    "csv": statements.statement_csv,
    "xlsx": statements.statement_xlsx,
    "pdf": statements.statement_pdf,
}


def get_own_member(request: HttpRequest) -> Member:
    """The logged-in person's membership of the URL's cooperative: the active one if any, else
    the latest admitted one (a former member still reads their history). 404 if none.

    Applications never admitted (applicant, rejected) have no savings and are not shown.
    """
    cooperative = request.tenant.cooperative
    member = (
        Member.objects.filter(cooperative=cooperative, user=request.user, number__isnull=False)
        .order_by(
            Case(
                When(status=Member.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            F("joined_on").desc(nulls_last=True),
            "-pk",
        )
        .first()
    )
    if member is None:
        raise Http404
    member.cooperative = cooperative  # the tenant's copy: no second query
    return member


def _url(name: str, coop_slug: str, query: dict[str, str] | None = None) -> str:
    url = reverse(f"koperasi:{name}", kwargs={"coop_slug": coop_slug})
    return f"{url}?{urlencode(query)}" if query else url


def _statement_links(coop_slug: str, query: dict[str, str]) -> list[tuple[str, str, str]]:
    """(format, label, url) of the three statement downloads for the same filters."""
    return [
        (fmt, label, _url(f"member-statement-{fmt}", coop_slug, query))
        for fmt, label in (("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF"))
    ]


def _chart(months: list[selectors.MonthBalance]) -> str:
    first, last = months[0], months[-1]
    return charts.bar_chart(
        points=[(date_format(m.month, "M y"), m.balance) for m in months],
        title=_("Total savings at each month end"),
        description=_("From %(first)s in %(first_month)s to %(last)s in %(last_month)s.")
        % {
            "first": format_rupiah(first.balance),
            "first_month": date_format(first.month, "F Y"),
            "last": format_rupiah(last.balance),
            "last_month": date_format(last.month, "F Y"),
        },
        element_id="savings-chart",
    )


@require_GET
@tenant_view(MEMBER)
def member_home(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    accounts = selectors.member_accounts(member=member)
    months = selectors.month_end_balances(accounts=accounts)
    context = {
        "member": member,
        "balances": selectors.balances_of(accounts),
        "bills": selectors.member_open_bills(member=member),
        "pending_requests": selectors.member_withdrawal_requests(member=member, pending_only=True),
        "months": months,
        "chart": _chart(months),
        "statement_links": _statement_links(coop_slug, {}),
    }
    return render(request, "services/member_home.html", context)


def _history_response(
    request: HttpRequest, coop_slug: str, member: Member, form: SavingsFilterForm, status: int
) -> HttpResponse:
    """The history page for valid filters, or the filters with their errors (and no rows)."""
    page = None
    query: dict[str, str] = {}
    if form.is_valid():
        query = form.query()
        accounts = selectors.accounts_of_kind(
            selectors.member_accounts(member=member), form.selected_kind
        )
        page = selectors.history_page(
            accounts=accounts,
            date_from=form.date_from,
            date_to=form.date_to,
            cursor=form.cleaned_data.get("cursor"),
        )
    next_url = (
        _url("member-history", coop_slug, {**query, "cursor": page.next_cursor})
        if page and page.next_cursor
        else ""
    )
    context = {
        "member": member,
        "form": form,
        "page": page,
        "next_url": next_url,
        "first_page": not (form.is_valid() and form.cleaned_data.get("cursor")),
        "first_page_url": _url("member-history", coop_slug, query),
        "statement_links": _statement_links(coop_slug, query),
    }
    template = "services/member_history.html"
    if request.htmx and request.htmx.target == "load-more" and status == 200:
        template += "#rows"  # "load more": just the next rows, and the next button
    return render(request, template, context, status=status)


@require_GET
@tenant_view(MEMBER)
def member_history(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    form = HistoryFilterForm(request.GET)
    return _history_response(request, coop_slug, member, form, 200 if form.is_valid() else 400)


@never_cache
@require_GET
@tenant_view(MEMBER)
def member_statement(request: HttpRequest, coop_slug: str, fmt: str) -> HttpResponse:
    member = get_own_member(request)
    form = StatementFilterForm(request.GET)
    if not form.is_valid():
        return _history_response(request, coop_slug, member, form, 400)
    accounts = selectors.accounts_of_kind(
        selectors.member_accounts(member=member), form.selected_kind
    )
    statement = selectors.statement(
        accounts=accounts, kind=form.selected_kind, date_from=form.date_from, date_to=form.date_to
    )
    header = statements.StatementHeader(
        cooperative_name=request.tenant.cooperative.name,
        member_name=member.full_name,
        member_number=member.number,
    )
    export_record(
        request=request,
        what="savings_statement",
        cooperative=request.tenant.cooperative,
        member_id=member.pk,
        format=fmt,
    )
    return HttpResponse(
        STATEMENT_BUILDERS[fmt](header, statement),
        content_type=STATEMENT_FORMATS[fmt],
        headers={
            "Content-Disposition": (
                f'attachment; filename="{statements.filename(header, statement, fmt)}"'
            )
        },
    )


@require_http_methods(["GET", "POST"])
@tenant_view(MEMBER)
def member_withdrawal(request: HttpRequest, coop_slug: str) -> HttpResponse:
    member = get_own_member(request)
    form = WithdrawalRequestForm(
        request.POST if request.method == "POST" and member.is_active else None,
        initial={"bank_account_holder": member.full_name},
    )
    refused = ""
    if request.method == "POST":
        if not member.is_active:
            refused = _("Only an active member can withdraw.")
        elif form.is_valid():
            try:
                actions.withdrawal_request_create(
                    member=member,
                    amount=form.cleaned_data["amount"],
                    bank_name=form.cleaned_data["bank_name"],
                    bank_account_number=form.cleaned_data["bank_account_number"],
                    bank_account_holder=form.cleaned_data["bank_account_holder"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your request to withdraw %(amount)s is sent. The cooperative will decide.")
                    % {"amount": format_rupiah(form.cleaned_data["amount"])},
                )
                return redirect("koperasi:member-withdrawal", coop_slug=coop_slug)
    accounts = selectors.member_accounts(member=member)
    requests = selectors.member_withdrawal_requests(member=member)
    context = {
        "member": member,
        "form": form,
        "refused": refused,
        "requests": requests,
        "room": selectors.withdrawal_room(member=member, accounts=accounts, requests=requests),
    }
    return render(request, "services/member_withdrawal.html", context)
