"""The reports page, the downloads and the close page: who sees what, and what they show."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from koperasi.models import Event
from services.ledger.models import PeriodClose
from services.reports import statements
from services.reports.statements import BalanceSheet, Line, Section
from services.savings.models import MonthEndRun
from tests.conftest import client_for
from tests.factories import CooperativeFactory, RoleFactory, make_member
from tests.reports.conftest import english
from tests.services.helpers import books

pytestmark = pytest.mark.django_db

Q1 = "period=quarter&year=2026&quarter=1"


def url(cooperative, path: str = "") -> str:
    return f"/k/{cooperative.slug}/kelola/laporan/{path}"


def row_text(html: str, row_id: str) -> str:
    """The text of one table row, tags stripped, spaces collapsed."""
    import re

    match = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"no row {row_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# --- the reports page ---------------------------------------------------------------------------


def test_the_board_reads_the_three_reports_of_a_quarter(cooperative, ledger, board):
    response = board.get(url(cooperative), {"period": "quarter", "year": 2026, "quarter": 1})

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 January 2026 \N{EN DASH} 31 March 2026" in html
    assert row_text(html, "bs-1101") == "1101 Cash Rp 549.000"
    assert row_text(html, "bs-total-asset") == "Total assets Rp 1.749.000"
    assert row_text(html, "bs-total-liability") == "Total liabilities Rp 1.530.150"
    assert row_text(html, "bs-equity-5") == "Surplus (SHU) of this fiscal year to date -Rp 6.150"
    assert row_text(html, "bs-total-equity") == "Total equity Rp 218.850"
    assert row_text(html, "bs-total-liabilities-equity") == (
        "Total liabilities and equity Rp 1.749.000"
    )
    assert 'id="bs-warning"' not in html
    assert row_text(html, "phu-4101") == "4101 Loan interest income Rp 12.000"
    assert row_text(html, "phu-total-income") == "Total income Rp 24.000"
    assert row_text(html, "phu-total-expense") == "Total expenses Rp 30.150"
    assert row_text(html, "phu-surplus") == "Deficit -Rp 6.150"
    assert row_text(html, "tb-1101") == "1101 Cash Rp 2.237.000 Rp 1.688.000 Rp 549.000"
    assert row_text(html, "tb-2101") == (
        "2101 Voluntary savings (simpanan sukarela) Rp 500.000 Rp 2.030.150 Rp 1.530.150"
    )
    assert row_text(html, "tb-total") == (
        "Total Rp 4.067.150 Rp 4.067.150 Rp 1.779.150 Rp 1.779.150"
    )
    assert 'id="tb-warning"' not in html


def test_the_default_period_is_this_fiscal_year_to_date(cooperative, ledger, board):
    today = timezone.localdate()

    html = board.get(url(cooperative)).content.decode()

    assert f"1 January {today.year} \N{EN DASH} {today.day} {today:%B} {today.year}" in html
    assert row_text(html, "bs-1101") == "1101 Cash Rp 849.000"  # April's deposit included
    assert "period=custom&amp;start=2026-01-01&amp;end=" in html  # the download links


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ({"period": "month", "month": "2026-03"}, "1 March 2026 \N{EN DASH} 31 March 2026"),
        ({"period": "year", "year": "2025"}, "1 January 2025 \N{EN DASH} 31 December 2025"),
        (
            {"period": "custom", "start": "2026-02-02", "end": "2026-03-02"},
            "2 February 2026 \N{EN DASH} 2 March 2026",
        ),
    ],
)
def test_the_period_picker(cooperative, ledger, board, query, label):
    response = board.get(url(cooperative), query)

    assert response.status_code == 200
    assert label in response.content.decode()


def test_march_alone_leaves_february_out_of_the_income_statement(cooperative, ledger, board):
    html = board.get(url(cooperative), {"period": "month", "month": "2026-03"}).content.decode()

    assert row_text(html, "phu-4102") == "4102 Loan admin fees Rp 0"
    assert row_text(html, "phu-surplus") == "Deficit -Rp 3.150"
    assert row_text(html, "tb-1101") == "1101 Cash Rp 437.000 Rp 112.000 Rp 549.000"


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ({"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}, "end", "before"),
        ({"period": "month", "month": "March"}, "month", "Enter a month"),
        ({"period": "quarter", "year": "2026"}, "quarter", "Fill this in"),
    ],
)
def test_a_wrong_period_shows_why_and_falls_back(cooperative, ledger, board, query, field, error):
    response = board.get(url(cooperative), query)

    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert 'id="field-' + field + '"' in html
    assert row_text(html, "bs-1101") == "1101 Cash Rp 849.000"  # the fiscal year to date


def test_an_unbalanced_balance_sheet_shows_a_warning_row(cooperative, ledger, board, monkeypatch):
    real = statements.reports_for_period

    def broken(**kwargs):
        reports = real(**kwargs)
        sheet = reports.balance_sheet
        assets = Section(
            type="asset", label="Assets", lines=[*sheet.assets.lines, Line("1999", "Lost", 1_000)]
        )
        broken_sheet = BalanceSheet(
            as_of=sheet.as_of,
            fiscal_year_start=sheet.fiscal_year_start,
            assets=assets,
            liabilities=sheet.liabilities,
            equity=sheet.equity,
            surplus_earlier=sheet.surplus_earlier,
            surplus_current=sheet.surplus_current,
        )
        return statements.Reports(
            start=reports.start,
            end=reports.end,
            trial_balance=reports.trial_balance,
            balance_sheet=broken_sheet,
            income_statement=reports.income_statement,
        )

    monkeypatch.setattr(statements, "reports_for_period", broken)

    html = board.get(url(cooperative), {"period": "month", "month": "2026-03"}).content.decode()

    assert row_text(html, "bs-warning") == (
        "Does not balance: assets less liabilities and equity Rp 1.000"
    )


def test_the_page_costs_the_same_few_queries_whatever_the_members(
    cooperative, ledger, board, django_assert_max_num_queries
):
    for number in range(5):
        make_member(cooperative, full_name=f"Anggota {number}")
    board.get(url(cooperative))  # the session's first page also checks the second factor

    with django_assert_max_num_queries(12):
        board.get(url(cooperative), {"period": "month", "month": "2026-03"})


# --- downloads ----------------------------------------------------------------------------------


def test_trial_balance_csv(cooperative, ledger, board):
    response = board.get(url(cooperative, "unduh/neraca-saldo.csv") + "?" + Q1)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="neraca-saldo-{cooperative.slug}-2026-01-01-2026-03-31.csv"'
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[:5] == [
        ["Trial balance (neraca saldo)"],
        ["Cooperative", cooperative.name],
        ["Period", "1 January 2026 \N{EN DASH} 31 March 2026"],
        [],
        [
            "Code",
            "Account",
            "Opening debit",
            "Opening credit",
            "Debit",
            "Credit",
            "Closing debit",
            "Closing credit",
        ],
    ]
    assert rows[5] == ["Assets"]
    assert rows[6] == ["1101", "Cash", "0", "0", "2237000", "1688000", "549000", "0"]
    assert ["", "Total assets", "0", "0", "3537000", "1788000", "1749000", "0"] in rows
    assert rows[-1] == ["", "Total", "0", "0", "4067150", "4067150", "1779150", "1779150"]


def test_balance_sheet_and_income_statement_csv(cooperative, ledger, board):
    sheet = board.get(url(cooperative, "unduh/neraca.csv") + "?" + Q1).content.decode()
    phu = board.get(url(cooperative, "unduh/phu.csv") + "?" + Q1).content.decode()

    sheet_rows = list(csv.reader(io.StringIO(sheet[1:])))
    assert sheet_rows[2] == ["Period", "As of 31 March 2026"]
    assert sheet_rows[4:] == [
        ["Code", "Account", "Amount"],
        ["Assets"],
        ["1101", "Cash", "549000"],
        ["1102", "Bank", "100000"],
        ["1201", "Loans to members", "1100000"],
        ["1202", "Interest receivable", "0"],
        ["", "Total assets", "1749000"],
        ["Liabilities"],
        ["2101", "Voluntary savings (simpanan sukarela)", "1530150"],
        ["2201", "SHU payable to members", "0"],
        ["", "Total liabilities", "1530150"],
        ["Equity"],
        ["3101", "Principal savings (simpanan pokok)", "200000"],
        ["3102", "Mandatory savings (simpanan wajib)", "25000"],
        ["3201", "Reserve (cadangan)", "0"],
        ["3901", "Opening balances", "0"],
        ["", "Surplus (SHU) of this fiscal year to date", "-6150"],
        ["", "Total equity", "218850"],
        ["", "Total liabilities and equity", "1749000"],
    ]
    phu_rows = list(csv.reader(io.StringIO(phu[1:])))
    assert phu_rows[0] == ["Income statement (perhitungan hasil usaha)"]
    assert phu_rows[4:] == [
        ["Code", "Account", "Amount"],
        ["Income"],
        ["4101", "Loan interest income", "12000"],
        ["4102", "Loan admin fees", "12000"],
        ["4103", "Late penalties (denda)", "0"],
        ["", "Total income", "24000"],
        ["Expenses"],
        ["5101", "Interest on savings (jasa simpanan)", "30150"],
        ["5201", "Operating expenses", "0"],
        ["", "Total expenses", "30150"],
        ["", "Deficit", "-6150"],
    ]


def test_a_name_that_looks_like_a_formula_stays_text_in_csv(cooperative, ledger, board):
    cooperative.name = "=HYPERLINK(1)"
    cooperative.save(update_fields=["name"])

    body = board.get(url(cooperative, "unduh/phu.csv") + "?" + Q1).content.decode()

    assert ["Cooperative", "'=HYPERLINK(1)"] in list(csv.reader(io.StringIO(body[1:])))


def test_xlsx_reads_back_with_the_figures(cooperative, ledger, board):
    response = board.get(url(cooperative, "unduh/semua.xlsx") + "?" + Q1)

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["neraca-saldo", "neraca", "phu"]
    tb = [list(row) for row in workbook["neraca-saldo"].iter_rows(values_only=True)]
    assert tb[0][0] == "Trial balance (neraca saldo)"
    assert tb[6] == ["1101", "Cash", 0, 0, 2_237_000, 1_688_000, 549_000, 0]
    assert tb[-1] == [None, "Total", 0, 0, 4_067_150, 4_067_150, 1_779_150, 1_779_150]
    sheet = {row[1]: row[2] for row in workbook["neraca"].iter_rows(min_row=6, values_only=True)}
    assert sheet["Total assets"] == sheet["Total liabilities and equity"] == 1_749_000
    assert sheet["Surplus (SHU) of this fiscal year to date"] == -6_150
    phu = [list(row) for row in workbook["phu"].iter_rows(values_only=True)]
    assert phu[-1] == [None, "Deficit", -6_150]


def test_pdf_downloads(cooperative, ledger, board):
    for report in ("neraca-saldo", "neraca", "phu", "semua"):
        response = board.get(url(cooperative, f"unduh/{report}.pdf") + "?" + Q1)

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_an_unknown_report_or_format_is_not_found(cooperative, ledger, board):
    assert board.get(url(cooperative, "unduh/kas.csv")).status_code == 404
    assert board.get(url(cooperative, "unduh/neraca.doc")).status_code == 404


# --- who may see ---------------------------------------------------------------------------------


def test_a_supervisor_reads_reports_and_downloads(cooperative, ledger, supervisor):
    client = english(client_for(supervisor))

    assert client.get(url(cooperative), {"period": "month", "month": "2026-03"}).status_code == 200
    assert client.get(url(cooperative, "unduh/neraca.csv") + "?" + Q1).status_code == 200
    page = client.get(url(cooperative, "tutup-buku/"))
    assert page.status_code == 200
    assert "Only the board closes the books." in page.content.decode()


def test_a_supervisor_cannot_close(cooperative, ledger, supervisor):
    before = books()

    response = client_for(supervisor).post(
        url(cooperative, "tutup-buku/tutup/"), {"month": "2026-03", "confirm": "on"}
    )

    assert response.status_code == 403
    assert not PeriodClose.objects.exists()
    assert not Event.objects.filter(kind="period.closed").exists()
    assert books() == before


@pytest.mark.parametrize("role", ["teller", "member"])
def test_tellers_and_members_are_refused(cooperative, ledger, role, request):
    client = client_for(request.getfixturevalue(role))

    for path in ("", "unduh/neraca.csv", "tutup-buku/"):
        assert client.get(url(cooperative, path)).status_code == 403
    assert client.post(url(cooperative, "tutup-buku/tutup/"), {"month": "2026-03"}).status_code == (
        403
    )
    assert not PeriodClose.objects.exists()


def test_another_cooperatives_board_gets_not_found(cooperative, ledger):
    stranger = RoleFactory(cooperative=CooperativeFactory(), kind="board").user
    client = client_for(stranger)

    for path in ("", "unduh/neraca.pdf", "tutup-buku/"):
        assert client.get(url(cooperative, path)).status_code == 404
    assert (
        client.post(
            url(cooperative, "tutup-buku/tutup/"), {"month": "2026-03", "confirm": "on"}
        ).status_code
        == 404
    )
    assert not PeriodClose.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(cooperative, ledger, client):
    response = client.get(url(cooperative))

    assert response.status_code == 302
    assert "/akun/login/" in response["Location"]


# --- closing from the page ----------------------------------------------------------------------


def test_the_board_closes_march_from_the_page(cooperative, ledger, board, chair):
    page = board.get(url(cooperative, "tutup-buku/")).content.decode()
    assert "No period is closed yet" in page
    assert '<option value="2026-03">March 2026</option>' in page
    assert "The month end has not run for:" in page  # April to last month have not run

    response = board.post(
        url(cooperative, "tutup-buku/tutup/"),
        {"month": "2026-03", "note": "Q1 audited", "confirm": "on"},
        follow=True,
    )

    close = PeriodClose.objects.get()
    assert (close.cooperative, close.closed_through, close.closed_by, close.note) == (
        cooperative,
        dt.date(2026, 3, 31),
        chair,
        "Q1 audited",
    )
    html = response.content.decode()
    assert "The books are closed through 31 March 2026." in html
    assert "nothing can be posted dated on or before that day" in html
    assert "Q1 audited" in html
    assert '<option value="2026-03">' not in html  # no longer offered
    reports = board.get(url(cooperative)).content.decode()
    assert "Books closed through 31 March 2026" in reports


def test_closing_a_month_whose_month_end_has_not_run_shows_why(cooperative, ledger, board):
    response = board.post(
        url(cooperative, "tutup-buku/tutup/"), {"month": "2026-04", "confirm": "on"}
    )

    assert response.status_code == 400
    assert "Run the month end of April 2026 first" in response.content.decode()
    assert not PeriodClose.objects.exists()


def test_closing_needs_the_confirmation_and_an_offered_month(cooperative, ledger, board):
    unconfirmed = board.post(url(cooperative, "tutup-buku/tutup/"), {"month": "2026-03"})
    this_month = board.post(
        url(cooperative, "tutup-buku/tutup/"),
        {"month": f"{timezone.localdate():%Y-%m}", "confirm": "on"},
    )

    assert unconfirmed.status_code == this_month.status_code == 400
    assert "This field is required." in unconfirmed.content.decode()
    assert "Select a valid choice." in this_month.content.decode()
    assert not PeriodClose.objects.exists()


# --- the counter, when the books are closed -------------------------------------------------------


def test_the_counter_shows_the_refusal_on_its_form(cooperative, ledger, teller, chair):
    # A close through today cannot be made by the action (the month has not ended); a row can
    # stand for the day when today's date falls in a closed period.
    PeriodClose.objects.create(
        cooperative=cooperative, closed_through=timezone.localdate(), closed_by=chair
    )
    before = books()

    response = english(client_for(teller)).post(
        f"/k/{cooperative.slug}/kelola/kas/",
        {
            "number": ledger.siti.number,
            "direction": "deposit",
            "kind": "sukarela",
            "amount": "50.000",
            "channel": "cash",
            "idempotency_key": "k-closed",
        },
    )

    assert response.status_code == 200
    assert "The books are closed through" in response.content.decode()
    assert books() == before
    assert MonthEndRun.objects.count() == 3
