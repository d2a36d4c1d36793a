"""A partner's monthly settlement statement (CSV and PDF) and a cooperative's partner sales
(CSV), built like the savings statements (services/savings/statements.py): amounts as plain
whole-Rupiah integers in CSV, `Rp 1.250.000` in the PDF; text that a spreadsheet would run as
a formula is neutralised; labels follow the active language."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape as xml_escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from koperasi.money import format_rupiah
from partners.purchases import SalesReport, Settlement
from services.savings.statements import safe_text


def _percent(value) -> str:
    return f"{value.normalize():f}" if value is not None else ""


def _csv_bytes(rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _settlement_title(settlement: Settlement) -> str:
    return _("Settlement statement %(month)s") % {"month": date_format(settlement.first_day, "F Y")}


def _status(settlement: Settlement) -> str:
    return _("Provisional: the month is not over") if settlement.provisional else _("Final")


def settlement_filename(settlement: Settlement, extension: str) -> str:
    return f"settlement-{settlement.year}-{settlement.month:02d}.{extension}"


def _summary_columns() -> list[str]:
    return [
        _("Cooperative"),
        _("Purchases"),
        _("Members"),
        _("Amount paid"),
        _("Discount given"),
        _("Fee (%)"),
        _("Fee due"),
    ]


def settlement_csv(settlement: Settlement) -> bytes:
    report = settlement.report
    rows: list[list] = [
        [_settlement_title(settlement)],
        [_("Partner"), safe_text(settlement.partner.name)],
        [_("Period"), report.date_from.isoformat(), report.date_to.isoformat()],
        [_("Status"), _status(settlement)],
        [],
        _summary_columns(),
    ]
    rows.extend(
        [
            safe_text(r.name),
            r.count,
            r.members,
            r.amount,
            r.discount,
            _percent(r.commission_percent),
            r.commission,
        ]
        for r in report.rows
    )
    rows.append(
        [
            _("Total"),
            report.count,
            report.members,
            report.amount,
            report.discount,
            "",
            report.commission,
        ]
    )
    rows.extend(
        [
            [],
            [
                _("Date"),
                _("Cooperative"),
                _("Member number"),
                _("Description"),
                _("Amount paid"),
                _("Discount given"),
            ],
        ]
    )
    rows.extend(
        [
            timezone.localtime(p.occurred_at).strftime("%Y-%m-%d %H:%M"),
            safe_text(p.cooperative.name),
            p.member.number,
            safe_text(p.description),
            p.amount,
            p.discount,
        ]
        for p in settlement.purchases
    )
    return _csv_bytes(rows)


def sales_filename(report: SalesReport) -> str:
    return f"partner-sales-{report.date_from.isoformat()}-{report.date_to.isoformat()}.csv"


def sales_csv(cooperative_name: str, report: SalesReport) -> bytes:
    rows: list[list] = [
        [_("Partner sales")],
        [_("Cooperative"), safe_text(cooperative_name)],
        [_("Period"), report.date_from.isoformat(), report.date_to.isoformat()],
        [],
        [_("Partner"), *_summary_columns()[1:]],
    ]
    rows.extend(
        [
            safe_text(r.name),
            r.count,
            r.members,
            r.amount,
            r.discount,
            _percent(r.commission_percent),
            r.commission,
        ]
        for r in report.rows
    )
    rows.append(
        [
            _("Total"),
            report.count,
            report.members,
            report.amount,
            report.discount,
            "",
            report.commission,
        ]
    )
    return _csv_bytes(rows)


def settlement_pdf(settlement: Settlement) -> bytes:
    """A4: the month's figures per cooperative, the totals, then every purchase."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    report = settlement.report

    def text(value: str):
        return Paragraph(xml_escape(value), small)

    buffer = io.BytesIO()
    title = _settlement_title(settlement)
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=settlement.partner.name,
    )
    details = Table(
        [
            [_("Partner"), text(settlement.partner.name)],
            [_("Period"), f"{report.date_from:%d-%m-%Y} - {report.date_to:%d-%m-%Y}"],
            [_("Status"), text(_status(settlement))],
        ],
        colWidths=[35 * mm, 145 * mm],
        hAlign="LEFT",
    )
    details.setStyle(
        TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    summary: list[list] = [_summary_columns()]
    summary.extend(
        [
            text(r.name),
            str(r.count),
            str(r.members),
            format_rupiah(r.amount),
            format_rupiah(r.discount),
            _percent(r.commission_percent),
            format_rupiah(r.commission),
        ]
        for r in report.rows
    )
    summary.append(
        [
            _("Total"),
            str(report.count),
            str(report.members),
            format_rupiah(report.amount),
            format_rupiah(report.discount),
            "",
            format_rupiah(report.commission),
        ]
    )
    table_style = [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
    ]
    summary_table = Table(
        summary,
        colWidths=[52 * mm, 18 * mm, 16 * mm, 28 * mm, 24 * mm, 14 * mm, 28 * mm],
        repeatRows=1,
    )
    summary_table.setStyle(
        TableStyle(
            [
                *table_style,
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    lines: list[list] = [
        [
            _("Date"),
            _("Cooperative"),
            _("Member"),
            _("Description"),
            _("Amount paid"),
            _("Discount"),
        ]
    ]
    lines.extend(
        [
            timezone.localtime(p.occurred_at).strftime("%d-%m-%Y %H:%M"),
            text(p.cooperative.name),
            str(p.member.number or ""),
            text(p.description),
            format_rupiah(p.amount),
            format_rupiah(p.discount),
        ]
        for p in settlement.purchases
    )
    lines_table = Table(
        lines,
        colWidths=[26 * mm, 44 * mm, 16 * mm, 46 * mm, 26 * mm, 22 * mm],
        repeatRows=1,
    )
    lines_table.setStyle(
        TableStyle(
            [
                *table_style,
                ("ALIGN", (1, 0), (3, -1), "LEFT"),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    document.build(
        [
            Paragraph(xml_escape(title), styles["Title"]),
            details,
            Spacer(1, 6 * mm),
            summary_table,
            Spacer(1, 6 * mm),
            Paragraph(xml_escape(_("Purchases")), styles["Heading2"]),
            lines_table,
        ]
    )
    return buffer.getvalue()
