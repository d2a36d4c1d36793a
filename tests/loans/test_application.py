"""A member applies: preview the schedule, then submit. Every bad input gets a clear message
and creates nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from koperasi.models import Event
from members.actions import member_exit
from services.loans.models import Loan
from services.savings.actions import add_months
from tests.conftest import client_for
from tests.factories import UserFactory, make_member
from tests.loans.conftest import apply, disbursed, loan_books, make_borrower, make_product

pytestmark = pytest.mark.django_db


def _url(cooperative) -> str:
    return f"/k/{cooperative.slug}/anggota/pinjaman/ajukan/"


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _form(product, /, **changes) -> dict:
    data = {
        "product": product.pk,
        "amount": "6.000.000",
        "term": "12",
        "purpose": "Modal warung sembako",
        "action": "preview",
    }
    data.update(changes)
    return data


def _submit(client, cooperative, product, **changes):
    """Preview, then submit what was previewed (as the page does)."""
    preview = client.post(_url(cooperative), _form(product, **changes))
    previewed = preview.context["previewed"]
    return client.post(
        _url(cooperative), _form(product, action="submit", previewed=previewed, **changes)
    )


def test_the_page_offers_the_products(cooperative, product, borrower_client):
    response = borrower_client.get(_url(cooperative))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{product.pk}"' in html
    assert 'id="submit-button"' not in html  # no submit before a preview


def test_preview_shows_the_schedule_and_creates_nothing(
    cooperative, product, borrower, borrower_client
):
    before = loan_books()

    response = borrower_client.post(_url(cooperative), _form(product))

    assert response.status_code == 200
    schedule = response.context["schedule"]
    # Flat 12 % a year: 6.000.000 / 12 = 500.000 principal and 60.000 interest a month.
    assert {(r.principal, r.interest) for r in schedule} == {(500_000, 60_000)}
    assert schedule[0].due_date == add_months(timezone.localdate(), 1)
    assert response.context["previewed"] == f"{product.pk}:6000000:12"
    html = response.content.decode()
    assert 'id="preview-schedule"' in html
    assert 'id="submit-button"' in html
    assert f'name="previewed" value="{product.pk}:6000000:12"' in html
    assert loan_books() == before


def test_the_htmx_preview_swaps_only_the_form(cooperative, product, borrower_client):
    response = borrower_client.post(_url(cooperative), _form(product), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form method="post"')
    assert "<html" not in html
    assert 'id="preview-schedule"' in html
    assert 'id="submit-button"' in html
    assert Loan.objects.count() == 0


def test_the_htmx_preview_shows_errors_with_status_200(cooperative, product, borrower_client):
    _english(borrower_client)

    response = borrower_client.post(
        _url(cooperative), _form(product, amount="abc"), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "Enter whole Rupiah, digits only" in response.content.decode()
    assert 'id="submit-button"' not in response.content.decode()


def test_submit_after_the_preview_applies(cooperative, product, borrower, borrower_client):
    response = _submit(borrower_client, cooperative, product)

    loan = Loan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/k/{cooperative.slug}/anggota/pinjaman/{loan.pk}/"
    assert (loan.member, loan.product, loan.amount, loan.term_months) == (
        borrower,
        product,
        6_000_000,
        12,
    )
    assert (loan.status, loan.purpose, loan.method) == ("applied", "Modal warung sembako", "flat")
    assert Event.objects.filter(kind="loan.applied", data__loan_id=loan.pk).count() == 1
    detail = borrower_client.get(response["Location"])
    assert detail.status_code == 200
    assert 'data-status="applied"' in detail.content.decode()


def test_submit_without_a_preview_shows_the_schedule_first(cooperative, product, borrower_client):
    _english(borrower_client)

    response = borrower_client.post(_url(cooperative), _form(product, action="submit"))

    assert response.status_code == 400
    assert Loan.objects.count() == 0
    assert "The figures changed: check the new schedule, then submit." in (
        response.content.decode()
    )
    assert response.context["schedule"] is not None


def test_submit_of_other_figures_than_previewed_applies_nothing(
    cooperative, product, borrower_client
):
    preview = borrower_client.post(_url(cooperative), _form(product))

    response = borrower_client.post(
        _url(cooperative),
        _form(product, amount="7.000.000", action="submit", previewed=preview.context["previewed"]),
    )

    assert response.status_code == 400
    assert Loan.objects.count() == 0
    assert response.context["previewed"] == f"{product.pk}:7000000:12"


def test_a_double_submit_creates_one_application(cooperative, product, borrower_client):
    _english(borrower_client)
    first = _submit(borrower_client, cooperative, product)
    before = loan_books()

    again = _submit(borrower_client, cooperative, product)

    assert first.status_code == 302
    assert again.status_code == 400
    assert "An application is already being processed." in again.content.decode()
    assert loan_books() == before
    assert Loan.objects.count() == 1


BAD = [
    ({"amount": "20.000.001"}, "The most this product lends is Rp 20.000.000."),
    ({"amount": "0"}, "Enter an amount above zero."),
    ({"amount": "enam juta"}, "Enter whole Rupiah, digits only, for example 150.000."),
    ({"amount": ""}, "This field is required."),
    ({"term": "2"}, "The term must be between 3 and 24 months."),
    ({"term": "36"}, "The term must be between 3 and 24 months."),
    ({"term": "12.5"}, "Enter the term as a whole number of months, for example 12."),
    ({"term": "dua belas"}, "Enter the term as a whole number of months, for example 12."),
    ({"purpose": ""}, "Say what the loan is for."),
    ({"product": "x"}, "Choose one of the loan products on the list."),
    # Savings of Rp 5.000.000 x 3 allow at most Rp 15.000.000.
    ({"amount": "15.000.001"}, "Your savings allow at most Rp 15.000.000"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
@pytest.mark.parametrize("action", ["preview", "submit"])
def test_bad_input_is_refused_clearly(
    cooperative, product, borrower_client, change, message, action
):
    _english(borrower_client)
    before = loan_books()

    response = borrower_client.post(
        _url(cooperative), _form(product, action=action, previewed="anything", **change)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="submit-button"' not in response.content.decode()
    assert loan_books() == before
    assert Loan.objects.count() == 0


def test_the_savings_limit_is_the_limit(cooperative, product, borrower_client):
    response = _submit(borrower_client, cooperative, product, amount="15.000.000")

    assert response.status_code == 302
    assert Loan.objects.get().amount == 15_000_000


def test_another_cooperatives_product_cannot_be_chosen(
    cooperative, other_cooperative, product, borrower_client
):
    _english(borrower_client)
    foreign = make_product(other_cooperative)

    response = _submit_direct(borrower_client, cooperative, foreign)

    assert response.status_code == 400
    assert "Choose one of the loan products on the list." in response.content.decode()
    assert Loan.objects.count() == 0


def _submit_direct(client, cooperative, product):
    return client.post(
        _url(cooperative),
        _form(product, action="submit", previewed=f"{product.pk}:6000000:12"),
    )


def test_a_member_with_a_loan_in_arrears_cannot_apply(cooperative, product, borrower, chair):
    loan = disbursed(borrower, product, chair, amount=3_000_000)
    Loan.objects.filter(pk=loan.pk).update(days_past_due=5)
    client = _english(client_for(borrower.user))
    before = loan_books()

    response = _submit_direct(client, cooperative, product)

    assert response.status_code == 400
    assert "A loan in arrears must be brought up to date first." in response.content.decode()
    assert loan_books() == before


def test_a_member_whose_application_is_open_cannot_apply_again(
    cooperative, product, borrower, borrower_client
):
    loan = apply(borrower, product)
    _english(borrower_client)
    page = borrower_client.get(_url(cooperative)).content.decode()
    assert 'id="open-application"' in page
    assert f'href="/k/{cooperative.slug}/anggota/pinjaman/{loan.pk}/"' in page

    response = _submit_direct(borrower_client, cooperative, product)

    assert response.status_code == 400
    assert "An application is already being processed." in response.content.decode()
    assert Loan.objects.count() == 1


def test_a_member_who_left_cannot_apply(cooperative, product, chair):
    former = make_borrower(cooperative)
    member_exit(member=former, acting_user=chair, reason="Pindah kota")
    client = _english(client_for(former.user))
    page = client.get(_url(cooperative)).content.decode()
    assert 'id="not-active"' in page
    assert 'id="loan-apply"' not in page
    before = loan_books()

    response = _submit_direct(client, cooperative, product)

    assert response.status_code == 400
    assert "Only active members can borrow." in response.content.decode()
    assert loan_books() == before


def test_an_applicant_has_no_loan_pages(cooperative, product):
    from members.actions import member_apply
    from tests.factories import member_data

    user = UserFactory()
    member_apply(cooperative=cooperative, data=member_data(), user=user)
    client = client_for(user)

    assert client.get(_url(cooperative)).status_code == 404
    assert client.post(_url(cooperative), _form(product, action="submit")).status_code == 404
    assert Loan.objects.count() == 0


def test_staff_who_are_not_members_cannot_apply(cooperative, product, chair, teller):
    for user in (chair, teller):
        response = client_for(user).post(_url(cooperative), _form(product, action="submit"))
        assert response.status_code == 403
    assert Loan.objects.count() == 0


def test_a_member_without_savings_may_borrow_from_a_product_without_a_savings_limit(
    cooperative,
):
    unlimited = make_product(cooperative, savings_multiple=0)
    member = make_member(cooperative, user=UserFactory())
    client = client_for(member.user)

    response = _submit(client, cooperative, unlimited, amount="20.000.000")

    assert response.status_code == 302
    assert Loan.objects.get().amount == 20_000_000
