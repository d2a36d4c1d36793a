"""Repayments: at the counter with a receipt that shows the split, and by the member from
voluntary savings; the member's own loan pages. A double submit posts once; refusals change
nothing; nobody sees another member's loan."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from koperasi.models import Role
from koperasi.money import format_rupiah
from services.ledger.checks import ledger_violations
from services.ledger.models import JournalEntry
from services.loans import actions
from services.loans.models import Installment, Loan, Repayment
from tests.conftest import client_for
from tests.factories import RoleFactory
from tests.loans.conftest import apply, approved, disbursed, loan_books, make_borrower, make_product

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def late_loan(borrower, product, chair):
    """Rp 6.000.000 flat 12 % over 12 months (500.000 + 60.000 a month), paid out 70 days ago:
    the first installment 40 days overdue with a Rp 10.000 penalty, the second about 10 days
    overdue, the third due in about 20 days."""
    loan = approved(borrower, product, chair, amount=6_000_000, term=12)
    loan = actions.loan_disburse(
        loan=loan,
        acting_user=chair,
        channel="cash",
        on=TODAY() - dt.timedelta(days=70),
        first_due=TODAY() - dt.timedelta(days=40),
    )
    Installment.objects.filter(loan=loan, number=1).update(penalty=10_000)
    return loan


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _counter(client, loan, **data):
    form = {"amount": "", "channel": "cash", "idempotency_key": "pay-1"}
    form.update(data)
    return client.post(f"/k/{loan.cooperative.slug}/kelola/pinjaman/{loan.pk}/bayar/", form)


def _member_url(loan, suffix="") -> str:
    return f"/k/{loan.cooperative.slug}/anggota/pinjaman/{loan.pk}/{suffix}"


def test_the_counter_form_shows_the_payoff(late_loan, teller):
    response = client_for(teller).get(
        f"/k/{late_loan.cooperative.slug}/kelola/pinjaman/{late_loan.pk}/bayar/"
    )

    assert response.status_code == 200
    # At least the penalty, the interest of both overdue installments and all principal;
    # the figure is the action's own (services.loans.actions.payoff_amount).
    payoff = actions.payoff_amount(late_loan, TODAY())
    assert payoff >= 10_000 + 120_000 + 6_000_000
    assert response.context["state"].payoff == payoff
    html = response.content.decode()
    assert f'id="payoff"><strong>{format_rupiah(payoff)}</strong>' in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)


def test_a_counter_repayment_ends_on_a_receipt_with_the_split_in_order(late_loan, teller):
    response = _counter(_english(client_for(teller)), late_loan, amount="1.000.000")

    repayment = Repayment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"/k/{late_loan.cooperative.slug}/kelola/pinjaman/{late_loan.pk}/bayar/{repayment.pk}/"
    )
    # Penalty, then interest, then principal, oldest installment first: all of the first
    # (10.000 + 60.000 + 500.000), then the second's interest 60.000 and principal 370.000.
    assert (repayment.penalty, repayment.interest, repayment.principal, repayment.prepaid) == (
        10_000,
        120_000,
        870_000,
        0,
    )
    receipt = client_for(teller).get(response["Location"]).content.decode()
    rows = [
        re.search(rf'id="split-{name}"><td>(\d)\. [^<]+</td><td class="num">([^<]+)<', receipt)
        for name in ("penalty", "interest", "principal", "prepaid", "total")
        if name != "total"
    ]
    assert [(m.group(1), m.group(2)) for m in rows] == [
        ("1", "Rp 10.000"),
        ("2", "Rp 120.000"),
        ("3", "Rp 870.000"),
        ("4", "Rp 0"),
    ]
    assert receipt.index("split-penalty") < receipt.index("split-interest")
    assert receipt.index("split-interest") < receipt.index("split-principal")
    assert receipt.index("split-principal") < receipt.index("split-prepaid")
    assert 'id="split-total"><th>Total</th><th class="num">Rp 1.000.000</th>' in receipt
    late_loan.refresh_from_db()
    assert late_loan.outstanding_principal == 6_000_000 - 870_000
    assert ledger_violations() == []


def test_a_double_submit_posts_once(late_loan, teller):
    client = client_for(teller)

    first = _counter(client, late_loan, amount="600000", idempotency_key="same")
    again = _counter(client, late_loan, amount="600000", idempotency_key="same")

    assert first["Location"] == again["Location"]
    assert Repayment.objects.count() == 1
    assert JournalEntry.objects.filter(memo=f"loan #{late_loan.pk}").count() == 2  # payout + 1
    late_loan.refresh_from_db()
    assert late_loan.outstanding_principal == 6_000_000 - 500_000


def test_the_same_key_with_another_amount_is_refused(late_loan, teller):
    client = _english(client_for(teller))
    _counter(client, late_loan, amount="600000", idempotency_key="same")
    before = loan_books()

    response = _counter(client, late_loan, amount="700000", idempotency_key="same")

    assert response.status_code == 400
    assert "already submitted with different details" in response.content.decode()
    assert loan_books() == before


def test_more_than_the_payoff_is_refused(late_loan, teller):
    before = loan_books()

    payoff = actions.payoff_amount(late_loan, TODAY())

    response = _counter(_english(client_for(teller)), late_loan, amount=str(payoff + 1))

    assert response.status_code == 400
    assert f"That is more than is owed: the payoff today is {format_rupiah(payoff)}." in (
        response.content.decode()
    )
    assert loan_books() == before


def test_the_payoff_closes_the_loan(late_loan, chair):
    payoff = actions.payoff_amount(late_loan, TODAY())

    response = _counter(client_for(chair), late_loan, amount=str(payoff))

    late_loan.refresh_from_db()
    assert response.status_code == 302
    assert (late_loan.status, late_loan.outstanding_principal, late_loan.closed_on) == (
        Loan.Status.PAID_OFF,
        0,
        TODAY(),
    )
    receipt = client_for(chair).get(response["Location"]).content.decode()
    assert 'id="paid-off"' in receipt
    assert ledger_violations() == []


BAD = [
    ({"amount": "0"}, "Enter an amount above zero."),
    ({"amount": "lima ratus"}, "Enter whole Rupiah, digits only, for example 150.000."),
    ({"amount": ""}, "This field is required."),
    ({"amount": "100000", "channel": "sukarela"}, "Select a valid choice."),
    ({"amount": "100000", "idempotency_key": ""}, "This form has expired"),
    ({"amount": "100000", "idempotency_key": "k" * 65}, "This form has expired"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_counter_input_changes_nothing(late_loan, teller, data, message):
    before = loan_books()

    response = _counter(_english(client_for(teller)), late_loan, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert loan_books() == before


def test_a_loan_not_paid_out_takes_no_repayment(cooperative, borrower, product, teller):
    loan = apply(borrower, product)
    before = loan_books()

    response = _counter(_english(client_for(teller)), loan, amount="100000")

    assert response.status_code == 400
    assert "Only a disbursed loan that is not paid off takes repayments." in (
        response.content.decode()
    )
    assert loan_books() == before


@pytest.mark.parametrize("kind", [Role.Kind.SUPERVISOR, Role.Kind.MEMBER])
def test_only_tellers_and_the_board_take_repayments(cooperative, late_loan, kind):
    user = RoleFactory(cooperative=cooperative, kind=kind).user
    before = loan_books()

    response = _counter(client_for(user), late_loan, amount="100000")

    assert response.status_code == 403
    assert loan_books() == before


# --- The member's pages -----------------------------------------------------------------------


def test_the_member_sees_their_loans(cooperative, late_loan, borrower, product, borrower_client):
    response = borrower_client.get(f"/k/{cooperative.slug}/anggota/pinjaman/")

    (loan,) = response.context["loans"]
    assert loan.pk == late_loan.pk
    assert (loan.next_due_date, loan.next_due_amount) == (
        TODAY() - dt.timedelta(days=40),
        570_000,  # the oldest still owed: 500.000 + 60.000 + the 10.000 penalty
    )
    html = response.content.decode()
    assert f'id="loan-{late_loan.pk}"' in html
    assert 'class="outstanding">Rp 6.000.000<' in html


def test_the_member_sees_paid_and_unpaid_rows(late_loan, teller, borrower_client):
    _counter(client_for(teller), late_loan, amount="1.000.000")

    response = borrower_client.get(_member_url(late_loan))

    assert response.status_code == 200
    html = response.content.decode()
    statuses = re.findall(r'id="installment-(\d+)" class="[a-z]+" data-status="([a-z]+)"', html)
    assert statuses[:3] == [("1", "paid"), ("2", "overdue"), ("3", "unpaid")]
    assert statuses[-1] == ("12", "unpaid")
    paid = re.findall(r'class="paid-amount">([^<]+)<', html)
    assert paid[:3] == ["Rp 570.000", "Rp 430.000", "Rp 0"]
    assert paid[-1] == "Rp 0"
    repayment = Repayment.objects.get()
    assert f'id="repayment-{repayment.pk}"' in html
    assert 'id="outstanding">Rp 5.130.000<' in html
    assert 'id="overdue">Rp 130.000<' in html  # what the second installment still asks
    payoff = actions.payoff_amount(Loan.objects.get(), TODAY())
    assert f'id="payoff">{format_rupiah(payoff)}<' in html


def test_the_member_repays_from_sukarela(late_loan, borrower, borrower_client):
    sukarela = borrower.accounts.get(savings_kind="sukarela")
    before = sukarela.balance

    response = borrower_client.post(
        _member_url(late_loan, "bayar/"), {"amount": "570.000", "idempotency_key": "m-1"}
    )
    again = borrower_client.post(
        _member_url(late_loan, "bayar/"), {"amount": "570.000", "idempotency_key": "m-1"}
    )

    assert response.status_code == again.status_code == 302
    assert response["Location"] == _member_url(late_loan)
    sukarela.refresh_from_db()
    assert sukarela.balance == before - 570_000
    repayment = Repayment.objects.get()
    assert repayment.entry.channel == "internal"
    assert (repayment.penalty, repayment.interest, repayment.principal) == (10_000, 60_000, 500_000)
    assert ledger_violations() == []


def test_the_member_cannot_pay_more_than_the_savings(late_loan, borrower, borrower_client):
    borrower.accounts.filter(savings_kind="sukarela")  # 5.000.000
    before = loan_books()

    response = _english(borrower_client).post(
        _member_url(late_loan, "bayar/"), {"amount": "5.000.001", "idempotency_key": "m-2"}
    )

    assert response.status_code == 400
    assert "Not enough balance" in response.content.decode()
    assert loan_books() == before


def test_the_member_cannot_pay_more_than_the_payoff(
    cooperative, late_loan, borrower, borrower_client
):
    from services.savings.actions import savings_deposit

    savings_deposit(
        member=borrower, kind="sukarela", amount=5_000_000, channel="cash", acting_user=None
    )
    payoff = actions.payoff_amount(late_loan, TODAY())
    before = loan_books()

    response = _english(borrower_client).post(
        _member_url(late_loan, "bayar/"), {"amount": str(payoff + 1), "idempotency_key": "m-3"}
    )

    assert response.status_code == 400
    assert f"the payoff today is {format_rupiah(payoff)}" in response.content.decode()
    assert loan_books() == before


def test_an_applied_loan_shows_the_estimated_schedule(cooperative, borrower, product):
    loan = apply(borrower, product)

    response = client_for(borrower.user).get(_member_url(loan))

    assert response.status_code == 200
    assert len(response.context["estimate"]) == 12
    assert 'id="repay-form"' not in response.content.decode()


def test_a_member_never_sees_another_members_loan(cooperative, product, chair, late_loan):
    neighbour = make_borrower(cooperative)
    client = client_for(neighbour.user)
    before = loan_books()

    assert client.get(_member_url(late_loan)).status_code == 404
    response = client.post(
        _member_url(late_loan, "bayar/"), {"amount": "1000", "idempotency_key": "x"}
    )
    assert response.status_code == 404
    assert loan_books() == before
    assert late_loan.pk not in [
        loan.pk for loan in client.get(f"/k/{cooperative.slug}/anggota/pinjaman/").context["loans"]
    ]


def test_a_member_cannot_reach_another_cooperatives_loan(
    cooperative, other_cooperative, borrower_client, chair
):
    foreign_product = make_product(other_cooperative)
    foreign_board = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    foreign = disbursed(make_borrower(other_cooperative), foreign_product, foreign_board)
    url = f"/k/{cooperative.slug}/anggota/pinjaman/{foreign.pk}/"
    before = loan_books()

    assert borrower_client.get(url).status_code == 404
    assert (
        borrower_client.post(f"{url}bayar/", {"amount": "1000", "idempotency_key": "x"}).status_code
        == 404
    )
    assert borrower_client.get(_member_url(foreign)).status_code == 404  # not a member there
    assert loan_books() == before


def test_staff_do_not_use_the_member_pages(late_loan, teller):
    assert client_for(teller).get(_member_url(late_loan)).status_code == 403


def test_a_receipt_belongs_to_its_loan(cooperative, late_loan, product, chair, teller):
    other = disbursed(make_borrower(cooperative), product, chair, amount=1_000_000)
    _counter(client_for(teller), late_loan, amount="100000")
    repayment = Repayment.objects.get()
    base = f"/k/{cooperative.slug}/kelola/pinjaman"

    assert client_for(teller).get(f"{base}/{late_loan.pk}/bayar/{repayment.pk}/").status_code == 200
    assert client_for(teller).get(f"{base}/{other.pk}/bayar/{repayment.pk}/").status_code == 404
