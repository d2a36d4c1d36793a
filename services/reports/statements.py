"""Financial reports from the ledger: trial balance (neraca saldo), balance sheet (neraca) and
income statement (perhitungan hasil usaha, PHU), for any period.

All three come from one aggregate query (`_figures`) that gives each general-ledger account of
the chart its opening balance, its debits and credits in the period, and its closing balance.
Members' savings accounts are rolled up into their control account (2101, 3101, 3102), so a
report has a handful of rows whatever the number of members. The closing balance is read from
the stored balances less what was posted after the period (cheap for recent periods, and the
same single statement so it reads one consistent snapshot); the opening is the closing less
the period's movement.

Signs: a figure is signed as a posting is, debit positive. Reports show each account in its
natural sign (assets and expenses as debits, the rest as credits).

Surplus: the books have no closing entries (income and expense accounts are never zeroed into
the reserve), so the balance sheet shows the surplus of the fiscal year to date, and any
surplus of earlier fiscal years, as equity lines. Assets = liabilities + equity then holds by
double entry; if it does not (a broken ledger), the difference is reported, never hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from koperasi.models import Cooperative
from services.ledger.models import Account
from services.participation.shu import fiscal_year_bounds

T = Account.Type
SECTION_ORDER = (T.ASSET, T.LIABILITY, T.EQUITY, T.INCOME, T.EXPENSE)
DEBIT_NORMAL = {T.ASSET, T.EXPENSE}

FIGURES_SQL = """
WITH stored AS (
    SELECT COALESCE(CASE WHEN a.member_id IS NOT NULL THEN a.parent_id END, a.id) AS gl_id,
           SUM(a.balance * a.normal_sign) AS signed_now
      FROM services_account a
     WHERE a.cooperative_id = %(coop)s
     GROUP BY COALESCE(CASE WHEN a.member_id IS NOT NULL THEN a.parent_id END, a.id)
),
moved AS (
    SELECT COALESCE(CASE WHEN a.member_id IS NOT NULL THEN a.parent_id END, a.id) AS gl_id,
           SUM(CASE WHEN e.date > %(end)s THEN p.amount ELSE 0 END) AS after_end,
           SUM(CASE WHEN e.date <= %(end)s AND p.amount > 0 THEN p.amount ELSE 0 END) AS debit,
           SUM(CASE WHEN e.date <= %(end)s AND p.amount < 0 THEN -p.amount ELSE 0 END)
               AS credit
      FROM services_journalentry e
      JOIN services_posting p ON p.entry_id = e.id
      JOIN services_account a ON a.id = p.account_id
     WHERE e.cooperative_id = %(coop)s AND e.date >= %(start)s
     GROUP BY COALESCE(CASE WHEN a.member_id IS NOT NULL THEN a.parent_id END, a.id)
)
SELECT g.code, g.name, g.type,
       CAST(COALESCE(s.signed_now, 0) AS BIGINT),
       CAST(COALESCE(m.after_end, 0) AS BIGINT),
       CAST(COALESCE(m.debit, 0) AS BIGINT),
       CAST(COALESCE(m.credit, 0) AS BIGINT)
  FROM services_account g
  LEFT JOIN stored s ON s.gl_id = g.id
  LEFT JOIN moved m ON m.gl_id = g.id
 WHERE g.cooperative_id = %(coop)s AND g.member_id IS NULL
 ORDER BY g.code
