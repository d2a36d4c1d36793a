"""A member's savings statement as CSV, XLSX and PDF, from one `selectors.Statement`.

Each file carries the same header (cooperative, member, number, period, savings kind), the
opening balance, every movement with its running balance, and the closing balance. Amounts
are whole Rupiah: plain integers in CSV and XLSX (so spreadsheets can add them up), formatted
`Rp 1.250.000` in the PDF. Labels follow the active language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from django.utils.translation import gettext as _

from koperasi.money import format_rupiah
from services.savings.selectors import Statement

#: A cell starting with one of these is a formula to Excel and LibreOffice: neutralise it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class StatementHeader:
    cooperative_name: str
    member_name: str
    member_number: int | None


def safe_text(value: str) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV/formula injection)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def filename(header: StatementHeader, statement: Statement, extension: str) -> str:
    return (
        f"statement-{header.member_number or 0}-{statement.date_from.isoformat()}-"
        f"{statement.date_to.isoformat()}.{extension}"
    )


def _kind_text(statement: Statement) -> str:
    return statement.kind_label or _("All savings")


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: openpyxl refuses control characters (an escape typed into a
    name would make the download fail), so they are left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _plain_text(value: str) -> str:
    return xlsx_text(value)


def _header_rows(
    header: StatementHeader, statement: Statement, text: Callable[[str], str] = safe_text
) -> list[list]:
    return [
        [_("Savings statement")],
        [_("Cooperative"), text(header.cooperative_name)],
        [_("Member"), text(header.member_name)],
        [_("Member number"), header.member_number],
        [_("Period"), statement.date_from, statement.date_to],
        [_("Savings"), _kind_text(statement)],
        [],
    ]


def _columns() -> list[str]:
    return [_("Date"), _("Savings"), _("Description"), _("In"), _("Out"), _("Balance")]


def _body_rows(statement: Statement, text: Callable[[str], str] = safe_text) -> list[list]:
    rows: list[list] = [
        [statement.date_from, "", _("Opening balance"), None, None, statement.opening]
    ]
    rows.extend(
        [
            m.date,
            m.kind_label,
            text(m.description),
            m.money_in or None,
            m.money_out or None,
            m.balance,
        ]
        for m in statement.movements
    )
    rows.append(
        [
            statement.date_to,
            "",
            _("Closing balance"),
            statement.total_in,
            statement.total_out,
            statement.closing,
        ]
    )
    return rows


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def statement_csv(header: StatementHeader, statement: Statement) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel on a phone or PC reads the names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in [*_header_rows(header, statement), _columns(), *_body_rows(statement)]:
        writer.writerow([_plain(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_xlsx(header: StatementHeader, statement: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Statement")[:31]
    bold = Font(bold=True)
    for row in _header_rows(header, statement, text=_plain_text):
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(_columns())
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    first_body_row = sheet.max_row + 1
    for row in _body_rows(statement, text=_plain_text):
        sheet.append(row)
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula stays text
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, int) and cell.column >= 4:
                cell.number_format = "#,##0"
    for cell in (*sheet[first_body_row], *sheet[sheet.max_row]):
        cell.font = bold
    for letter, width in zip("ABCDEF", (12, 30, 40, 14, 14, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(row=first_body_row, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def statement_pdf(header: StatementHeader, statement: Statement) -> bytes:
    """A4, one table repeated across pages: small and printable."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)

    def text(value: str):
        return Paragraph(xml_escape(value), small)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Savings statement"),
        author=header.cooperative_name,
    )
    period = f"{statement.date_from:%d-%m-%Y} - {statement.date_to:%d-%m-%Y}"
    details = Table(
        [
            [_("Cooperative"), text(header.cooperative_name)],
            [_("Member"), text(header.member_name)],
            [_("Member number"), str(header.member_number or "")],
            [_("Period"), period],
            [_("Savings"), text(_kind_text(statement))],
        ],
        colWidths=[35 * mm, 145 * mm],
        hAlign="LEFT",
    )
    details.setStyle(
        TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    rows: list[list] = [[_("Date"), _("Description"), _("In"), _("Out"), _("Balance")]]
    for date, kind, description, money_in, money_out, balance in _body_rows(statement):
        label = f"{kind} · {description}" if kind else description
        rows.append(
            [
                f"{date:%d-%m-%Y}",
                text(label),
                format_rupiah(money_in) if money_in else "",
                format_rupiah(money_out) if money_out else "",
                format_rupiah(balance),
            ]
        )
    table = Table(rows, colWidths=[20 * mm, 76 * mm, 28 * mm, 28 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, 1), (-1, 1), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.lightgrey),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    document.build(
        [
            Paragraph(xml_escape(_("Savings statement")), styles["Title"]),
            details,
            Spacer(1, 6 * mm),
            table,
        ]
    )
    return buffer.getvalue()
