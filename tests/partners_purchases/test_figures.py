"""Partner sales per period and monthly settlements, against hand-computed figures.

March 2025 (Asia/Jakarta), cooperative A (`cooperative`) and B (`other_cooperative`):
- PT Tani Makmur (fee 2.5 % with A): Sri 100.000 (discount 5.000) at 1 March 00:30 local
  (still 28 February in UTC), Sri 33.333, Budi 50.001 (discount 1.000) at 31 March 23:59 local.
  Outside March: Sri 999.999 on 28 February 23:59 and 400.000 on 1 April 00:00 local.
- CV Pasar Raya (fee 1 % with A, 0 % with B): Sri 20.050; Dewi (a member of B) 70.000.

A's March: Tani Makmur 3 purchases, 2 members, 183.334, discount 6.000, fee
floor(183.334 * 2.5 / 100) = floor(4.583,35) = 4.583; Pasar Raya 1, 1, 20.050, fee
floor(200,5) = 200. Totals 4 purchases, 2 members, 203.384, discount 6.000, fee 4.783.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partners.models import Purchase
from partners.purchases import (
    commission_due,
    cooperative_partner_sales,
    partner_settlement,
    partner_settlement_months,
)
from tests.conftest import english_client
from tests.partners_purchases.conftest import record

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(y, m, d, hour=12, minute=0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=JAKARTA)


def bought(partner, member, amount, when, discount=0, description="") -> Purchase:
    return Purchase.objects.create(
        cooperative=member.cooperative,
        member=member,
        partner=partner,
        amount=amount,
        discount=discount,
        description=description,
        occurred_at=when,
    )


@pytest.fixture
def march(partner, other_partner, buyer, other_buyer, outsider):
    bought(partner, buyer, 100_000, at(2025, 3, 1, 0, 30), discount=5_000, description="Pupuk")
    bought(partner, buyer, 33_333, at(2025, 3, 15))
    bought(partner, other_buyer, 50_001, at(2025, 3, 31, 23, 59), discount=1_000)
    bought(partner, buyer, 999_999, at(2025, 2, 28, 23, 59))
    bought(partner, buyer, 400_000, at(2025, 4, 1, 0, 0))
    bought(other_partner, buyer, 20_050, at(2025, 3, 10), description="=HYPERLINK(1)")
    bought(other_partner, outsider, 70_000, at(2025, 3, 12))


def as_tuples(report):
    return [
        (r.name, r.count, r.members, r.amount, r.discount, r.commission_percent, r.commission)
        for r in report.rows
    ]


def test_commission_is_rounded_down():
    assert commission_due(183_334, Decimal("2.50")) == 4_583
    assert commission_due(20_050, Decimal("1")) == 200
    assert commission_due(99, Decimal("0.99")) == 0
    assert commission_due(1_000_000, Decimal("0")) == 0


def test_cooperative_sales_for_march(cooperative, march, partner, other_partner):
    report = cooperative_partner_sales(
        cooperative=cooperative, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31)
    )

    assert as_tuples(report) == [
        ("CV Pasar Raya", 1, 1, 20_050, 0, Decimal("1.00"), 200),
        ("PT Tani Makmur", 3, 2, 183_334, 6_000, Decimal("2.50"), 4_583),
    ]
    assert (report.count, report.members, report.amount, report.discount, report.commission) == (
        4,
        2,
        203_384,
        6_000,
        4_783,
    )


def test_sales_periods_follow_local_dates(cooperative, march):
    first_day = cooperative_partner_sales(
        cooperative=cooperative, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 1)
    )
    february = cooperative_partner_sales(
        cooperative=cooperative, date_from=dt.date(2025, 2, 1), date_to=dt.date(2025, 2, 28)
    )

    assert as_tuples(first_day) == [
        ("PT Tani Makmur", 1, 1, 100_000, 5_000, Decimal("2.50"), 2_500)
    ]
    assert as_tuples(february) == [("PT Tani Makmur", 1, 1, 999_999, 0, Decimal("2.50"), 24_999)]


def test_the_other_cooperative_sees_only_its_own(other_cooperative, march):
    report = cooperative_partner_sales(
        cooperative=other_cooperative, date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31)
    )

    assert as_tuples(report) == [("CV Pasar Raya", 1, 1, 70_000, 0, Decimal("0.00"), 0)]


def test_a_partners_settlement_per_cooperative(
    cooperative, other_cooperative, other_partner, march
):
    settlement = partner_settlement(
        partner=other_partner, year=2025, month=3, today=dt.date(2026, 11, 28)
    )

    rows = {r.id: (r.count, r.members, r.amount, r.commission) for r in settlement.report.rows}
    assert rows == {cooperative.pk: (1, 1, 20_050, 200), other_cooperative.pk: (1, 1, 70_000, 0)}
    report = settlement.report
    assert (report.count, report.members, report.amount, report.commission) == (2, 2, 90_050, 200)
    assert settlement.provisional is False
    assert [p.amount for p in settlement.purchases] == [20_050, 70_000]


def test_settlement_months_newest_first(partner, march):
    months = partner_settlement_months(partner=partner, today=dt.date(2026, 11, 28))

    assert [(m.first_day, m.count, m.amount, m.commission, m.provisional) for m in months] == [
        (dt.date(2025, 4, 1), 1, 400_000, 10_000, False),
        (dt.date(2025, 3, 1), 3, 183_334, 4_583, False),
        (dt.date(2025, 2, 1), 1, 999_999, 24_999, False),
    ]


def test_the_current_month_is_provisional(partner, owner, buyer):
    record(partner, owner, buyer, 10_000)
    today = timezone.localdate()

    months = partner_settlement_months(partner=partner)
    settlement = partner_settlement(partner=partner, year=today.year, month=today.month)

    assert [(m.first_day, m.amount, m.commission, m.provisional) for m in months] == [
        (today.replace(day=1), 10_000, 250, True)
    ]
    assert settlement.provisional is True


def test_settlement_page_and_csv(partner, owner, cooperative, buyer, other_buyer, march):
    client = english_client(owner)

    page = client.get("/mitra/penyelesaian/2025/3/")
    csv = client.get("/mitra/penyelesaian/2025/3/csv/")

    assert page.status_code == 200
    assert "Settlement statement March 2025" in page.content.decode()
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == 'attachment; filename="settlement-2025-03.csv"'
    name = cooperative.name
    assert csv.content.decode("utf-8-sig").split("\r\n") == [
        "Settlement statement March 2025",
        "Partner,PT Tani Makmur",
        "Period,2025-03-01,2025-03-31",
        "Status,Final",
        "",
        "Cooperative,Purchases,Members,Amount paid,Discount given,Fee (%),Fee due",
        f"{name},3,2,183334,6000,2.5,4583",
        "Total,3,2,183334,6000,,4583",
        "",
        "Date,Cooperative,Member number,Description,Amount paid,Discount given",
        f"2025-03-01 00:30,{name},{buyer.number},Pupuk,100000,5000",
        f"2025-03-15 12:00,{name},{buyer.number},,33333,0",
        f"2025-03-31 23:59,{name},{other_buyer.number},,50001,1000",
        "",
    ]


def test_csv_neutralises_formulas(other_partner, other_owner, march):
    csv = english_client(other_owner).get("/mitra/penyelesaian/2025/3/csv/")

    assert ",'=HYPERLINK(1),20050,0" in csv.content.decode("utf-8-sig")


def test_settlement_pdf(partner, owner, march):
    pdf = english_client(owner).get("/mitra/penyelesaian/2025/3/pdf/")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="settlement-2025-03.pdf"'
    assert pdf.content.startswith(b"%PDF")


def test_no_statement_for_a_month_to_come_or_an_impossible_one(owner):
    client = english_client(owner)
    next_year = timezone.localdate().year + 1

    for path in [f"/mitra/penyelesaian/{next_year}/1/", "/mitra/penyelesaian/2025/13/"]:
        assert client.get(path).status_code == 404, path


def test_board_sales_page_and_csv(cooperative, chair, march):
    client = english_client(chair)
    query = "?from=2025-03-01&to=2025-03-31"

    page = client.get(f"/k/{cooperative.slug}/kelola/mitra/penjualan/{query}")
    csv = client.get(f"/k/{cooperative.slug}/kelola/mitra/penjualan/csv/{query}")

    assert page.status_code == 200
    report = page.context["report"]
    assert (report.count, report.amount, report.commission) == (4, 203_384, 4_783)
    assert csv.content.decode("utf-8-sig").split("\r\n") == [
        "Partner sales",
        f"Cooperative,{cooperative.name}",
        "Period,2025-03-01,2025-03-31",
        "",
        "Partner,Purchases,Members,Amount paid,Discount given,Fee (%),Fee due",
        "CV Pasar Raya,1,1,20050,0,1,200",
        "PT Tani Makmur,3,2,183334,6000,2.5,4583",
        "Total,4,2,203384,6000,,4783",
        "",
    ]


def test_sales_default_to_this_month(cooperative, supervisor, partner, owner, buyer):
    record(partner, owner, buyer, 48_000)
    bought(partner, buyer, 1_000, timezone.now() - dt.timedelta(days=62))
    today = timezone.localdate()

    page = english_client(supervisor).get(f"/k/{cooperative.slug}/kelola/mitra/penjualan/")

    report = page.context["report"]
    assert (report.date_from, report.date_to.month) == (today.replace(day=1), today.month)
    assert as_tuples(report) == [("PT Tani Makmur", 1, 1, 48_000, 0, Decimal("2.50"), 1_200)]


def test_sales_period_is_validated(cooperative, chair):
    page = english_client(chair).get(
        f"/k/{cooperative.slug}/kelola/mitra/penjualan/?from=2025-03-31&to=2025-03-01"
    )

    assert page.status_code == 400
    assert "The end date is before the start date." in page.content.decode()
