"""Loans: reads for the member's pages, the board's review and the portfolio.

Every list here costs a fixed number of queries, whatever the number of loans: figures per
loan come from subqueries and per product or grade from one GROUP BY each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from koperasi.models import Cooperative
from members.models import Member
from services.ledger.models import Account
from services.loans.actions import approvals_needed, payoff_amount, policy_for
from services.loans.models import Grade, Installment, Loan, LoanApproval, LoanProduct
from services.loans.schedule import build_schedule
from services.savings.actions import add_months
from services.savings.models import SavingsBill

#: Tabs of the board's list, each with the statuses it shows.
TABS: dict[str, tuple[str, ...]] = {
    "applied": (Loan.Status.APPLIED,),
    "approved": (Loan.Status.APPROVED,),
    "active": (Loan.Status.ACTIVE,),
    "closed": (Loan.Status.REJECTED, Loan.Status.PAID_OFF, Loan.Status.WRITTEN_OFF),
}
PAR_DAYS = 30
ARREARS_PAGE = 200

_OWED = ExpressionWrapper(
    F("principal")
    + F("interest")
    + F("penalty")
    - F("paid_principal")
    - F("paid_interest")
    - F("paid_penalty"),
    output_field=IntegerField(),
)


def _next_installment(field_name: str) -> Subquery:
    """The oldest installment of the loan still owed: its due date or what it still asks."""
    rows = (
        Installment.objects.filter(loan=OuterRef("pk"), waived=False)
        .annotate(owed=_OWED)
        .filter(owed__gt=0)
        .order_by("number")
    )
    return Subquery(rows.values(field_name)[:1])


def _with_next_installment(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    return loans.annotate(
        next_due_date=_next_installment("due_date"), next_due_amount=_next_installment("owed")
    )


def active_products(*, cooperative: Cooperative) -> QuerySet[LoanProduct]:
    """The products a cooperative offers now."""
    return LoanProduct.objects.filter(cooperative=cooperative, is_active=True)


def products(*, cooperative: Cooperative) -> QuerySet[LoanProduct]:
    """Every product, offered or not, with how many loans use it."""
    return LoanProduct.objects.filter(cooperative=cooperative).annotate(loan_count=Count("loans"))


def first_due_from(today: dt.date | None = None) -> dt.date:
    """The first installment falls due one month after the money is paid out."""
    return add_months(today or timezone.localdate(), 1)


def simulate(*, product: LoanProduct, amount: int, term: int, today: dt.date | None = None):
    """The schedule a loan of this product would have if paid out today."""
    return build_schedule(amount, product.rate, term, product.method, first_due_from(today))


@dataclass(frozen=True)
class ScheduleTotals:
    principal: int
    interest: int
    payment: int


def totals_of(rows) -> ScheduleTotals:
    return ScheduleTotals(
        principal=sum(r.principal for r in rows),
        interest=sum(r.interest for r in rows),
        payment=sum(r.principal + r.interest for r in rows),
    )


# --- The member's loans -----------------------------------------------------------------------


def member_loans(*, cooperative: Cooperative, user) -> QuerySet[Loan]:
    """The person's own loans in the cooperative (every membership of theirs there), newest
    first, with the next installment still owed."""
    loans = Loan.objects.filter(cooperative=cooperative, member__user=user).select_related(
        "product"
    )
    return _with_next_installment(loans)


def open_application(*, member: Member) -> Loan | None:
    """The member's application still being decided or waiting to be paid out, if any."""
    return (
        Loan.objects.filter(member=member, status__in=[Loan.Status.APPLIED, Loan.Status.APPROVED])
        .order_by("-applied_at")
        .first()
    )


def loan_installments(*, loan: Loan) -> list[Installment]:
    return list(loan.installments.order_by("number"))


@dataclass(frozen=True)
class LoanState:
    """What a disbursed loan stands at today."""

    today: dt.date
    installments: list[Installment]
    repayments: list
    payoff: int
    next_due: Installment | None
    overdue: int  # owed on installments already due
    totals: dict[str, int] = field(default_factory=dict)


def loan_state(*, loan: Loan, today: dt.date | None = None) -> LoanState:
    today = today or timezone.localdate()
    rows = loan_installments(loan=loan)
    live = [r for r in rows if not r.waived]
    payoff = payoff_amount(loan, today) if loan.status == Loan.Status.ACTIVE else 0
    totals = {
        name: sum(getattr(r, name) for r in rows)
        for name in (
            "principal",
            "interest",
            "penalty",
            "paid_principal",
            "paid_interest",
            "paid_penalty",
        )
    }
    return LoanState(
        today=today,
        installments=rows,
        repayments=list(loan.repayments.select_related("entry")),
        payoff=payoff,
        next_due=next((r for r in live if r.owed > 0), None),
        overdue=sum(r.owed for r in live if r.due_date < today),
        totals=totals,
    )


def sukarela_balance(*, member: Member) -> int:
    account = Account.objects.filter(member=member, savings_kind="sukarela").first()
    return account.balance if account else 0


# --- The board's review -----------------------------------------------------------------------


