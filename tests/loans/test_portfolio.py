"""The portfolio: outstanding principal by product and by grade, PAR30, the loans in arrears
with the member's phone, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from koperasi.models import Role
from services.loans.models import Loan, grade_for
from services.loans.selectors import portfolio
from tests.conftest import client_for
from tests.factories import RoleFactory, make_member
from tests.loans.conftest import make_product

pytestmark = pytest.mark.django_db


def _loan(member, product, *, outstanding, days, status=Loan.Status.ACTIVE, amount=None):
    """A loan set by hand: the portfolio reads only the loan rows."""
    return Loan.objects.create(
        cooperative=member.cooperative,
        member=member,
        product=product,
        amount=amount or max(outstanding, 1),
        term_months=12,
        annual_rate=product.annual_rate,
        method=product.method,
        purpose="Usaha",
        status=status,
        outstanding_principal=outstanding,
        days_past_due=days,
        grade=grade_for(days),
    )


@pytest.fixture
def book(cooperative, other_cooperative):
    """Rp 7.500.000 outstanding, of which Rp 2.500.000 more than 30 days late: PAR30 33,33 %."""
    usaha = make_product(cooperative, name="Usaha")
    konsumtif = make_product(cooperative, name="Konsumtif")
    ani = make_member(cooperative, full_name="Ani", phone="+6281100000001")
    budi = make_member(cooperative, full_name="Budi", phone="+6281100000002")
    citra = make_member(cooperative, full_name="Citra", phone="+6281100000003")
    dedi = make_member(cooperative, full_name="Dedi", phone="+6281100000004")
    loans = {
        "current": _loan(ani, usaha, outstanding=2_000_000, days=0),
        "31 days": _loan(budi, usaha, outstanding=1_750_000, days=31),
        "30 days": _loan(citra, konsumtif, outstanding=3_000_000, days=30),
        "181 days": _loan(dedi, konsumtif, outstanding=750_000, days=181, amount=5_000_000),
    }
    # Not in the portfolio: paid off, only applied, and another cooperative's.
    _loan(ani, usaha, outstanding=0, days=0, status=Loan.Status.PAID_OFF, amount=1_000_000)
    _loan(budi, konsumtif, outstanding=0, days=0, status=Loan.Status.APPLIED, amount=900_000)
    stranger = make_member(other_cooperative, full_name="Orang Lain")
    _loan(stranger, make_product(other_cooperative), outstanding=9_000_000, days=100)
    return {"usaha": usaha, "konsumtif": konsumtif, **loans}


def test_par30_and_the_breakdowns_are_exact(cooperative, book):
    result = portfolio(cooperative=cooperative)

    assert (result.loans, result.outstanding, result.at_risk) == (4, 7_500_000, 2_500_000)
    assert result.par30 == Decimal(2_500_000) / Decimal(7_500_000)
    assert result.par30_percent == Decimal("33.33")
    assert [(r.label, r.loans, r.outstanding) for r in result.by_product] == [
        ("Konsumtif", 2, 3_750_000),
        ("Usaha", 2, 3_750_000),
    ]
    assert [(r.key, r.loans, r.outstanding) for r in result.by_grade] == [
        ("lancar", 1, 2_000_000),
        ("dpk", 2, 4_750_000),
        ("kurang_lancar", 0, 0),
        ("diragukan", 0, 0),
        ("macet", 1, 750_000),
    ]


def test_an_empty_portfolio_has_no_risk(cooperative):
    result = portfolio(cooperative=cooperative)

    assert (result.loans, result.outstanding, result.par30_percent) == (0, 0, Decimal("0.00"))


def test_the_page_shows_par30_and_the_loans_in_arrears(cooperative, book, chair):
    client = client_for(chair)
    url = f"/k/{cooperative.slug}/kelola/pinjaman/portofolio/"
    assert 'id="par30">33,33%<' in client.get(url).content.decode()  # Indonesian decimals
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="par30">33.33%<' in html
    assert 'id="outstanding">Rp 7.500.000<' in html
    assert 'id="at-risk">Rp 2.500.000<' in html
    arrears = list(response.context["arrears"])
    assert [loan.pk for loan in arrears] == [
        book["181 days"].pk,
        book["31 days"].pk,
        book["30 days"].pk,
    ]
    assert 'href="tel:+6281100000004"' in html
    assert f'id="arrears-{book["current"].pk}"' not in html


def test_the_page_costs_the_same_queries_for_more_loans(cooperative, book, chair):
    client = client_for(chair)
    url = f"/k/{cooperative.slug}/kelola/pinjaman/portofolio/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(6):
        member = make_member(cooperative, full_name=f"Anggota {n}")
        _loan(member, book["usaha"], outstanding=100_000 + n, days=n * 40)

    with CaptureQueriesContext(connection) as after:
        response = client.get(url)

    assert response.context["portfolio"].loans == 10
    assert len(after) == len(before)


def test_the_csv_export(cooperative, book, chair):
    client = client_for(chair)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert (
        f'filename="loan-portfolio-{cooperative.slug}-{today}.csv"'
        in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[:3] == [["Loan portfolio"], ["Cooperative", cooperative.name], ["Date", today]]
    assert rows[4:8] == [
        ["Total outstanding principal", "7500000"],
        ["Loans", "4"],
        ["Outstanding more than 30 days late", "2500000"],
        ["PAR30 (%)", "33.33"],
    ]
    assert ["Konsumtif", "2", "3750000"] in rows
    assert ["Current (lancar)", "1", "2000000"] in rows
    header = rows.index(
        [
            "Loan",
            "Member number",
            "Member",
            "Phone",
            "Product",
            "Days past due",
            "Grade",
            "Outstanding principal",
        ]
    )
    dedi = book["181 days"]
    assert rows[header + 1] == [
        str(dedi.pk),
        str(dedi.member.number),
        "Dedi",
        "'+6281100000004",  # a leading + would be a formula to a spreadsheet
        "Konsumtif",
        "181",
        "Loss (macet)",
        "750000",
    ]
    assert len(rows) == header + 4


def test_the_xlsx_export(cooperative, book, chair):
    client = client_for(chair)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get(f"/k/{cooperative.slug}/kelola/pinjaman/portofolio.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[4][:2] == ["Total outstanding principal", 7_500_000]
    assert rows[7][:2] == ["PAR30 (%)", 33.33]
    assert sheet["B5"].number_format == "#,##0"
    citra = book["30 days"]
    assert rows[-1] == [
        citra.pk,
        citra.member.number,
        "Citra",
        "+6281100000003",  # text, never a formula
        "Konsumtif",
        30,
        "Special mention (dalam perhatian khusus)",
        3_000_000,
    ]
    last = sheet.max_row
    assert sheet[f"A{last}"].number_format == "General"  # a loan number, not an amount
    assert sheet[f"H{last}"].number_format == "#,##0"
    assert sheet[f"D{last}"].data_type == "s"


@pytest.mark.parametrize("kind", [Role.Kind.BOARD, Role.Kind.SUPERVISOR, Role.Kind.TELLER])
def test_staff_read_the_portfolio(cooperative, kind):
    user = RoleFactory(cooperative=cooperative, kind=kind).user
    for suffix in ("portofolio/", "portofolio.csv", "portofolio.xlsx"):
        assert (
            client_for(user).get(f"/k/{cooperative.slug}/kelola/pinjaman/{suffix}").status_code
            == 200
        )


def test_members_and_outsiders_do_not(cooperative, other_cooperative, member):
    outsider = RoleFactory(cooperative=other_cooperative, kind=Role.Kind.BOARD).user
    for suffix in ("portofolio/", "portofolio.csv", "portofolio.xlsx"):
        url = f"/k/{cooperative.slug}/kelola/pinjaman/{suffix}"
        assert client_for(member).get(url).status_code == 403
        assert client_for(outsider).get(url).status_code == 404
