"""The dashboards' SVG charts, drawn on the server (koperasi.charts)."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from koperasi.charts import bar_list_chart, column_chart, stacked_column_chart
from koperasi.dashboards.board import BoardDashboard
from koperasi.dashboards.periods import KINDS, bp_percent
from koperasi.dashboards.platform import CountRow, PlatformMonth
from koperasi.models import Cooperative
from koperasi.money import format_rupiah


def count_label(value: int) -> str:
    """50000 -> "50.000" in Indonesian, "50,000" in English."""
    return number_format(value, force_grouping=True)


def percent_label(bp: int) -> str:
    """Basis points as a percent: 3333 -> "33,33%" in Indonesian."""
    return f"{number_format(bp_percent(bp), 2)}%"


def _month(first: dt.date) -> str:
    return date_format(first, "M y")


def _from_to(first: dt.date, first_value: str, last: dt.date, last_value: str) -> str:
    return _("From %(first)s in %(first_month)s to %(last)s in %(last_month)s.") % {
        "first": first_value,
        "first_month": date_format(first, "F Y"),
        "last": last_value,
        "last_month": date_format(last, "F Y"),
    }


def board_charts(figures: BoardDashboard) -> dict[str, SafeString]:
    """The dashboard's charts: members, savings by kind, and (unless the tellers' version)
    loans outstanding, PAR30 and participation."""
    months = figures.months
    first, last = months[0], months[-1]
    charts = {
        "members": column_chart(
            points=[(_month(m.month), m.members) for m in months],
            title=_("Members at each month end"),
            description=_from_to(
                first.month, count_label(first.members), last.month, count_label(last.members)
            ),
            element_id="chart-members",
            value_label=count_label,
        ),
        "savings": stacked_column_chart(
            points=[(_month(m.month), [m.savings[kind] for kind in KINDS]) for m in months],
            series=[_("Pokok"), _("Wajib"), _("Sukarela")],
            title=_("Savings by kind at each month end"),
            description=_from_to(
                first.month,
                format_rupiah(first.savings_total),
                last.month,
                format_rupiah(last.savings_total),
            ),
            element_id="chart-savings",
        ),
    }
    if figures.loans is None:
        return charts
    charts["loans"] = column_chart(
        points=[(_month(m.month), m.loans) for m in months],
        title=_("Loans outstanding at each month end"),
        description=_from_to(
            first.month, format_rupiah(first.loans), last.month, format_rupiah(last.loans)
        ),
        element_id="chart-loans",
    )
    shown = [m for m in months if m.par30_bp is not None]
    par_description = ", ".join(f"{_month(m.month)}: {percent_label(m.par30_bp)}" for m in shown)
    if figures.months_without_snapshot:
        par_description += " " + _("No snapshot, left out: %(months)s.") % {
            "months": ", ".join(_month(month) for month in figures.months_without_snapshot)
        }
    charts["par30"] = column_chart(
        points=[(_month(m.month), m.par30_bp) for m in months],
        title=_("PAR30 at each month end"),
        description=par_description.strip(),
        element_id="chart-par30",
        value_label=percent_label,
    )
    if figures.participation:
        charts["participation"] = column_chart(
            points=[(str(y.year), y.bp) for y in figures.participation],
            title=_("Members who attended a meeting or voted, by fiscal year"),
            description=", ".join(
                f"{y.year}: {percent_label(y.bp)}" for y in figures.participation
            ),
            element_id="chart-participation",
            label_every=1,
            value_label=percent_label,
        )
    return charts


def platform_charts(
    *,
    by_province: list[CountRow],
    by_type: list[CountRow],
    trend: list[tuple[dt.date, PlatformMonth | None]],
) -> dict[str, SafeString]:
    """Verified cooperatives by province and by type; members, savings, loans and PAR30
    across them from the snapshots (months without any left out)."""
    verified = Cooperative.Status.VERIFIED
    provinces = [(row.label, row.by_status[verified]) for row in by_province]
    types = [(row.label, row.by_status[verified]) for row in by_type]
    missing = [first for first, month in trend if month is None]
    gap = (
        " "
        + _("No snapshot, left out: %(months)s.")
        % {"months": ", ".join(_month(first) for first in missing)}
        if missing
        else ""
    )

    def series(name: str, title: str, label, element_id: str) -> SafeString:
        points = [(_month(first), getattr(m, name) if m else None) for first, m in trend]
        return column_chart(
            points=points,
            title=title,
            description=(
                ", ".join(f"{label_}: {label(v)}" for label_, v in points if v is not None) + gap
            ).strip(),
            element_id=element_id,
            value_label=label,
        )

    return {
        "provinces": bar_list_chart(
            rows=[row for row in provinces if row[1]],
            title=_("Verified cooperatives by province"),
            description=", ".join(f"{label}: {n}" for label, n in provinces if n),
            element_id="chart-provinces",
            value_label=count_label,
        ),
        "types": bar_list_chart(
            rows=[row for row in types if row[1]],
            title=_("Verified cooperatives by type"),
            description=", ".join(f"{label}: {n}" for label, n in types if n),
            element_id="chart-types",
            value_label=count_label,
        ),
        "members": series(
            "members", _("Members at each month end"), count_label, "chart-platform-members"
        ),
        "savings": series(
            "savings", _("Savings at each month end"), format_rupiah, "chart-platform-savings"
        ),
        "loans": series(
            "loans",
            _("Loans outstanding at each month end"),
            format_rupiah,
            "chart-platform-loans",
        ),
        "par30": series(
            "par30_bp", _("PAR30 at each month end"), percent_label, "chart-platform-par30"
        ),
    }
