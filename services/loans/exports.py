"""Loan files: the simulator's schedule as CSV, the portfolio as CSV and XLSX.

Amounts are whole Rupiah as plain integers, so that spreadsheets add them up; text that a
spreadsheet would take for a formula is neutralised. CSV is UTF-8 with a byte-order mark, so
Excel reads names right. Labels follow the active language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

from services.loans.models import Loan, LoanProduct
from services.loans.selectors import Portfolio, totals_of
from services.savings.statements import safe_text, xlsx_text


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv(rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_plain(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def schedule_rows(*, cooperative_name: str, product: LoanProduct, amount: int, term: int, schedule):
    totals = totals_of(schedule)
    yield [_("Loan simulation")]
    yield [_("Cooperative"), safe_text(cooperative_name)]
    yield [_("Product"), safe_text(product.name)]
    yield [_("Method"), product.get_method_display()]
    yield [_("Interest (% per year)"), product.annual_rate]
    yield [_("Amount"), amount]
    yield [_("Term (months)"), term]
    yield []
    yield [_("No."), _("Due"), _("Principal"), _("Interest"), _("Installment"), _("Balance")]
    for row in schedule:
        yield [row.number, row.due_date, row.principal, row.interest, row.payment, row.balance]
    yield [_("Total"), "", totals.principal, totals.interest, totals.payment, ""]


def schedule_csv(**kwargs) -> bytes:
    return _csv(schedule_rows(**kwargs))


def _portfolio_sections(
    portfolio: Portfolio, arrears: Iterable[Loan], text=safe_text
) -> list[list]:
    rows: list[list] = [
        [_("Total outstanding principal"), portfolio.outstanding],
        [_("Loans"), portfolio.loans],
        [_("Outstanding more than 30 days late"), portfolio.at_risk],
        [_("PAR30 (%)"), portfolio.par30_percent],
        [],
        [_("By product"), _("Loans"), _("Outstanding principal")],
        *([text(r.label), r.loans, r.outstanding] for r in portfolio.by_product),
        [],
        [_("By grade (kolektibilitas)"), _("Loans"), _("Outstanding principal")],
        *([r.label, r.loans, r.outstanding] for r in portfolio.by_grade),
        [],
        [_("Loans in arrears")],
        [
            _("Loan"),
            _("Member number"),
            _("Member"),
            _("Phone"),
            _("Product"),
            _("Days past due"),
            _("Grade"),
            _("Outstanding principal"),
        ],
    ]
    rows.extend(
        [
            loan.pk,
            loan.member.number,
            text(loan.member.full_name),
            text(loan.member.phone),
            text(loan.product.name),
            loan.days_past_due,
            loan.get_grade_display(),
            loan.outstanding_principal,
        ]
        for loan in arrears
    )
    return rows


def _title(cooperative_name: str, today: dt.date, text=safe_text) -> list[list]:
    return [[_("Loan portfolio")], [_("Cooperative"), text(cooperative_name)], [_("Date"), today]]


def portfolio_csv(
    *, cooperative_name: str, today: dt.date, portfolio: Portfolio, arrears: Iterable[Loan]
) -> bytes:
    return _csv([*_title(cooperative_name, today), [], *_portfolio_sections(portfolio, arrears)])


def portfolio_xlsx(
    *, cooperative_name: str, today: dt.date, portfolio: Portfolio, arrears: Iterable[Loan]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Portfolio")[:31]
    plain = xlsx_text
    head = [*_title(cooperative_name, today, text=plain), []]
    sections = _portfolio_sections(portfolio, [], text=plain)
    arrears_rows = _portfolio_sections(portfolio, arrears, text=plain)[len(sections) :]
    for row in [*head, *sections, *arrears_rows]:
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    first_arrears_row = len(head) + len(sections) + 1
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, int) and (
                cell.row < first_arrears_row or cell.column_letter == "H"
            ):
                cell.number_format = "#,##0"  # amounts; loan and member numbers stay plain
    for letter, width in zip("ABCDEFGH", (34, 14, 30, 18, 24, 14, 30, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