def loan_list(*, cooperative: Cooperative, tab: str) -> QuerySet[Loan]:
    """The loans of one tab, with each applicant's savings, other loans and arrears (subqueries:
    the query count does not grow with the rows)."""
    savings = (
        Account.objects.filter(member=OuterRef("member_id"))
        .values("member")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    other_loans = (
        Loan.objects.filter(member=OuterRef("member_id"))
        .exclude(pk=OuterRef("pk"))
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    worst_arrears = (
        Loan.objects.filter(member=OuterRef("member_id"), status=Loan.Status.ACTIVE)
        .values("member")
        .annotate(days=Max("days_past_due"))
        .values("days")
    )
    approvals = (
        LoanApproval.objects.filter(loan=OuterRef("pk"))
        .values("loan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    loans = (
        Loan.objects.filter(cooperative=cooperative, status__in=TABS[tab])
        .select_related("member", "product")
        .annotate(
            member_savings=Coalesce(Subquery(savings), Value(0)),
            other_loans=Coalesce(Subquery(other_loans), Value(0)),
            member_days_late=Coalesce(Subquery(worst_arrears), Value(0)),
            approvals_given=Coalesce(Subquery(approvals), Value(0)),
        )
    )
    if tab in ("applied", "approved"):
        return loans.order_by("applied_at", "pk")
    return _with_next_installment(loans).order_by("-applied_at", "-pk")


def tab_counts(*, cooperative: Cooperative) -> dict[str, int]:
    counts = dict(
        Loan.objects.filter(cooperative=cooperative)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
        .order_by()
    )
    return {tab: sum(counts.get(s, 0) for s in statuses) for tab, statuses in TABS.items()}


@dataclass(frozen=True)
class Applicant:
    """What the board weighs: the member's savings, other loans and arrears."""

    savings: dict[str, int]
    savings_total: int
    loans: list[Loan]
    wajib_overdue_months: int
    wajib_overdue_amount: int
    loans_in_arrears: int


def applicant(*, loan: Loan, today: dt.date | None = None) -> Applicant:
    today = today or timezone.localdate()
    member = loan.member
    savings = dict(Account.objects.filter(member=member).values_list("savings_kind", "balance"))
    others = list(Loan.objects.filter(member=member).exclude(pk=loan.pk).select_related("product"))
    bills = SavingsBill.objects.filter(
        member=member, status=SavingsBill.Status.OPEN, due_date__lt=today
    ).aggregate(n=Count("pk"), owed=Sum(F("amount") - F("paid_amount")))
    return Applicant(
        savings=savings,
        savings_total=sum(savings.values()),
        loans=others,
        wajib_overdue_months=bills["n"] or 0,
        wajib_overdue_amount=bills["owed"] or 0,
        loans_in_arrears=sum(
            1 for o in others if o.status == Loan.Status.ACTIVE and o.days_past_due > 0
        ),
    )


@dataclass(frozen=True)
class Approvals:
    needed: int
    given: list[LoanApproval]
    threshold: int

    @property
    def missing(self) -> int:
        return max(self.needed - len(self.given), 0)

    def by(self, user) -> bool:
        return any(a.user_id == user.pk for a in self.given)


def approvals_of(*, loan: Loan) -> Approvals:
    return Approvals(
        needed=approvals_needed(loan),
        given=list(loan.approvals.select_related("user").order_by("created_at")),
        threshold=policy_for(loan.cooperative).two_approvals_above,
    )


# --- The portfolio ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRow:
    key: str
    label: str
    loans: int
    outstanding: int


@dataclass(frozen=True)
class Portfolio:
    by_product: list[PortfolioRow]
    by_grade: list[PortfolioRow]
    loans: int
    outstanding: int
    at_risk: int  # outstanding principal of loans more than PAR_DAYS late

    @property
    def par30(self) -> Decimal:
        """PAR30 as a fraction (0.1234), zero for an empty portfolio."""
        if not self.outstanding:
            return Decimal(0)
        return Decimal(self.at_risk) / Decimal(self.outstanding)

    @property
    def par30_percent(self) -> Decimal:
        """PAR30 in percent, two decimals, half up (12.34)."""
        return (self.par30 * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _active(cooperative: Cooperative) -> QuerySet[Loan]:
    return Loan.objects.filter(cooperative=cooperative, status=Loan.Status.ACTIVE)


def portfolio(*, cooperative: Cooperative) -> Portfolio:
    """Outstanding principal of disbursed loans by product and by kolektibilitas grade, and
    PAR30 = outstanding principal of loans more than 30 days past due / all outstanding
    principal. Three queries, whatever the number of loans."""
    loans = _active(cooperative)
    totals = loans.aggregate(
        n=Count("pk"),
        outstanding=Coalesce(Sum("outstanding_principal"), Value(0)),
        at_risk=Coalesce(
            Sum("outstanding_principal", filter=Q(days_past_due__gt=PAR_DAYS)), Value(0)
        ),
    )
    by_product = [
        PortfolioRow(key=str(pk), label=name, loans=n, outstanding=outstanding)
        for pk, name, n, outstanding in loans.values("product_id", "product__name")
        .annotate(n=Count("pk"), outstanding=Sum("outstanding_principal"))
        .values_list("product_id", "product__name", "n", "outstanding")
        .order_by("product__name", "product_id")
    ]
    grades = {
        grade: (n, outstanding)
        for grade, n, outstanding in loans.values("grade")
        .annotate(n=Count("pk"), outstanding=Sum("outstanding_principal"))
        .values_list("grade", "n", "outstanding")
        .order_by("grade")
    }
    by_grade = [
        PortfolioRow(
            key=grade,
            label=str(label),
            loans=grades.get(grade, (0, 0))[0],
            outstanding=grades.get(grade, (0, 0))[1],
        )
        for grade, label in Grade.choices
    ]
    return Portfolio(
        by_product=by_product,
        by_grade=by_grade,
        loans=totals["n"],
        outstanding=totals["outstanding"],
        at_risk=totals["at_risk"],
    )


def loans_in_arrears(*, cooperative: Cooperative) -> QuerySet[Loan]:
    """Disbursed loans past due, the latest first, with the member's phone to call."""
    return (
        _with_next_installment(_active(cooperative).filter(days_past_due__gt=0))
        .select_related("member", "product")
        .order_by("-days_past_due", "pk")
    )
