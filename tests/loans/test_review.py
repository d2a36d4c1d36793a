"""The board reviews applications: maker-checker approval, rejection with a reason, and the
payout through the ledger. Refusals show on the page and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from koperasi.models import Role
from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.loans import actions
from services.loans.models import Loan, LoanApproval
from services.savings.actions import add_months
from tests.conftest import client_for
from tests.factories import RoleFactory, make_member
from tests.loans.conftest import apply, approved, loan_books, make_borrower, make_product

pytestmark = pytest.mark.django_db


def _url(loan, action="") -> str:
    return f"/k/{loan.cooperative.slug}/kelola/pinjaman/{loan.pk}/{action}"


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


@pytest.fixture
def threshold(cooperative):
    policy = actions.policy_for(cooperative)
    policy.two_approvals_above = 5_000_000
    policy.save()
    return policy


@pytest.fixture
def big_loan(borrower, product, threshold):
    return apply(borrower, product, amount=6_000_000)


@pytest.fixture
def small_loan(borrower, product, threshold):
    return apply(borrower, product, amount=5_000_000)


def test_a_loan_at_the_threshold_needs_one_approval(small_loan, chair):
    response = client_for(chair).post(_url(small_loan, "setujui/"))

    small_loan.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == _url(small_loan)
    assert small_loan.status == Loan.Status.APPROVED
    assert list(small_loan.approvals.values_list("user", flat=True)) == [chair.pk]


def test_above_the_threshold_two_board_members_approve(big_loan, chair, treasurer):
    chair_client = _english(client_for(chair))

    chair_client.post(_url(big_loan, "setujui/"))
    big_loan.refresh_from_db()
    page = chair_client.get(_url(big_loan)).content.decode()

    assert big_loan.status == Loan.Status.APPLIED
    assert "1 of 2 approvals given." in page
    assert chair.full_name in page

    client_for(treasurer).post(_url(big_loan, "setujui/"))
    big_loan.refresh_from_db()
    page = chair_client.get(_url(big_loan)).content.decode()

    assert big_loan.status == Loan.Status.APPROVED
    assert "2 of 2 approvals given." in page
    assert set(big_loan.approvals.values_list("user", flat=True)) == {chair.pk, treasurer.pk}


def test_the_same_board_member_cannot_approve_twice(big_loan, chair):
    client = _english(client_for(chair))
    client.post(_url(big_loan, "setujui/"))
    before = loan_books()

    response = client.post(_url(big_loan, "setujui/"))

    assert response.status_code == 400
    assert "You already approved this loan; another board member must." in (
        response.content.decode()
    )
    assert loan_books() == before
    big_loan.refresh_from_db()
    assert big_loan.status == Loan.Status.APPLIED


def test_a_board_member_cannot_approve_their_own_loan(cooperative, product, chair, treasurer):
    own = make_member(cooperative, user=chair)
    from services.savings.actions import savings_deposit

    savings_deposit(member=own, kind="sukarela", amount=1_000_000, channel="cash", acting_user=None)
    loan = apply(own, product, amount=2_000_000)
    client = _english(client_for(chair))
    assert 'id="own-loan"' in client.get(_url(loan)).content.decode()
    before = loan_books()

    response = client.post(_url(loan, "setujui/"))

    assert response.status_code == 400
    assert "Nobody approves their own loan." in response.content.decode()
    assert loan_books() == before
    client_for(treasurer).post(_url(loan, "setujui/"))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.APPROVED


@pytest.mark.parametrize("kind", [Role.Kind.TELLER, Role.Kind.SUPERVISOR, Role.Kind.MEMBER])
def test_only_the_board_approves(cooperative, big_loan, kind):
    user = RoleFactory(cooperative=cooperative, kind=kind).user
    before = loan_books()

    for action in ("setujui/", "tolak/", "cairkan/"):
        response = client_for(user).post(
            _url(big_loan, action),
            {"reason": "Tidak layak", "channel": "cash", "first_due": "2030-01-01"},
        )
        assert response.status_code == 403

    assert loan_books() == before


def test_a_decided_application_cannot_be_approved_again(small_loan, chair, treasurer):
    client_for(chair).post(_url(small_loan, "setujui/"))
    before = loan_books()

    response = _english(client_for(treasurer)).post(_url(small_loan, "setujui/"))

    assert response.status_code == 400
    assert "This application was already decided." in response.content.decode()
    assert loan_books() == before


def test_rejection_needs_a_reason(big_loan, chair):
    client = _english(client_for(chair))
    before = loan_books()

    response = client.post(_url(big_loan, "tolak/"), {"reason": "   "})

    assert response.status_code == 400
    assert "Say why, so that the member understands." in response.content.decode()
    assert loan_books() == before


def test_a_rejection_with_a_reason_reaches_the_member(big_loan, chair, borrower_client):
    response = client_for(chair).post(
        _url(big_loan, "tolak/"), {"reason": "Simpanan wajib belum lunas"}
    )

    big_loan.refresh_from_db()
    assert response.status_code == 302
    assert (big_loan.status, big_loan.rejection_reason) == (
        Loan.Status.REJECTED,
        "Simpanan wajib belum lunas",
    )
    page = borrower_client.get(
        f"/k/{big_loan.cooperative.slug}/anggota/pinjaman/{big_loan.pk}/"
    ).content.decode()
    assert "Simpanan wajib belum lunas" in page


def test_an_approved_loan_can_still_be_rejected_but_not_a_rejected_one(small_loan, chair):
    client = _english(client_for(chair))
    client.post(_url(small_loan, "setujui/"))
    client.post(_url(small_loan, "tolak/"), {"reason": "Dana belum tersedia"})
    before = loan_books()

    response = client.post(_url(small_loan, "tolak/"), {"reason": "Lagi"})

    assert response.status_code == 400
    assert "This application was already decided." in response.content.decode()
    assert loan_books() == before


# --- The payout -------------------------------------------------------------------------------


def _disburse(client, loan, **data):
    form = {"channel": "sukarela", "first_due": add_months(timezone.localdate(), 1).isoformat()}
    form.update(data)
    return client.post(_url(loan, "cairkan/"), form)


def test_a_payout_into_sukarela_goes_through_the_ledger(
    cooperative, borrower, product, chair, threshold
):
    loan = approved(borrower, product, chair, amount=5_000_000, term=10)
    sukarela = borrower.accounts.get(savings_kind="sukarela")
    first_due = timezone.localdate() + dt.timedelta(days=20)

    response = _disburse(client_for(chair), loan, first_due=first_due.isoformat())

    loan.refresh_from_db()
    sukarela.refresh_from_db()
    assert response.status_code == 302
    assert (loan.status, loan.admin_fee, loan.outstanding_principal) == (
        Loan.Status.ACTIVE,
        50_000,  # 1 % of 5.000.000
        5_000_000,
    )
    assert sukarela.balance == 5_000_000 + 4_950_000
    assert chart.gl_account(cooperative, chart.LOANS_RECEIVABLE).balance == 5_000_000
    assert chart.gl_account(cooperative, chart.ADMIN_FEE_INCOME).balance == 50_000
    rows = list(loan.installments.order_by("number"))
    assert [r.due_date for r in rows] == [add_months(first_due, n) for n in range(10)]
    assert {(r.principal, r.interest) for r in rows} == {(500_000, 50_000)}
    assert ledger_violations() == []


def test_a_cash_payout(cooperative, borrower, product, chair):
    loan = approved(borrower, product, chair, amount=3_000_000)
    cash_before = chart.gl_account(cooperative, chart.CASH).balance

    _disburse(client_for(chair), loan, channel="cash")

    loan.refresh_from_db()
    assert loan.disbursed_via == "cash"
    assert chart.gl_account(cooperative, chart.CASH).balance == cash_before - 2_970_000
    assert ledger_violations() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_due": "2000-01-01"}, "The first installment falls due after today and within"),
        ({"first_due": "kemarin"}, "Enter a real date, for example 2025-01-31."),
        ({"channel": "emas"}, "Select a valid choice."),
    ],
)
def test_a_bad_payout_changes_nothing(borrower, product, chair, data, message):
    loan = approved(borrower, product, chair, amount=3_000_000)
    before = loan_books()

    response = _disburse(_english(client_for(chair)), loan, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert loan_books() == before


def test_an_application_not_yet_approved_cannot_be_paid_out(big_loan, chair):
    before = loan_books()

    response = _disburse(_english(client_for(chair)), big_loan)

    assert response.status_code == 400
    assert "Only an approved loan can be disbursed." in response.content.decode()
    assert loan_books() == before


def test_a_double_payout_pays_once(borrower, product, chair):
    loan = approved(borrower, product, chair, amount=3_000_000)
    client = _english(client_for(chair))
    _disburse(client, loan)
    before = loan_books()

    response = _disburse(client, loan)

    assert response.status_code == 400
    assert loan_books() == before


# --- The list and the detail ------------------------------------------------------------------


def test_the_list_shows_the_applicants_savings_and_arrears(cooperative, product, borrower, chair):
    old = approved(borrower, product, chair, amount=1_000_000)
    actions.loan_disburse(loan=old, acting_user=chair, channel="cash")
    Loan.objects.filter(pk=old.pk).update(days_past_due=12)
    other = make_borrower(cooperative, sukarela=2_000_000)
    fresh = apply(other, product, amount=3_000_000)

    response = client_for(chair).get(f"/k/{cooperative.slug}/kelola/pinjaman/")

    loans = list(response.context["loans"])
    assert [loan.pk for loan in loans] == [fresh.pk]
    assert (loans[0].member_savings, loans[0].other_loans, loans[0].member_days_late) == (
        2_000_000,
        0,
        0,
    )
    active = client_for(chair).get(f"/k/{cooperative.slug}/kelola/pinjaman/?tab=active")
    (row,) = active.context["loans"]
    assert (row.pk, row.member_days_late, row.member_savings) == (old.pk, 12, 5_000_000)
    assert row.next_due_amount == 1_000_000 // 12 + 10_000
    assert [(t, n) for t, _label, n in response.context["tabs"]] == [
        ("applied", 1),
        ("approved", 0),
        ("active", 1),
        ("closed", 0),
    ]


def test_the_list_costs_the_same_queries_for_more_loans(cooperative, product, chair):
    client = client_for(chair)
    apply(make_borrower(cooperative), product)
    client.get(f"/k/{cooperative.slug}/kelola/pinjaman/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/k/{cooperative.slug}/kelola/pinjaman/")
    for _ in range(4):
        apply(make_borrower(cooperative), product)

    with CaptureQueriesContext(connection) as five:
        response = client.get(f"/k/{cooperative.slug}/kelola/pinjaman/")

    assert len(response.context["loans"]) == 5
    assert len(five) == len(one)


def test_the_detail_shows_the_applicants_loan_history(cooperative, product, borrower, chair):
    old = approved(borrower, product, chair, amount=1_000_000)
    actions.loan_reject(loan=old, acting_user=chair, reason="Belum")
    loan = apply(borrower, product, amount=2_000_000)

    response = client_for(chair).get(_url(loan))

    assert response.status_code == 200
    applicant = response.context["applicant"]
    assert [o.pk for o in applicant.loans] == [old.pk]
    assert applicant.savings_total == 5_000_000
    assert len(response.context["estimate"]) == 12
    html = response.content.decode()
    assert 'id="approve-button"' in html
    assert 'id="reject-form"' in html


def test_supervisors_read_without_buttons(cooperative, big_loan, supervisor):
    response = client_for(supervisor).get(_url(big_loan))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="approve-button"' not in html
    assert 'id="reject-form"' not in html


# --- Isolation --------------------------------------------------------------------------------


def test_another_cooperatives_loans_and_products_are_not_found(
    cooperative, other_cooperative, chair
):
    foreign_product = make_product(other_cooperative)
    foreign_member = make_borrower(other_cooperative)
    foreign_loan = apply(foreign_member, foreign_product, amount=1_000_000)
    client = client_for(chair)
    base = f"/k/{cooperative.slug}/kelola/pinjaman"
    before = loan_books()

    for url in (
        f"{base}/{foreign_loan.pk}/",
        f"{base}/{foreign_loan.pk}/bayar/",
        f"{base}/{foreign_loan.pk}/bayar/1/",
        f"{base}/produk/{foreign_product.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{base}/{foreign_loan.pk}/setujui/",
        f"{base}/{foreign_loan.pk}/tolak/",
        f"{base}/{foreign_loan.pk}/cairkan/",
        f"{base}/{foreign_loan.pk}/bayar/",
        f"{base}/produk/{foreign_product.pk}/",
    ):
        assert client.post(url, {"reason": "x", "name": "Dibajak"}).status_code == 404, url
    assert loan_books() == before
    assert LoanApproval.objects.count() == 0
    foreign_product.refresh_from_db()
    assert foreign_product.name == "Pinjaman Usaha"


def test_people_of_another_cooperative_see_nothing(cooperative, other_cooperative, big_loan):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    client = client_for(outsider)

    for url in (
        _url(big_loan),
        f"/k/{cooperative.slug}/kelola/pinjaman/",
        f"/k/{cooperative.slug}/kelola/pinjaman/portofolio/",
        f"/k/{cooperative.slug}/kelola/pinjaman/produk/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(_url(big_loan, "setujui/")).status_code == 404
    assert big_loan.approvals.count() == 0


# --- Products and the approval rule -----------------------------------------------------------

PRODUCT_FORM = {
    "name": "Pinjaman Panen",
    "method": "declining",
    "annual_rate": "15.5",
    "max_amount": "Rp 25.000.000",
    "min_term": "6",
    "max_term": "18",
    "admin_fee_percent": "1.5",
    "penalty_percent": "2",
    "grace_days": "5",
    "savings_multiple": "4",
    "collateral_notes": "BPKB motor",
    "is_active": "on",
}


def test_the_board_creates_a_product_with_every_field(cooperative, chair):
    from decimal import Decimal

    from koperasi.models import Event
    from services.loans.models import LoanProduct

    response = client_for(chair).post(
        f"/k/{cooperative.slug}/kelola/pinjaman/produk/baru/", PRODUCT_FORM
    )

    assert response.status_code == 302
    product = LoanProduct.objects.get()
    assert (
        product.cooperative,
        product.name,
        product.method,
        product.annual_rate,
        product.max_amount,
        product.min_term,
        product.max_term,
        product.admin_fee_percent,
        product.penalty_percent,
        product.grace_days,
        product.savings_multiple,
        product.collateral_notes,
        product.is_active,
    ) == (
        cooperative,
        "Pinjaman Panen",
        "declining",
        Decimal("15.50"),
        25_000_000,
        6,
        18,
        Decimal("1.50"),
        Decimal("2.00"),
        5,
        Decimal("4.0"),
        "BPKB motor",
        True,
    )
    assert Event.objects.filter(kind="loan.product_created").count() == 1
    listing = client_for(chair).get(f"/k/{cooperative.slug}/kelola/pinjaman/produk/")
    assert f'id="product-{product.pk}"' in listing.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"min_term": "12", "max_term": "6"}, "max_term", "The longest term cannot be shorter"),
        ({"max_term": "0"}, "max_term", "The longest term is at least 1 month."),
        ({"max_term": "400"}, "max_term", "Ensure this value is less than or equal to 360."),
        ({"annual_rate": "101"}, "annual_rate", "Ensure this value is less than or equal to 100"),
        ({"annual_rate": "dua belas"}, "annual_rate", "Enter a number."),
        ({"max_amount": "0"}, "max_amount", "Enter an amount above zero."),
        ({"name": "  "}, "name", "This field is required."),
        ({"method": "bunga-berbunga"}, "method", "Select a valid choice."),
    ],
)
def test_a_bad_product_is_refused(cooperative, chair, change, field, message):
    from services.loans.models import LoanProduct

    client = _english(client_for(chair))

    response = client.post(
        f"/k/{cooperative.slug}/kelola/pinjaman/produk/baru/", {**PRODUCT_FORM, **change}
    )

    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors[field])
    assert LoanProduct.objects.count() == 0


def test_the_board_edits_a_product(cooperative, product, chair):
    page = client_for(chair).get(f"/k/{cooperative.slug}/kelola/pinjaman/produk/{product.pk}/")
    assert 'name="max_amount" value="20.000.000"' in page.content.decode()

    response = client_for(chair).post(
        f"/k/{cooperative.slug}/kelola/pinjaman/produk/{product.pk}/",
        {**PRODUCT_FORM, "name": "Pinjaman Usaha Mikro", "is_active": ""},
    )

    product.refresh_from_db()
    assert response.status_code == 302
    assert (product.name, product.is_active, product.max_amount) == (
        "Pinjaman Usaha Mikro",
        False,
        25_000_000,
    )


@pytest.mark.parametrize("kind", [Role.Kind.SUPERVISOR, Role.Kind.TELLER])
def test_supervisors_and_tellers_read_products_but_change_nothing(cooperative, product, kind):
    user = RoleFactory(cooperative=cooperative, kind=kind).user
    client = client_for(user)
    base = f"/k/{cooperative.slug}/kelola/pinjaman"

    page = client.get(f"{base}/produk/{product.pk}/")
    assert page.status_code == 200
    assert all(field.disabled for field in page.context["form"].fields.values())
    assert client.get(f"{base}/produk/").status_code == 200
    assert client.post(f"{base}/produk/{product.pk}/", PRODUCT_FORM).status_code == 403
    assert client.get(f"{base}/produk/baru/").status_code == 403
    assert client.post(f"{base}/produk/baru/", PRODUCT_FORM).status_code == 403
    assert client.post(f"{base}/aturan/", {"two_approvals_above": "1"}).status_code == 403
    product.refresh_from_db()
    assert product.name == "Pinjaman Usaha"
    assert actions.policy_for(cooperative).two_approvals_above == 10_000_000


def test_the_board_sets_the_approval_threshold(cooperative, chair, borrower, product):
    client = client_for(chair)

    response = client.post(
        f"/k/{cooperative.slug}/kelola/pinjaman/aturan/", {"two_approvals_above": "2.000.000"}
    )

    assert response.status_code == 302
    assert actions.policy_for(cooperative).two_approvals_above == 2_000_000
    loan = apply(borrower, product, amount=2_000_001)
    client.post(_url(loan, "setujui/"))
    loan.refresh_from_db()
    assert loan.status == Loan.Status.APPLIED  # a second board member must approve


def test_a_bad_threshold_is_refused(cooperative, chair):
    response = _english(client_for(chair)).post(
        f"/k/{cooperative.slug}/kelola/pinjaman/aturan/", {"two_approvals_above": "-1"}
    )

    assert response.status_code == 400
    assert "Enter an amount above zero." in response.content.decode()
    assert actions.policy_for(cooperative).two_approvals_above == 10_000_000
