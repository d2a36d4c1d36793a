"""The financial reports as CSV, XLSX and PDF, built the way the savings statement files are
(`services.savings.statements`).

Each report first becomes a `ReportTable` (title, period, columns, rows with a style: section
heading, account line, subtotal, total, warning); one writer per format turns tables into a
file. A file may hold one report or all three (one sheet each in XLSX, one after the other in
CSV and PDF). Amounts are whole Rupiah: plain integers in CSV and XLSX, so spreadsheets can add
them up, `Rp 1.250.000` in the PDF. Text a spreadsheet would take for a formula is neutralised.
Labels follow the active language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape

from django.utils.translation import gettext as _

from koperasi.money import format_rupiah
from services.ledger.periods import day_label
from services.reports.statements import (
    BalanceSheet,
    IncomeStatement,
    Reports,
    Section,
    TrialBalance,
    TrialBalanceLine,
)
from services.savings.statements import safe_text, xlsx_text

#: The reports, by the name their files and URLs carry.
REPORT_KEYS = ("neraca-saldo", "neraca", "phu")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

LINE, SECTION, SUBTOTAL, TOTAL, WARNING = "line", "section", "subtotal", "total", "warning"


@dataclass(frozen=True)
class Row:
    cells: list
    style: str = LINE


@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    period: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    amount_from: int = 2  # the first column holding Rupiah amounts


def period_text(start: dt.date | None, end: dt.date) -> str:
    if start is None:
        return _("As of %(day)s") % {"day": day_label(end)}
    return f"{day_label(start)} \N{EN DASH} {day_label(end)}"


def _tb_cells(line: TrialBalanceLine) -> list:
    return list(line.amounts)


def trial_balance_table(report: TrialBalance) -> ReportTable:
    rows: list[Row] = []
    for section in report.sections:
        rows.append(Row([section.label], SECTION))
        rows.extend(Row([line.code, line.name, *_tb_cells(line)]) for line in section.lines)
        rows.append(Row(["", section.total.name, *_tb_cells(section.total)], SUBTOTAL))
    rows.append(Row(["", _("Total"), *_tb_cells(report.total)], TOTAL))
    if not report.balanced:
        rows.append(Row(["", _("Debits and credits differ: check the ledger.")], WARNING))
    return ReportTable(
        key="neraca-saldo",
        title=_("Trial balance (neraca saldo)"),
        period=period_text(report.start, report.end),
        columns=[
            _("Code"),
            _("Account"),
            _("Opening debit"),
            _("Opening credit"),
            _("Debit"),
            _("Credit"),
            _("Closing debit"),
            _("Closing credit"),
        ],
        rows=rows,
    )


def _section_rows(section: Section, total_label: str) -> list[Row]:
    return [
        Row([section.label], SECTION),
        *(Row([line.code, line.name, line.amount]) for line in section.lines),
        Row(["", total_label, section.total], SUBTOTAL),
    ]


def balance_sheet_table(report: BalanceSheet) -> ReportTable:
    rows = [
        *_section_rows(report.assets, _("Total assets")),
        *_section_rows(report.liabilities, _("Total liabilities")),
        *_section_rows(report.equity, _("Total equity")),
        Row(["", _("Total liabilities and equity"), report.total_liabilities_and_equity], TOTAL),
    ]
    if not report.balanced:
        rows.append(
            Row(
                ["", _("Does not balance: assets less liabilities and equity"), report.difference],
                WARNING,
            )
        )
    return ReportTable(
        key="neraca",
        title=_("Balance sheet (neraca)"),
        period=period_text(None, report.as_of),
        columns=[_("Code"), _("Account"), _("Amount")],
        rows=rows,
    )


def income_statement_table(report: IncomeStatement) -> ReportTable:
    surplus_label = _("Surplus (SHU)") if report.surplus >= 0 else _("Deficit")
    rows = [
        *_section_rows(report.income, _("Total income")),
        *_section_rows(report.expenses, _("Total expenses")),
        Row(["", surplus_label, report.surplus], TOTAL),
    ]
    return ReportTable(
        key="phu",
        title=_("Income statement (perhitungan hasil usaha)"),
        period=period_text(report.start, report.end),
        columns=[_("Code"), _("Account"), _("Amount")],
        rows=rows,
    )


def tables_for(reports: Reports, key: str) -> list[ReportTable]:
    """One report's table (`neraca-saldo`, `neraca`, `phu`), or all three (`semua`)."""
    builders: dict[str, Callable[[], ReportTable]] = {
        "neraca-saldo": lambda: trial_balance_table(reports.trial_balance),
        "neraca": lambda: balance_sheet_table(reports.balance_sheet),
        "phu": lambda: income_statement_table(reports.income_statement),
    }
    keys = REPORT_KEYS if key == "semua" else (key,)
    return [builders[k]() for k in keys]


def filename(cooperative_slug: str, key: str, start: dt.date, end: dt.date, fmt: str) -> str:
    return f"{key}-{cooperative_slug}-{start.isoformat()}-{end.isoformat()}.{fmt}"


def _head(table: ReportTable, cooperative_name: str, text: Callable[[str], str]) -> list[list]:
    return [
        [table.title],
        [_("Cooperative"), text(cooperative_name)],
        [_("Period"), table.period],
        [],
        table.columns,
    ]


