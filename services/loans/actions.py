"""Loans: apply, approve (maker-checker), reject, disburse, repay.

Money moves through the ledger only:
- disbursement: Dr loans receivable P; Cr cash or the member's sukarela (P - admin fee);
  Cr admin-fee income (fee);
- repayment: Dr cash or sukarela; Cr penalty income, interest income, loans receivable, in
  that order of allocation (penalty -> interest -> principal, oldest installment first).

Paying early and prepayment: what is left after every installment due so far is settled pays
the NEXT installment (its interest, then its principal), as a member who pays this month's
installment before its due date expects (no reminder, no penalty follows). Any excess beyond
that is a prepayment of principal (DOMAIN.md), applied from the LAST installment backwards;
installments whose principal is fully prepaid drop off together with their interest, so the
loan ends earlier while the installments in between stay exactly as they were. Paying more
than the payoff amount (all penalties, interest of the installments due by today and of the
current period, all outstanding principal) is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from koperasi import events
from koperasi.errors import DomainError
from koperasi.models import Role, User
from koperasi.money import format_rupiah
from members.models import Member
from services.ledger import chart
from services.ledger.actions import entry_post
from services.ledger.models import Account, JournalEntry, SavingsKind
from services.loans.models import (
    Installment,
    Loan,
    LoanApproval,
    LoanPolicy,
    LoanProduct,
    Repayment,
    grade_for,
)
from services.loans.schedule import build_schedule
from services.savings.actions import CHANNEL_ACCOUNT, add_months, member_account

LIVE = (Loan.Status.APPLIED, Loan.Status.APPROVED, Loan.Status.ACTIVE)


PRODUCT_FIELDS = (
    "name",
    "method",
    "annual_rate",
    "max_amount",
    "min_term",
    "max_term",
    "admin_fee_percent",
    "penalty_percent",
    "grace_days",
    "savings_multiple",
    "collateral_notes",
    "is_active",
)


@transaction.atomic
def loan_product_save(
    *, cooperative, product: LoanProduct | None, data: dict, acting_user: User
) -> LoanProduct:
    """The board creates or changes a loan product; what changed is recorded. Loans already
    applied for keep the rate, method and fee they were applied with."""
    created = product is None
    product = product or LoanProduct(cooperative=cooperative)
    changed = {
        name: [str(getattr(product, name, "")), str(data[name])]
        for name in PRODUCT_FIELDS
        if name in data and (created or getattr(product, name) != data[name])
    }
    for name in PRODUCT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    product.full_clean()
    product.save()
    events.event_record(
        kind="loan.product_created" if created else "loan.product_changed",
        actor=acting_user,
        cooperative=cooperative,
        data={"product_id": product.pk, "changed": changed},
    )
    return product


@transaction.atomic
def loan_policy_update(*, cooperative, two_approvals_above: int, acting_user: User) -> LoanPolicy:
    """The board sets the amount above which a loan needs two board approvals."""
    policy_for(cooperative)
    policy = LoanPolicy.objects.select_for_update().get(cooperative=cooperative)
    before = policy.two_approvals_above
    policy.two_approvals_above = two_approvals_above
    policy.save(update_fields=["two_approvals_above"])
    events.event_record(
        kind="loan.policy_changed",
        actor=acting_user,
        cooperative=cooperative,
        data={"two_approvals_above": [before, two_approvals_above]},
    )
    return policy


def policy_for(cooperative) -> LoanPolicy:
    policy, _created = LoanPolicy.objects.get_or_create(cooperative=cooperative)
    return policy


def member_savings(member: Member) -> int:
    return Account.objects.filter(member=member).aggregate(total=Sum("balance"))["total"] or 0


def eligibility_problems(
    *, member: Member, product: LoanProduct, amount: int, term: int
) -> list[str]:
    """Every reason a member cannot have this loan now (empty: eligible)."""
    problems = []
    if member.status != Member.Status.ACTIVE:
        problems.append(_("Only active members can borrow."))
    if not product.is_active or product.cooperative_id != member.cooperative_id:
        problems.append(_("This loan product is not offered."))
    if amount <= 0:
        problems.append(_("Enter an amount above zero."))
    if amount > product.max_amount:
        problems.append(
            _("The most this product lends is %(max)s.")
            % {"max": format_rupiah(product.max_amount)}
        )
    if not product.min_term <= term <= product.max_term:
        problems.append(
            _("The term must be between %(min)s and %(max)s months.")
            % {"min": product.min_term, "max": product.max_term}
        )
    if product.savings_multiple > 0:
        limit = int(
            (Decimal(member_savings(member)) * product.savings_multiple).to_integral_value(
                rounding=ROUND_DOWN
            )
        )
        if amount > limit:
            problems.append(
                _("Your savings allow at most %(max)s (%(multiple)s x your savings).")
                % {"max": format_rupiah(limit), "multiple": product.savings_multiple}
            )
    if Loan.objects.filter(member=member, status=Loan.Status.ACTIVE, days_past_due__gt=0).exists():
        problems.append(_("A loan in arrears must be brought up to date first."))
    if Loan.objects.filter(
        member=member, status__in=[Loan.Status.APPLIED, Loan.Status.APPROVED]
    ).exists():
        problems.append(_("An application is already being processed."))
    return problems


@transaction.atomic
def loan_apply(
    *, member: Member, product: LoanProduct, amount: int, term: int, purpose: str
) -> Loan:
    """A member applies for a loan; the board reviews it."""
    member = Member.objects.select_for_update(of=("self",)).get(pk=member.pk)
    problems = eligibility_problems(member=member, product=product, amount=amount, term=term)
    if problems:
        raise DomainError(" ".join(problems), field="amount")
    loan = Loan.objects.create(
        cooperative=member.cooperative,
        member=member,
        product=product,
        amount=amount,
        term_months=term,
        annual_rate=product.annual_rate,
        method=product.method,
        admin_fee_percent=product.admin_fee_percent,
        purpose=purpose.strip()[:300],
    )
    events.event_record(
        kind="loan.applied",
        actor=member.user,
        cooperative=member.cooperative,
        data={"loan_id": loan.pk, "member_id": member.pk, "amount": amount},
    )
    return loan


def approvals_needed(loan: Loan) -> int:
    return 2 if loan.amount > policy_for(loan.cooperative).two_approvals_above else 1


@transaction.atomic
def loan_approve(*, loan: Loan, acting_user: User) -> Loan:
    """A board member approves; above the cooperative's threshold a second, different board
    member must approve too (maker-checker). Nobody approves their own loan."""
    loan = Loan.objects.select_for_update(of=("self",)).select_related("member").get(pk=loan.pk)
    if loan.status != Loan.Status.APPLIED:
        raise DomainError(_("This application was already decided."))
    if not Role.objects.filter(
        cooperative=loan.cooperative, user=acting_user, kind=Role.Kind.BOARD
    ).exists():
        raise DomainError(_("Only the board approves loans."))
    if loan.member.user_id == acting_user.pk:
        raise DomainError(_("Nobody approves their own loan."))
    if LoanApproval.objects.filter(loan=loan, user=acting_user).exists():
        raise DomainError(_("You already approved this loan; another board member must."))
    LoanApproval.objects.create(loan=loan, user=acting_user)
    given = LoanApproval.objects.filter(loan=loan).count()
    if given >= approvals_needed(loan):
        loan.status = Loan.Status.APPROVED
        loan.decided_at = timezone.now()
        loan.save(update_fields=["status", "decided_at"])
    events.event_record(
        kind="loan.approved" if loan.status == Loan.Status.APPROVED else "loan.approval_given",
        actor=acting_user,
        cooperative=loan.cooperative,
        data={"loan_id": loan.pk, "member_id": loan.member_id, "approvals": given},
    )
    return loan


@transaction.atomic
def loan_reject(*, loan: Loan, acting_user: User, reason: str) -> Loan:
    """The board turns an application down, with a reason the member sees."""
    if not Role.objects.filter(
        cooperative=loan.cooperative, user=acting_user, kind=Role.Kind.BOARD
    ).exists():
        raise DomainError(_("Only the board rejects loans."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why, so that the member understands."), field="reason")
    updated = Loan.objects.filter(
        pk=loan.pk, status__in=[Loan.Status.APPLIED, Loan.Status.APPROVED]
    ).update(status=Loan.Status.REJECTED, rejection_reason=reason, decided_at=timezone.now())
    if not updated:
        raise DomainError(_("This application was already decided."))
    loan.refresh_from_db()
    events.event_record(
        kind="loan.rejected",
        actor=acting_user,
        cooperative=loan.cooperative,
        data={"loan_id": loan.pk, "member_id": loan.member_id, "reason": reason},
    )
    return loan


def _paid_to(member: Member, channel: str) -> Account:
    if channel == "sukarela":
        return member_account(member, SavingsKind.SUKARELA)
    if channel not in CHANNEL_ACCOUNT:
        raise DomainError(_("Choose cash, transfer or the member's sukarela."), field="channel")
    return chart.gl_account(member.cooperative, CHANNEL_ACCOUNT[channel])


@transaction.atomic
def loan_disburse(
    *,
    loan: Loan,
    acting_user: User,
    channel: str,
    on: dt.date | None = None,
    first_due: dt.date | None = None,
) -> Loan:
    """Pay an approved loan out, admin fee deducted; the schedule is fixed now."""
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("member", "product")
        .get(pk=loan.pk)
    )
    if loan.status != Loan.Status.APPROVED:
        raise DomainError(_("Only an approved loan can be disbursed."))
    on = on or timezone.localdate()
    first_due = first_due or add_months(on, 1)
    fee = int((loan.amount * loan.admin_fee_percent / 100).to_integral_value(ROUND_DOWN))
    cooperative = loan.cooperative
    legs = [
        (chart.gl_account(cooperative, chart.LOANS_RECEIVABLE), loan.amount),
        (_paid_to(loan.member, channel), -(loan.amount - fee)),
    ]
    if fee:
        legs.append((chart.gl_account(cooperative, chart.ADMIN_FEE_INCOME), -fee))
    entry = entry_post(
        cooperative=cooperative,
        date=on,
        kind=JournalEntry.Kind.OTHER,
        legs=legs,
        memo=f"loan #{loan.pk}",
        member=loan.member,
        channel="internal" if channel == "sukarela" else channel,
        idempotency_key=f"loan-disburse-{loan.pk}",
        created_by=acting_user,
    )
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            cooperative=cooperative,
            number=row.number,
            due_date=row.due_date,
            principal=row.principal,
            interest=row.interest,
        )
        for row in build_schedule(loan.amount, loan.rate, loan.term_months, loan.method, first_due)
    )
    loan.status = Loan.Status.ACTIVE
    loan.admin_fee = fee
    loan.disbursed_on = on
    loan.disbursed_via = channel
    loan.disbursement = entry
    loan.outstanding_principal = loan.amount
    loan.save()
    events.event_record(
        kind="loan.disbursed",
        actor=acting_user,
        cooperative=cooperative,
        data={"loan_id": loan.pk, "member_id": loan.member_id, "amount": loan.amount, "fee": fee},
    )
    return loan


@dataclass(frozen=True)
class Allocation:
    penalty: int
    interest: int
    principal: int
    prepaid: int

    @property
    def total(self) -> int:
        return self.penalty + self.interest + self.principal + self.prepaid


def _next_row(installments, on: dt.date) -> Installment | None:
    """The installment a member pays early: the first one not yet due and not yet paid."""
    return next((r for r in installments if r.due_date > on and not r.is_paid), None)


def payoff_amount(loan: Loan, on: dt.date) -> int:
    """What settles the loan today: penalties, interest of the installments due by today and
    of the current period (the next installment), and all outstanding principal. Interest of
    later installments is not charged."""
    rows = list(loan.installments.filter(waived=False).order_by("number"))
    current = _next_row(rows, on)
    total = 0
    for row in rows:
        total += row.penalty - row.paid_penalty + row.principal - row.paid_principal
        if row.due_date <= on or row is current:
            total += row.interest - row.paid_interest
    return total


def _settle(row: Installment, remaining: int, totals: dict[str, int]) -> int:
    """Pay one installment's penalty, then interest, then principal, as far as money lasts."""
    for field in ("penalty", "interest", "principal"):
        paid_field = f"paid_{field}"
        take = min(remaining, getattr(row, field) - getattr(row, paid_field))
        setattr(row, paid_field, getattr(row, paid_field) + take)
        remaining -= take
        totals[field] += take
    return remaining