"""


@dataclass(frozen=True)
class Figures:
    """One general-ledger account over a period, signed debit positive."""

    code: str
    name: str
    type: str
    opening: int
    debit: int
    credit: int
    closing: int

    @property
    def movement(self) -> int:
        return self.debit - self.credit


def _figures(*, cooperative: Cooperative, start: dt.date, end: dt.date) -> list[Figures]:
    """Every general-ledger account of the cooperative with its figures for [start, end]; one
    query."""
    with connection.cursor() as cursor:
        cursor.execute(FIGURES_SQL, {"coop": cooperative.pk, "start": start, "end": end})
        rows = cursor.fetchall()
    figures = []
    for code, name, account_type, signed_now, after_end, debit, credit in rows:
        closing = int(signed_now) - int(after_end)
        figures.append(
            Figures(
                code=code,
                name=_(name),  # the chart's names are msgids (gettext_noop in chart.py)
                type=account_type,
                opening=closing - (int(debit) - int(credit)),
                debit=int(debit),
                credit=int(credit),
                closing=closing,
            )
        )
    return figures


def type_label(account_type: str) -> str:
    return {
        T.ASSET: _("Assets"),
        T.LIABILITY: _("Liabilities"),
        T.EQUITY: _("Equity"),
        T.INCOME: _("Income"),
        T.EXPENSE: _("Expenses"),
    }[account_type]


def total_label(account_type: str) -> str:
    return {
        T.ASSET: _("Total assets"),
        T.LIABILITY: _("Total liabilities"),
        T.EQUITY: _("Total equity"),
        T.INCOME: _("Total income"),
        T.EXPENSE: _("Total expenses"),
    }[account_type]


def fiscal_year_of(cooperative: Cooperative, day: dt.date) -> int:
    """The fiscal year (named by the calendar year it ends in) that contains `day`."""
    start_month = cooperative.fiscal_year_start_month or 1
    if start_month == 1 or day.month < start_month:
        return day.year
    return day.year + 1


def fiscal_year_start(cooperative: Cooperative, day: dt.date) -> dt.date:
    return fiscal_year_bounds(cooperative, fiscal_year_of(cooperative, day))[0]


# --- trial balance ------------------------------------------------------------------------------


def _dr(amount: int) -> int:
    return amount if amount > 0 else 0


def _cr(amount: int) -> int:
    return -amount if amount < 0 else 0


@dataclass(frozen=True)
class TrialBalanceLine:
    code: str
    name: str
    opening_debit: int
    opening_credit: int
    debit: int
    credit: int
    closing_debit: int
    closing_credit: int

    @property
    def amounts(self) -> tuple[int, ...]:
        return (
            self.opening_debit,
            self.opening_credit,
            self.debit,
            self.credit,
            self.closing_debit,
            self.closing_credit,
        )


@dataclass(frozen=True)
class TrialBalanceSection:
    type: str
    label: str
    lines: list[TrialBalanceLine]
    total: TrialBalanceLine


def _sum_lines(lines: list[TrialBalanceLine], *, code: str = "", name: str = ""):
    return TrialBalanceLine(
        code=code,
        name=name,
        opening_debit=sum(line.opening_debit for line in lines),
        opening_credit=sum(line.opening_credit for line in lines),
        debit=sum(line.debit for line in lines),
        credit=sum(line.credit for line in lines),
        closing_debit=sum(line.closing_debit for line in lines),
        closing_credit=sum(line.closing_credit for line in lines),
    )


@dataclass(frozen=True)
class TrialBalance:
    """Neraca saldo: each account's opening balance, the period's debits and credits, and the
    closing balance, each balance in the debit or the credit column."""

    start: dt.date
    end: dt.date
    sections: list[TrialBalanceSection]
    total: TrialBalanceLine

    @property
    def balanced(self) -> bool:
        total = self.total
        return (
            total.debit == total.credit
            and total.opening_debit == total.opening_credit
            and total.closing_debit == total.closing_credit
        )


def _trial_balance(figures: list[Figures], *, start: dt.date, end: dt.date) -> TrialBalance:
    sections = []
    for account_type in SECTION_ORDER:
        lines = [
            TrialBalanceLine(
                code=f.code,
                name=f.name,
                opening_debit=_dr(f.opening),
                opening_credit=_cr(f.opening),
                debit=f.debit,
                credit=f.credit,
                closing_debit=_dr(f.closing),
                closing_credit=_cr(f.closing),
            )
            for f in figures
            if f.type == account_type
        ]
        label = type_label(account_type)
        sections.append(
            TrialBalanceSection(
                type=account_type,
                label=label,
                lines=lines,
                total=_sum_lines(lines, name=total_label(account_type)),
            )
        )
    total = _sum_lines([s.total for s in sections], name=_("Total"))
    return TrialBalance(start=start, end=end, sections=sections, total=total)


def trial_balance(*, cooperative: Cooperative, start: dt.date, end: dt.date) -> TrialBalance:
    """Neraca saldo for [start, end]; one query."""
    return _trial_balance(
        _figures(cooperative=cooperative, start=start, end=end), start=start, end=end
    )


# --- balance sheet and income statement ---------------------------------------------------------


@dataclass(frozen=True)
class Line:
    code: str
    name: str
    amount: int


@dataclass(frozen=True)
class Section:
    type: str
    label: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def _natural(f: Figures, amount: int) -> int:
    """A debit-positive amount in the account's natural sign."""
    return amount if f.type in DEBIT_NORMAL else -amount