def _cells(row: Row, text: Callable[[str], str]) -> list:
    return [text(value) if isinstance(value, str) else value for value in row.cells]


def _plain(value) -> str:
    return "" if value is None else str(value)


def report_csv(tables: Sequence[ReportTable], *, cooperative_name: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        for row in _head(table, cooperative_name, safe_text):
            writer.writerow([_plain(value) for value in row])
        for row in table.rows:
            writer.writerow([_plain(value) for value in _cells(row, safe_text)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(tables: Sequence[ReportTable], *, cooperative_name: str) -> bytes:
    """One sheet per report."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    warning_fill = PatternFill("solid", fgColor="FDE4E1")
    for table in tables:
        sheet = workbook.create_sheet(title=table.key[:31])
        for row in _head(table, cooperative_name, xlsx_text):
            sheet.append(row)
        sheet["A1"].font = Font(bold=True, size=14)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        first_body_row = sheet.max_row + 1
        for row in table.rows:
            sheet.append(_cells(row, xlsx_text))
            if row.style != LINE:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
                    if row.style == WARNING:
                        cell.fill = warning_fill
        for cells in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
            for cell in cells:
                if cell.data_type == "f":
                    cell.data_type = "s"  # text that looks like a formula stays text
                elif isinstance(cell.value, int) and cell.column > table.amount_from:
                    cell.number_format = "#,##0;-#,##0"
        sheet.column_dimensions["A"].width = 10
        sheet.column_dimensions["B"].width = 44
        for index in range(table.amount_from, len(table.columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 16
        sheet.freeze_panes = sheet.cell(row=first_body_row, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_pdf(tables: Sequence[ReportTable], *, cooperative_name: str) -> bytes:
    """A4, each report on its own page (landscape for the trial balance's eight columns)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )

    styles = getSampleStyleSheet()
    margin = 15 * mm

    def page(name: str, size) -> PageTemplate:
        width, height = size
        body = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id=name)
        return PageTemplate(id=name, frames=[body], pagesize=size)

    def template_of(table: ReportTable) -> str:
        return "landscape" if len(table.columns) > 4 else "portrait"

    sizes = {"portrait": A4, "landscape": landscape(A4)}
    first = template_of(tables[0])
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=sizes[first],
        title=" · ".join(table.title for table in tables),
        author=cooperative_name,
        # the first template is the first page's
        pageTemplates=[page(name, sizes[name]) for name in sorted(sizes, key=lambda n: n != first)],
    )
    story: list = []
    for number, table in enumerate(tables):
        name = template_of(table)
        if number:
            story += [NextPageTemplate(name), PageBreak()]
        story += [
            Paragraph(xml_escape(table.title), styles["Title"]),
            Paragraph(xml_escape(f"{cooperative_name} · {table.period}"), styles["BodyText"]),
            Spacer(1, 4 * mm),
            _pdf_table(table, width=sizes[name][0] - 2 * margin),
        ]
    document.build(story)
    return buffer.getvalue()


def _pdf_table(table: ReportTable, *, width: float):
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    small = getSampleStyleSheet()["BodyText"].clone("small", fontSize=8, leading=10)
    small_bold = small.clone("small_bold", fontName="Helvetica-Bold")
    amounts = len(table.columns) - table.amount_from
    amount_width = 28 * mm if amounts > 1 else 40 * mm
    code_width = 16 * mm
    name_width = width - code_width - amounts * amount_width
    data: list[list] = [table.columns]
    commands: list[tuple] = [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("ALIGN", (table.amount_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
    ]
    for row in table.rows:
        index = len(data)
        style = small if row.style == LINE else small_bold
        cells = [*row.cells, *[""] * (len(table.columns) - len(row.cells))]
        if row.style == SECTION:
            data.append([Paragraph(xml_escape(str(cells[0])), style), *[""] * (len(cells) - 1)])
            commands += [
                ("SPAN", (0, index), (-1, index)),
                ("TOPPADDING", (0, index), (-1, index), 6),
            ]
            continue
        data.append(
            [
                str(cells[0]),
                Paragraph(xml_escape(str(cells[1])), style),
                *(
                    # the trial balance leaves its many zero cells blank, as on the page
                    format_rupiah(value) if value or amounts == 1 else ""
                    for value in cells[table.amount_from :]
                ),
            ]
        )
        if row.style != LINE:
            commands.append(("FONTNAME", (0, index), (-1, index), "Helvetica-Bold"))
        if row.style == SUBTOTAL:
            commands.append(("LINEABOVE", (0, index), (-1, index), 0.4, colors.grey))
        elif row.style == TOTAL:
            commands.append(("LINEABOVE", (0, index), (-1, index), 0.8, colors.black))
        elif row.style == WARNING:
            commands.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#fde4e1")))
    pdf_table = Table(
        data, colWidths=[code_width, name_width, *[amount_width] * amounts], repeatRows=1
    )
    pdf_table.setStyle(TableStyle(commands))
    return pdf_table


BUILDERS = {"csv": report_csv, "xlsx": report_xlsx, "pdf": report_pdf}