def _allocate(installments: list[Installment], amount: int, on: dt.date) -> Allocation:
    """Apply `amount` to the rows in place: penalty, interest, principal of each installment
    due by `on`, oldest first; then the next installment (paying early); then prepay
    principal from the last installment backwards."""
    remaining = amount
    totals = {"penalty": 0, "interest": 0, "principal": 0}
    for row in installments:
        if row.due_date > on:
            break
        remaining = _settle(row, remaining, totals)
    current = _next_row(installments, on)
    if current is not None and remaining:
        remaining = _settle(current, remaining, totals)
    prepaid = 0
    for row in reversed(installments):
        if not remaining:
            break
        if row.due_date <= on or row is current:
            continue  # settled in full before anything is prepaid
        take = min(remaining, row.principal - row.paid_principal)
        row.paid_principal += take
        remaining -= take
        prepaid += take
        if row.paid_principal == row.principal:
            row.waived = True  # its interest drops off with it
    if remaining:
        raise DomainError(_("That is more than is owed."), field="amount")
    return Allocation(
        penalty=totals["penalty"],
        interest=totals["interest"],
        principal=totals["principal"],
        prepaid=prepaid,
    )


@transaction.atomic
def loan_repay(
    *,
    loan: Loan,
    amount: int,
    channel: str,
    acting_user: User | None,
    idempotency_key: str | None = None,
    on: dt.date | None = None,
) -> Repayment:
    """Take a repayment at the counter or from the member's sukarela."""
    if type(amount) is not int or amount <= 0:
        raise DomainError(_("Enter an amount above zero, in whole Rupiah."), field="amount")
    loan = Loan.objects.select_for_update(of=("self",)).select_related("member").get(pk=loan.pk)
    if idempotency_key:
        replay = Repayment.objects.filter(loan=loan, entry__idempotency_key=idempotency_key).first()
        if replay is not None:
            if replay.amount != amount:
                raise DomainError(
                    _("This transaction was already submitted with different details.")
                )
            return replay
    if loan.status != Loan.Status.ACTIVE:
        raise DomainError(_("Only a disbursed loan that is not paid off takes repayments."))
    on = on or timezone.localdate()
    owed = payoff_amount(loan, on)
    if amount > owed:
        raise DomainError(
            _("That is more than is owed: the payoff today is %(owed)s.")
            % {"owed": format_rupiah(owed)},
            field="amount",
        )
    rows = list(loan.installments.select_for_update().filter(waived=False).order_by("number"))
    split = _allocate(rows, amount, on)
    cooperative = loan.cooperative
    legs = [(_paid_to(loan.member, channel), amount)]
    for code, part in (
        (chart.PENALTY_INCOME, split.penalty),
        (chart.LOAN_INTEREST_INCOME, split.interest),
        (chart.LOANS_RECEIVABLE, split.principal + split.prepaid),
    ):
        if part:
            legs.append((chart.gl_account(cooperative, code), -part))
    entry = entry_post(
        cooperative=cooperative,
        date=on,
        kind=JournalEntry.Kind.OTHER,
        legs=legs,
        memo=f"loan #{loan.pk}",
        member=loan.member,
        channel="internal" if channel == "sukarela" else channel,
        idempotency_key=idempotency_key,
        created_by=acting_user,
    )
    for row in rows:
        if row.is_paid and row.paid_on is None:
            row.paid_on = on
    Installment.objects.bulk_update(
        rows, ["paid_principal", "paid_interest", "paid_penalty", "paid_on", "waived"]
    )
    loan.outstanding_principal -= split.principal + split.prepaid
    if loan.outstanding_principal == 0 and all(r.is_paid or r.waived for r in rows):
        loan.status = Loan.Status.PAID_OFF
        loan.closed_on = on
    _arrears_lower(loan, rows, on)
    loan.save(
        update_fields=["outstanding_principal", "status", "closed_on", "days_past_due", "grade"]
    )
    repayment = Repayment.objects.create(
        loan=loan,
        entry=entry,
        amount=amount,
        penalty=split.penalty,
        interest=split.interest,
        principal=split.principal,
        prepaid=split.prepaid,
    )
    events.event_record(
        kind="loan.repaid",
        actor=acting_user,
        cooperative=cooperative,
        data={"loan_id": loan.pk, "member_id": loan.member_id, "amount": amount},
    )
    return repayment


def _arrears_lower(loan: Loan, rows: list[Installment], on: dt.date) -> None:
    """A repayment can only bring arrears down: recompute the days past due as of today (or
    `on`, if later) from the rows just paid, and keep the lower of that and the stored value
    (the daily job, services/loans/daily.py, is what raises it, once a day)."""
    as_of = max(on, timezone.localdate())
    late = [
        row.due_date
        for row in rows
        if not row.waived
        and row.due_date <= as_of
        and row.principal + row.interest > row.paid_principal + row.paid_interest
    ]
    days = (as_of - min(late)).days if late else 0
    if days < loan.days_past_due:
        loan.days_past_due = days
        loan.grade = grade_for(days)


def loans_block_exit(member: Member) -> str:
    """A member with a loan not yet paid off cannot leave (members.actions.EXIT_BLOCKERS)."""
    if Loan.objects.filter(member=member, status__in=LIVE).exists():
        return _("A loan is not paid off (or an application is open): settle it first.")
    return ""