@dataclass(frozen=True)
class BalanceSheet:
    """Neraca as of a day: assets = liabilities + equity, the equity including the surplus of
    the fiscal year to date (and any surplus of earlier years not closed to the reserve)."""

    as_of: dt.date
    fiscal_year_start: dt.date
    assets: Section
    liabilities: Section
    equity: Section
    surplus_earlier: int
    surplus_current: int

    @property
    def total_assets(self) -> int:
        return self.assets.total

    @property
    def total_liabilities_and_equity(self) -> int:
        return self.liabilities.total + self.equity.total

    @property
    def difference(self) -> int:
        return self.total_assets - self.total_liabilities_and_equity

    @property
    def balanced(self) -> bool:
        return self.difference == 0


def _balance_sheet(figures: list[Figures], *, as_of: dt.date, fy_start: dt.date) -> BalanceSheet:
    """`figures` must run from the fiscal year's first day to `as_of`."""

    def section(account_type: str) -> Section:
        return Section(
            type=account_type,
            label=type_label(account_type),
            lines=[
                Line(code=f.code, name=f.name, amount=_natural(f, f.closing))
                for f in figures
                if f.type == account_type
            ],
        )

    results = [f for f in figures if f.type in (T.INCOME, T.EXPENSE)]
    surplus_earlier = -sum(f.opening for f in results)
    surplus_current = -sum(f.movement for f in results)
    equity = section(T.EQUITY)
    if surplus_earlier:
        equity.lines.append(
            Line(
                code="", name=_("Surplus of earlier years, not yet closed"), amount=surplus_earlier
            )
        )
    equity.lines.append(
        Line(code="", name=_("Surplus (SHU) of this fiscal year to date"), amount=surplus_current)
    )
    return BalanceSheet(
        as_of=as_of,
        fiscal_year_start=fy_start,
        assets=section(T.ASSET),
        liabilities=section(T.LIABILITY),
        equity=equity,
        surplus_earlier=surplus_earlier,
        surplus_current=surplus_current,
    )


def balance_sheet(*, cooperative: Cooperative, as_of: dt.date) -> BalanceSheet:
    """Neraca at the end of `as_of`; one query."""
    fy_start = fiscal_year_start(cooperative, as_of)
    figures = _figures(cooperative=cooperative, start=fy_start, end=as_of)
    return _balance_sheet(figures, as_of=as_of, fy_start=fy_start)


@dataclass(frozen=True)
class IncomeStatement:
    """Perhitungan hasil usaha (PHU): the period's income less its expenses."""

    start: dt.date
    end: dt.date
    income: Section
    expenses: Section

    @property
    def surplus(self) -> int:
        """Positive: a surplus (SHU); negative: a deficit."""
        return self.income.total - self.expenses.total


def _income_statement(figures: list[Figures], *, start: dt.date, end: dt.date) -> IncomeStatement:
    def section(account_type: str) -> Section:
        return Section(
            type=account_type,
            label=type_label(account_type),
            lines=[
                Line(code=f.code, name=f.name, amount=_natural(f, f.movement))
                for f in figures
                if f.type == account_type
            ],
        )

    return IncomeStatement(
        start=start, end=end, income=section(T.INCOME), expenses=section(T.EXPENSE)
    )


def income_statement(*, cooperative: Cooperative, start: dt.date, end: dt.date) -> IncomeStatement:
    """PHU for [start, end]; one query."""
    figures = _figures(cooperative=cooperative, start=start, end=end)
    return _income_statement(figures, start=start, end=end)


# --- all three ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reports:
    start: dt.date
    end: dt.date
    trial_balance: TrialBalance
    balance_sheet: BalanceSheet
    income_statement: IncomeStatement


def reports_for_period(*, cooperative: Cooperative, start: dt.date, end: dt.date) -> Reports:
    """The three reports of [start, end], the balance sheet as of `end`. One query when the
    period starts on the first day of its fiscal year, two otherwise."""
    figures = _figures(cooperative=cooperative, start=start, end=end)
    fy_start = fiscal_year_start(cooperative, end)
    sheet_figures = (
        figures if fy_start == start else _figures(cooperative=cooperative, start=fy_start, end=end)
    )
    return Reports(
        start=start,
        end=end,
        trial_balance=_trial_balance(figures, start=start, end=end),
        balance_sheet=_balance_sheet(sheet_figures, as_of=end, fy_start=fy_start),
        income_statement=_income_statement(figures, start=start, end=end),
    )


def reports_for_year(*, cooperative: Cooperative, year: int) -> Reports:
    """The three reports of fiscal year `year` (the twelve months ending in that calendar
    year, as in `fiscal_year_bounds`): for the RAT. One query."""
    start, end = fiscal_year_bounds(cooperative, year)
    return reports_for_period(cooperative=cooperative, start=start, end=end)
