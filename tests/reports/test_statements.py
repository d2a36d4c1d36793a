"""The three reports against hand-computed figures (see conftest.py for the ledger)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from services.ledger import chart
from services.ledger.checks import ledger_violations
from services.reports.statements import (
    balance_sheet,
    income_statement,
    reports_for_period,
    reports_for_year,
    trial_balance,
)

pytestmark = pytest.mark.django_db

JAN_1, MAR_31 = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def tb_rows(report) -> dict[str, tuple]:
    """code -> (opening Dr, opening Cr, Dr, Cr, closing Dr, closing Cr)."""
    return {line.code: line.amounts for section in report.sections for line in section.lines}


def amounts(section) -> dict[str, int]:
    return {line.code or line.name: line.amount for line in section.lines}


ZERO = (0, 0, 0, 0, 0, 0)


def test_trial_balance_of_the_first_quarter(cooperative, ledger):
    report = trial_balance(cooperative=cooperative, start=JAN_1, end=MAR_31)

    assert ledger_violations(cooperative=cooperative) == []
    assert tb_rows(report) == {
        chart.CASH: (0, 0, 2_237_000, 1_688_000, 549_000, 0),
        chart.BANK: (0, 0, 100_000, 0, 100_000, 0),
        chart.LOANS_RECEIVABLE: (0, 0, 1_200_000, 100_000, 1_100_000, 0),
        chart.INTEREST_RECEIVABLE: ZERO,
        "2101": (0, 0, 500_000, 2_030_150, 0, 1_530_150),
        chart.SHU_PAYABLE: ZERO,
        "3101": (0, 0, 0, 200_000, 0, 200_000),
        "3102": (0, 0, 0, 25_000, 0, 25_000),
        chart.RESERVE: ZERO,
        chart.OPENING_BALANCE: ZERO,
        chart.LOAN_INTEREST_INCOME: (0, 0, 0, 12_000, 0, 12_000),
        chart.ADMIN_FEE_INCOME: (0, 0, 0, 12_000, 0, 12_000),
        chart.PENALTY_INCOME: ZERO,
        chart.SAVINGS_INTEREST_EXPENSE: (0, 0, 30_150, 0, 30_150, 0),
        chart.OPERATING_EXPENSE: ZERO,
    }
    subtotals = {section.type: section.total.amounts for section in report.sections}
    assert subtotals == {
        "asset": (0, 0, 3_537_000, 1_788_000, 1_749_000, 0),
        "liability": (0, 0, 500_000, 2_030_150, 0, 1_530_150),
        "equity": (0, 0, 0, 225_000, 0, 225_000),
        "income": (0, 0, 0, 24_000, 0, 24_000),
        "expense": (0, 0, 30_150, 0, 30_150, 0),
    }
    assert report.total.amounts == (0, 0, 4_067_150, 4_067_150, 1_779_150, 1_779_150)
    assert report.balanced
    assert [s.label for s in report.sections] == [
        "Assets",
        "Liabilities",
        "Equity",
        "Income",
        "Expenses",
    ]
    names = {line.code: line.name for s in report.sections for line in s.lines}
    assert names["2101"] == "Voluntary savings (simpanan sukarela)"


def test_trial_balance_of_march_opens_with_january_and_february(cooperative, ledger):
    report = trial_balance(
        cooperative=cooperative, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
    )

    rows = tb_rows(report)
    assert rows[chart.CASH] == (437_000, 0, 112_000, 0, 549_000, 0)
    assert rows["2101"] == (0, 1_515_000, 0, 15_150, 0, 1_530_150)
    assert rows[chart.LOANS_RECEIVABLE] == (1_200_000, 0, 0, 100_000, 1_100_000, 0)
    assert rows[chart.ADMIN_FEE_INCOME] == (0, 12_000, 0, 0, 0, 12_000)
    assert rows[chart.SAVINGS_INTEREST_EXPENSE] == (15_000, 0, 15_150, 0, 30_150, 0)
    assert report.total.amounts == (
        1_752_000,
        1_752_000,
        127_150,
        127_150,
        1_779_150,
        1_779_150,
    )


def test_an_entry_just_after_the_period_is_left_out_and_counted_in_the_next(cooperative, ledger):
    march = trial_balance(cooperative=cooperative, start=dt.date(2026, 3, 1), end=MAR_31)
    april = trial_balance(
        cooperative=cooperative, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30)
    )
    from_april_first = trial_balance(
        cooperative=cooperative, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 1)
    )

    assert tb_rows(march)[chart.CASH][4] == 549_000  # the 300.000 of 1 April is not in March
    assert tb_rows(april)[chart.CASH] == (549_000, 0, 300_000, 0, 849_000, 0)
    assert tb_rows(april)["2101"] == (0, 1_530_150, 0, 300_000, 0, 1_830_150)
    assert tb_rows(from_april_first) == tb_rows(april)


def test_balance_sheet_balances_with_the_years_deficit_in_equity(cooperative, ledger):
    sheet = balance_sheet(cooperative=cooperative, as_of=MAR_31)

    assert amounts(sheet.assets) == {
        chart.CASH: 549_000,
        chart.BANK: 100_000,
        chart.LOANS_RECEIVABLE: 1_100_000,
        chart.INTEREST_RECEIVABLE: 0,
    }
    assert sheet.total_assets == 1_749_000
    assert amounts(sheet.liabilities) == {"2101": 1_530_150, chart.SHU_PAYABLE: 0}
    assert sheet.liabilities.total == 1_530_150
    assert amounts(sheet.equity) == {
        "3101": 200_000,
        "3102": 25_000,
        chart.RESERVE: 0,
        chart.OPENING_BALANCE: 0,
        "Surplus (SHU) of this fiscal year to date": -6_150,
    }
    assert sheet.equity.total == 218_850
    assert sheet.total_liabilities_and_equity == 1_749_000
    assert (sheet.surplus_current, sheet.surplus_earlier) == (-6_150, 0)
    assert sheet.balanced
    assert sheet.difference == 0
    assert sheet.fiscal_year_start == JAN_1


def test_balance_sheet_on_a_day_before_everything_is_empty_and_balanced(cooperative, ledger):
    sheet = balance_sheet(cooperative=cooperative, as_of=dt.date(2025, 12, 31))

    assert sheet.total_assets == sheet.total_liabilities_and_equity == 0
    assert sheet.balanced


def test_income_statement_of_the_quarter_and_of_march(cooperative, ledger):
    quarter = income_statement(cooperative=cooperative, start=JAN_1, end=MAR_31)
    march = income_statement(cooperative=cooperative, start=dt.date(2026, 3, 1), end=MAR_31)

    assert amounts(quarter.income) == {
        chart.LOAN_INTEREST_INCOME: 12_000,
        chart.ADMIN_FEE_INCOME: 12_000,
        chart.PENALTY_INCOME: 0,
    }
    assert amounts(quarter.expenses) == {
        chart.SAVINGS_INTEREST_EXPENSE: 30_150,
        chart.OPERATING_EXPENSE: 0,
    }
    assert (quarter.income.total, quarter.expenses.total, quarter.surplus) == (
        24_000,
        30_150,
        -6_150,
    )
    assert (march.income.total, march.expenses.total, march.surplus) == (12_000, 15_150, -3_150)


def test_a_fiscal_year_from_july_reports_earlier_surplus_apart(cooperative, ledger):
    cooperative.fiscal_year_start_month = 7
    cooperative.save(update_fields=["fiscal_year_start_month"])

    year_2026 = reports_for_year(cooperative=cooperative, year=2026)  # Jul 2025 - Jun 2026
    sheet = balance_sheet(cooperative=cooperative, as_of=dt.date(2026, 8, 31))

    assert (year_2026.start, year_2026.end) == (dt.date(2025, 7, 1), dt.date(2026, 6, 30))
    assert year_2026.income_statement.surplus == -6_150
    assert year_2026.balance_sheet.as_of == dt.date(2026, 6, 30)
    assert year_2026.balance_sheet.total_assets == 2_049_000  # with April's 300.000
    assert sheet.fiscal_year_start == dt.date(2026, 7, 1)
    assert (sheet.surplus_earlier, sheet.surplus_current) == (-6_150, 0)
    assert amounts(sheet.equity)["Surplus of earlier years, not yet closed"] == -6_150
    assert sheet.total_liabilities_and_equity == sheet.total_assets == 2_049_000


def test_reports_for_the_calendar_year_hold_all_three(cooperative, ledger):
    reports = reports_for_year(cooperative=cooperative, year=2026)

    assert (reports.start, reports.end) == (JAN_1, dt.date(2026, 12, 31))
    assert tb_rows(reports.trial_balance)[chart.CASH] == (0, 0, 2_537_000, 1_688_000, 849_000, 0)
    assert reports.balance_sheet.total_assets == 2_049_000
    assert reports.balance_sheet.liabilities.total == 1_830_150
    assert reports.balance_sheet.balanced
    assert reports.income_statement.surplus == -6_150


def test_each_report_is_one_query_whatever_the_members(
    cooperative, ledger, django_assert_num_queries
):
    with django_assert_num_queries(1):
        trial_balance(cooperative=cooperative, start=JAN_1, end=MAR_31)
    with django_assert_num_queries(1):
        balance_sheet(cooperative=cooperative, as_of=MAR_31)
    with django_assert_num_queries(1):
        income_statement(cooperative=cooperative, start=JAN_1, end=MAR_31)
    with django_assert_num_queries(1):
        reports_for_year(cooperative=cooperative, year=2026)
    with django_assert_num_queries(2):  # the balance sheet needs the fiscal year from 1 January
        reports_for_period(cooperative=cooperative, start=dt.date(2026, 3, 1), end=MAR_31)


def test_another_cooperatives_books_never_show(cooperative, other_cooperative, ledger, chair):
    from services.ledger.chart import chart_install

    chart_install(cooperative=other_cooperative)
    report = reports_for_year(cooperative=other_cooperative, year=2026)

    assert report.trial_balance.total.amounts == ZERO
    assert report.balance_sheet.total_assets == 0
    assert report.income_statement.surplus == 0
