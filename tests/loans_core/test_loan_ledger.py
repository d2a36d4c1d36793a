"""Loans and the books: disbursement and repayments keep every ledger invariant, and the loans
receivable account always equals the principal members still owe. A member with an open loan
cannot leave."""

from __future__ import annotations

import datetime as dt

import pytest

from koperasi.errors import DomainError
from members.actions import member_exit
from members.models import Member
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.ledger.models import SavingsKind
from services.loans.actions import loan_apply, loan_repay, payoff_amount
from services.loans.models import Loan
from services.savings.actions import member_account
from tests.factories import make_member
from tests.loans_core.conftest import disbursed, outstanding, receivable
from tests.services.helpers import books

pytestmark = pytest.mark.django_db


def gl(cooperative, code: str) -> int:
    return chart.gl_account(cooperative, code).balance


def test_disbursement_posts_principal_fee_and_net_payout(cooperative, borrower, product, chair):
    loan = disbursed(borrower, product, approver=chair, amount=1_200_000)

    lines = sorted(
        (posting.account.code, posting.amount)
        for posting in loan.disbursement.postings.select_related("account")
    )
    sukarela = member_account(borrower, SavingsKind.SUKARELA)
    assert lines == sorted(
        [
            (chart.LOANS_RECEIVABLE, 1_200_000),
            (sukarela.code, -1_188_000),  # the admin fee (1 %) is kept back
            (chart.ADMIN_FEE_INCOME, -12_000),
        ]
    )
    assert (loan.admin_fee, loan.outstanding_principal) == (12_000, 1_200_000)
    assert sukarela.balance == 1_188_000
    assert receivable(cooperative) == outstanding(cooperative) == 1_200_000
    assert ledger_violations() == []


def test_repayments_keep_the_books_sound_and_receivable_equal_to_outstanding(
    cooperative, borrower, product, chair
):
    other = make_member(cooperative, full_name="Budi Santoso")
    first = disbursed(borrower, product, approver=chair, amount=1_200_000)
    second = disbursed(
        other, product, approver=chair, amount=2_400_000, term=24, on=dt.date(2026, 2, 1)
    )
    steps = [
        (first, 50_000, "cash", dt.date(2026, 2, 5)),  # part of installment 1
        (first, 174_000, "sukarela", dt.date(2026, 3, 10)),  # the rest of 1 and all of 2
        (second, 124_000, "cash", dt.date(2026, 3, 1)),  # installment 1: 24.000 + 100.000
        # installment 3 early (112.000), then prepays 188.000 from the end
        (first, 300_000, "cash", dt.date(2026, 3, 20)),
        # installment 2, installment 3 early, then prepays 376.000 from the end
        (second, 624_000, "transfer", dt.date(2026, 4, 2)),
    ]

    for loan, amount, channel, on in steps:
        loan_repay(loan=loan, amount=amount, channel=channel, acting_user=chair, on=on)
        assert ledger_violations() == []
        assert receivable(cooperative) == outstanding(cooperative)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outstanding_principal == 1_200_000 - 300_000 - 188_000
    assert second.outstanding_principal == 2_400_000 - 300_000 - 376_000
    assert receivable(cooperative) == 712_000 + 1_724_000
    # Income: the admin fees (12.000 + 24.000) and the interest of the installments paid.
    assert gl(cooperative, chart.ADMIN_FEE_INCOME) == 36_000
    assert gl(cooperative, chart.LOAN_INTEREST_INCOME) == 12_000 * 3 + 24_000 * 3

    for loan in (first, second):
        on = dt.date(2026, 4, 10)
        loan_repay(
            loan=loan, amount=payoff_amount(loan, on), channel="cash", acting_user=chair, on=on
        )
    assert receivable(cooperative) == outstanding(cooperative) == 0
    assert set(Loan.objects.values_list("status", flat=True)) == {Loan.Status.PAID_OFF}
    assert ledger_violations() == []


def test_a_penalty_paid_is_penalty_income(cooperative, borrower, product, chair):
    loan = disbursed(borrower, product, approver=chair)
    loan.installments.filter(number=1).update(penalty=7_500)

    loan_repay(loan=loan, amount=10_000, channel="cash", acting_user=None, on=dt.date(2026, 3, 1))

    assert gl(cooperative, chart.PENALTY_INCOME) == 7_500
    assert gl(cooperative, chart.LOAN_INTEREST_INCOME) == 2_500
    assert ledger_violations() == []


def test_exit_is_blocked_while_a_loan_is_open(cooperative, borrower, product, chair):
    loan = disbursed(borrower, product, approver=chair)
    before = books()

    with pytest.raises(DomainError):
        member_exit(member=borrower, acting_user=chair, reason="Pindah kota")

    borrower.refresh_from_db()
    assert borrower.status == Member.Status.ACTIVE
    assert books() == before

    on = dt.date(2026, 3, 10)
    loan_repay(loan=loan, amount=payoff_amount(loan, on), channel="cash", acting_user=chair, on=on)
    member_exit(member=borrower, acting_user=chair, reason="Pindah kota")
    borrower.refresh_from_db()
    assert borrower.status == Member.Status.RESIGNED
    assert ledger_violations() == []


def test_exit_is_blocked_by_an_open_application_too(cooperative, borrower, product, chair):
    loan_apply(member=borrower, product=product, amount=500_000, term=6, purpose="Modal")
    before = books()

    with pytest.raises(DomainError):
        member_exit(member=borrower, acting_user=chair)

    borrower.refresh_from_db()
    assert borrower.status == Member.Status.ACTIVE
    assert books() == before
