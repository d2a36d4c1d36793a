"""The public loan simulator: exact schedules, the CSV, and clear messages for bad input."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from services.savings.actions import add_months
from tests.loans.conftest import make_product

pytestmark = pytest.mark.django_db


def _url(cooperative, suffix="/") -> str:
    return f"/k/{cooperative.slug}/pinjaman/simulasi{suffix}"


@pytest.fixture
def annuity(cooperative):
    return make_product(
        cooperative, name="Anuitas", method="annuity", max_amount=50_000_000, min_term=6
    )


def _english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_anyone_sees_the_exact_schedule(cooperative, annuity):
    # Rp 10.000.000 at 12 % a year, annuity over 12 months: Rp 888.488 a month, the last
    # Rp 888.485, interest Rp 661.853 in all; the first installment one month from today.
    response = Client().get(
        _url(cooperative), {"product": annuity.pk, "amount": "10.000.000", "term": "12"}
    )

    assert response.status_code == 200
    schedule = response.context["schedule"]
    today = timezone.localdate()
    assert [row.number for row in schedule] == list(range(1, 13))
    assert [row.due_date for row in schedule] == [add_months(today, n) for n in range(1, 13)]
    assert (schedule[0].principal, schedule[0].interest, schedule[0].payment) == (
        788_488,
        100_000,
        888_488,
    )
    assert schedule[-1].payment == 888_485
    assert schedule[-1].balance == 0
    totals = response.context["totals"]
    assert (totals.principal, totals.interest, totals.payment) == (
        10_000_000,
        661_853,
        10_661_853,
    )
    html = response.content.decode()
    assert 'id="first-installment">Rp 888.488<' in html
    assert 'id="total-interest">Rp 661.853<' in html


def test_the_csv_holds_the_same_schedule(cooperative, annuity):
    client = _english(Client())

    response = client.get(
        _url(cooperative, ".csv"), {"product": annuity.pk, "amount": "10000000", "term": "12"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="simulation-10000000-12.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Loan simulation"]
    assert rows[1] == ["Cooperative", cooperative.name]
    assert rows[2] == ["Product", "Anuitas"]
    assert rows[5] == ["Amount", "10000000"]
    assert rows[8] == ["No.", "Due", "Principal", "Interest", "Installment", "Balance"]
    first_due = add_months(timezone.localdate(), 1)
    assert rows[9] == ["1", first_due.isoformat(), "788488", "100000", "888488", "9211512"]
    assert rows[20][4:] == ["888485", "0"]
    assert rows[21] == ["Total", "", "10000000", "661853", "10661853", ""]
    assert len(rows) == 22


def test_the_page_links_the_csv_of_the_same_figures(cooperative, annuity):
    query = {"product": annuity.pk, "amount": "10000000", "term": "12"}
    html = Client().get(_url(cooperative), query).content.decode()

    assert (
        f'href="/k/{cooperative.slug}/pinjaman/simulasi.csv?product={annuity.pk}'
        "&amp;amount=10000000&amp;term=12"
    ) in html


def test_a_flat_product_of_the_page(cooperative):
    flat = make_product(cooperative, annual_rate=Decimal("18.00"))

    response = Client().get(
        _url(cooperative), {"product": flat.pk, "amount": "Rp 6.000.000", "term": "6"}
    )

    # 6.000.000 / 6 = 1.000.000 principal; 1.5 % of 6.000.000 = 90.000 interest a month.
    assert {(r.principal, r.interest) for r in response.context["schedule"]} == {
        (1_000_000, 90_000)
    }


def test_the_empty_page_shows_the_form_and_the_products(cooperative, annuity):
    response = Client().get(_url(cooperative))

    assert response.status_code == 200
    assert response.context["schedule"] is None
    assert not response.context["form"].errors
    assert f'id="product-{annuity.pk}"' in response.content.decode()


@pytest.fixture
def foreign_product(other_cooperative):
    return make_product(other_cooperative, name="Milik koperasi lain")


BAD = [
    ({"amount": "50.000.001"}, "amount", "The most this product lends is Rp 50.000.000."),
    ({"amount": "0"}, "amount", "Enter an amount above zero."),
    ({"amount": "-100000"}, "amount", "Enter an amount above zero."),
    ({"amount": "sepuluh juta"}, "amount", "Enter whole Rupiah, digits only, for example 150.000."),
    ({"amount": "12,5"}, "amount", "Enter whole Rupiah, digits only, for example 150.000."),
    ({"amount": "9" * 30}, "amount", "That amount is too large."),
    ({"term": "5"}, "term", "The term must be between 6 and 24 months."),
    ({"term": "25"}, "term", "The term must be between 6 and 24 months."),
    ({"term": "0"}, "term", "The term is at least 1 month."),
    ({"term": "dua belas"}, "term", "Enter the term as a whole number of months, for example 12."),
    ({"term": "99999999999999999999"}, "term", "The term is at most 360 months."),
    ({"product": "abc"}, "product", "Choose one of the loan products on the list."),
    ({"product": "999999"}, "product", "Choose one of the loan products on the list."),
    (
        {"product": "99999999999999999999"},
        "product",
        "Choose one of the loan products on the list.",
    ),
    ({"product": ""}, "product", "Choose a loan product."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_bad_input_gets_a_clear_message(cooperative, annuity, change, field, message, suffix):
    client = _english(Client())
    query = {"product": annuity.pk, "amount": "10000000", "term": "12", **change}

    response = client.get(_url(cooperative, suffix), query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors[field] == [message]
    assert response.context["schedule"] is None
    assert message in response.content.decode()


@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_another_cooperatives_product_is_not_on_the_list(
    cooperative, annuity, foreign_product, suffix
):
    client = _english(Client())

    response = client.get(
        _url(cooperative, suffix),
        {"product": foreign_product.pk, "amount": "1000000", "term": "12"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["product"] == [
        "Choose one of the loan products on the list."
    ]
    assert "Milik koperasi lain" not in response.content.decode()


def test_a_product_no_longer_offered_cannot_be_simulated(cooperative, annuity):
    annuity.is_active = False
    annuity.save()

    response = Client().get(
        _url(cooperative), {"product": annuity.pk, "amount": "1000000", "term": "12"}
    )

    assert response.status_code == 400
    assert "product" in response.context["form"].errors


def test_the_csv_without_figures_shows_the_form(cooperative, annuity):
    response = _english(Client()).get(_url(cooperative, ".csv"))

    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["This field is required."]


def test_an_unverified_cooperative_has_no_simulator(pending_cooperative):
    make_product(pending_cooperative)

    assert Client().get(_url(pending_cooperative)).status_code == 404
    assert Client().get(_url(pending_cooperative, ".csv")).status_code == 404


def test_the_simulator_only_reads(cooperative, annuity):
    assert Client().post(_url(cooperative), {"product": annuity.pk}).status_code == 405
