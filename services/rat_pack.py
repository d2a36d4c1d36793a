"""The RAT pack: one PDF the board files for the annual members' meeting (RAT) of a fiscal year.

Contents, in order:
1. a cover: the cooperative (name, legal-entity number, NIK koperasi, address) and the year;
2. the year's financial reports (trial balance, balance sheet, income statement) from
   `services.reports.statements.reports_for_year`, or a note while that module is missing;
3. the SHU split: the surplus, each part (pool) of it and what was paid to members;
4. the year's RAT meetings: members present against members invited (the active members), the
   quorum the bylaws ask for and whether it was reached;
5. the year's votes: each option's count, the ballots cast and the turnout;
6. an annex: each member's SHU (member number, name, jasa modal, jasa usaha, total), as
   Indonesian RAT books print it.

"The year's" meetings and votes: RAT meetings held for the fiscal year (`Meeting.fiscal_year`),
the votes of those meetings, the vote linked to the year's SHU, and the votes that opened
within the fiscal year. Reads only; the collection is a handful of queries whatever the number
of members (the annex is one query).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.platypus import Flowable

from koperasi.models import Cooperative
from koperasi.money import format_rupiah
from services.participation import meetings as meetings_module
from services.participation import votes as votes_module
from services.participation.models import Meeting, ParticipationWeights, ShuYear, Vote
from services.participation.shu import ShuPreview, fiscal_year_bounds, shu_preview

Step = Callable[[], None]


@dataclass(frozen=True)
class MeetingSummary:
    meeting: Meeting
    quorum: meetings_module.Quorum
    quorum_percent: int | None


@dataclass(frozen=True)
class VoteSummary:
    vote: Vote
    results: votes_module.Results | None  # None while the vote is still open


@dataclass
class RatPack:
    cooperative: Cooperative
    year: int
    first_day: dt.date
    last_day: dt.date
    reports: Any = None  # what reports_for_year returns; None when it is not available
    reports_available: bool = False
    shu: ShuPreview | None = None
    meetings: list[MeetingSummary] = field(default_factory=list)
    votes: list[VoteSummary] = field(default_factory=list)


def _reports_for_year():
    """`services.reports.statements.reports_for_year`, or None while that module is missing."""
    try:
        from services.reports import statements
    except ImportError:
        return None
    return getattr(statements, "reports_for_year", None)


def reports_available() -> bool:
    return _reports_for_year() is not None


def rat_pack_collect(*, cooperative: Cooperative, year: int, step: Step | None = None) -> RatPack:
    """Everything the pack shows, read from the books and the participation records."""
    step = step or (lambda: None)
    first, last = fiscal_year_bounds(cooperative, year)
    pack = RatPack(cooperative=cooperative, year=year, first_day=first, last_day=last)

    builder = _reports_for_year()
    if builder is not None:
        pack.reports = builder(cooperative=cooperative, year=year)
        pack.reports_available = True
    step()

    shu_year = (
        ShuYear.objects.filter(cooperative=cooperative, year=year)
        .select_related("cooperative", "vote")
        .first()
    )
    if shu_year is not None:
        pack.shu = shu_preview(shu_year=shu_year)
    step()

    rats = list(
        Meeting.objects.filter(
            cooperative=cooperative, kind=Meeting.Kind.RAT, fiscal_year=year
        ).order_by("starts_at")
    )
    percent = (
        ParticipationWeights.objects.filter(cooperative=cooperative)
        .values_list("quorum_percent", flat=True)
        .first()
    )
    pack.meetings = [
        MeetingSummary(
            meeting=meeting,
            quorum=meetings_module.meeting_quorum(meeting=meeting),
            quorum_percent=percent,
        )
        for meeting in rats
    ]
    step()

    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    chosen = Q(meeting__in=[m.pk for m in rats]) | Q(opens_at__gte=start, opens_at__lt=end)
    if shu_year is not None and shu_year.vote_id:
        chosen |= Q(pk=shu_year.vote_id)
    year_votes = (
        Vote.objects.filter(cooperative=cooperative)
        .filter(chosen)
        .select_related("meeting")
        .order_by("opens_at", "pk")
    )
    pack.votes = [
        VoteSummary(vote=vote, results=votes_module.vote_results(vote=vote)) for vote in year_votes
    ]
    step()
    return pack


# --- The PDF ------------------------------------------------------------------------------


def _day(value: dt.date) -> str:
    return date_format(value, "j F Y")


def _percent(value: Decimal) -> str:
    """`Decimal("2.50")` -> "2.5%" (in Indonesian "2,5%"); "40%", not "40.00%"."""
    return f"{number_format(Decimal(f'{Decimal(value).normalize():f}'))}%"


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib.styles import getSampleStyleSheet

        sheet = getSampleStyleSheet()
        self.title = sheet["Title"]
        self.h1 = sheet["Heading1"]
        self.h2 = sheet["Heading2"]
        self.body = sheet["BodyText"]
        self.small = sheet["BodyText"].clone("small", fontSize=8, leading=10)
        self.cover = sheet["Title"].clone("cover", fontSize=26, leading=32, spaceAfter=12)
        self.cover_sub = sheet["Title"].clone("cover_sub", fontSize=16, leading=20)

    def para(self, text: str, style=None):
        from reportlab.platypus import Paragraph

        return Paragraph(xml_escape(str(text)), style or self.body)


def _table(rows: list[list], widths: list[float], *, header: bool = True, total: bool = False):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    if total:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _cover(pack: RatPack, s: _Styles) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    cooperative = pack.cooperative
    place = ", ".join(
        part for part in (cooperative.regency.name, cooperative.province.name) if part
    )
    return [
        Spacer(1, 50 * mm),
        s.para(_("Annual members' meeting (RAT)"), s.cover_sub),
        s.para(_("Report pack"), s.cover_sub),
        Spacer(1, 12 * mm),
        s.para(cooperative.name, s.cover),
        s.para(_("Fiscal year %(year)s") % {"year": pack.year}, s.cover_sub),
        s.para(
            _("%(first)s to %(last)s")
            % {"first": _day(pack.first_day), "last": _day(pack.last_day)},
            s.body,
        ),
        Spacer(1, 20 * mm),
        s.para(f"{_('Legal-entity number')}: {cooperative.legal_entity_number}"),
        s.para(f"{_('Cooperative number (NIK koperasi)')}: {cooperative.nik_koperasi}"),
        s.para(cooperative.address),
        s.para(place),
        Spacer(1, 20 * mm),
        s.para(
            _("Prepared on %(day)s from the cooperative's books on the portal.")
            % {"day": _day(timezone.localdate())},
            s.small,
        ),
    ]


def _reports(pack: RatPack, s: _Styles, widths: dict[str, float]) -> list:
    """Each report on its own page, drawn as the reports' own PDF draws it; the trial balance's
    eight columns on a landscape page."""
    from reportlab.platypus import NextPageTemplate, PageBreak

    if not pack.reports_available:
        return [
            NextPageTemplate(PORTRAIT),
            PageBreak(),
            s.para(_("Financial reports"), s.h1),
            s.para(
                _(
                    "The financial reports are not part of this pack yet: attach the trial "
                    "balance, balance sheet and income statement for the year."
                )
            ),
        ]
    from services.reports.exports import _pdf_table, tables_for

    flow: list = []
    for number, table in enumerate(tables_for(pack.reports, "semua")):
        template = LANDSCAPE if len(table.columns) > 4 else PORTRAIT
        flow += [NextPageTemplate(template), PageBreak()]
        if number == 0:
            flow.append(s.para(_("Financial reports"), s.h1))
        flow += [
            s.para(table.title, s.h2),
            s.para(table.period, s.small),
            _pdf_table(table, width=widths[template]),
        ]
    return flow


def _shu(pack: RatPack, s: _Styles) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    flow: list = [s.para(_("SHU %(year)s: the split of the surplus") % {"year": pack.year}, s.h1)]
    preview = pack.shu
    if preview is None:
        flow.append(s.para(_("No SHU split was prepared for this year.")))
        return flow
    shu_year = preview.shu_year
    status = (
        _("Published on %(day)s.") % {"day": _day(timezone.localdate(shu_year.published_at))}
        if shu_year.status == ShuYear.Status.PUBLISHED and shu_year.published_at
        else _("Draft: to be approved by the members.")
    )
    flow.append(s.para(status))
    labels = (
        ("reserve", "reserve_pct", _("Reserve (cadangan)")),
        ("jasa_modal", "jasa_modal_pct", _("Members' capital share (jasa modal)")),
        ("jasa_usaha", "jasa_usaha_pct", _("Members' usage share (jasa usaha)")),
        ("board", "board_pct", _("Board")),
        ("staff", "staff_pct", _("Staff")),
        ("education", "education_pct", _("Education")),
        ("social", "social_pct", _("Social")),
    )
    rows = [[_("Part"), _("Percent"), _("Amount")]]
    rows += [
        [label, _percent(getattr(shu_year, pct)), format_rupiah(preview.pools[key])]
        for key, pct, label in labels
    ]
    rows.append([_("Surplus (SHU)"), "100%", format_rupiah(shu_year.surplus)])
    flow.append(_table(rows, [100 * mm, 30 * mm, 50 * mm], total=True))
    flow.append(Spacer(1, 4 * mm))
    totals = [
        [_("Members sharing"), str(len(preview.rows))],
        [_("Savings counted"), format_rupiah(preview.savings_total)],
        [_("Transactions counted"), format_rupiah(preview.transactions_total)],
        [_("Jasa modal paid to members"), format_rupiah(preview.jasa_modal_paid)],
        [_("Jasa usaha paid to members"), format_rupiah(preview.jasa_usaha_paid)],
        [_("Paid to members in total"), format_rupiah(preview.members_total)],
        [_("Rounding remainder, to the reserve"), format_rupiah(preview.remainder_to_reserve)],
    ]
    flow.append(_table(totals, [100 * mm, 80 * mm], header=False))
    flow.append(s.para(_("Each member's share is listed in the annex."), s.small))
    return flow


def _meetings(pack: RatPack, s: _Styles) -> list:
    from reportlab.lib.units import mm

    flow: list = [s.para(_("Attendance at the RAT"), s.h1)]
    if not pack.meetings:
        flow.append(s.para(_("No RAT meeting for this fiscal year is recorded on the portal.")))
        return flow
    rows = [
        [
            _("Meeting"),
            _("Date"),
            _("Invited"),
            _("Present"),
            _("Share present"),
            _("Quorum needed"),
            _("Quorum"),
        ]
    ]
    for summary in pack.meetings:
        quorum = summary.quorum
        rows.append(
            [
                s.para(summary.meeting.title, s.small),
                date_format(timezone.localtime(summary.meeting.starts_at), "j M Y"),
                str(quorum.active),
                str(quorum.present),
                _percent(quorum.percent),
                str(quorum.needed),
                _("reached") if quorum.reached else _("not reached"),
            ]
        )
    flow.append(_table(rows, [50 * mm, 22 * mm, 18 * mm, 18 * mm, 22 * mm, 24 * mm, 26 * mm]))
    flow.append(
        s.para(
            _(
                "Invited: the active members. The quorum is more than %(percent)s%% of them "
                "present, as the bylaws say."
            )
            % {"percent": pack.meetings[0].quorum_percent or 50},
            s.small,
        )
    )
    return flow


def _votes(pack: RatPack, s: _Styles) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether

    flow: list = [s.para(_("Votes"), s.h1)]
    if not pack.votes:
        flow.append(s.para(_("No vote was held for this fiscal year.")))
        return flow
    for summary in pack.votes:
        vote, results = summary.vote, summary.results
        block: list = [s.para(vote.question, s.h2)]
        when = date_format(timezone.localtime(vote.closes_at), "j M Y H:i")
        if results is None:
            block.append(s.para(_("Still open: it closes on %(when)s.") % {"when": when}))
            flow.append(KeepTogether(block))
            continue
        rows = [[_("Option"), _("Votes"), _("Share")]]
        rows += [
            [s.para(r.option.label, s.small), str(r.count), _percent(r.percent)]
            for r in results.options
        ]
        block.append(_table(rows, [110 * mm, 30 * mm, 40 * mm]))
        block.append(
            s.para(
                _(
                    "Closed on %(when)s. Ballots cast: %(casts)s of %(eligible)s members who "
                    "could vote (turnout %(turnout)s)."
                )
                % {
                    "when": when,
                    "casts": results.casts,
                    "eligible": results.eligible,
                    "turnout": _percent(results.turnout),
                },
                s.small,
            )
        )
        flow.append(KeepTogether(block))
    return flow


class PlainRows(Flowable):
    """A long list drawn straight on the canvas in rows of one height, the header repeated on
    each page: 50,000 members in seconds, where a platypus Table takes a millisecond a row.
    Columns after the first two are right-aligned amounts; a name too wide for its column is
    cut.
    """

    ROW_HEIGHT = 11
    FONT_SIZE = 8

    def __init__(
        self,
        head: list[str],
        rows: list[list[str]],
        widths: list[float],
        *,
        start: int = 0,
        end: int | None = None,
        bold_last: bool = False,
    ):
        super().__init__()
        self.head, self.rows, self.widths = head, rows, widths
        self.start, self.end = start, len(rows) if end is None else end
        self.bold_last = bold_last

    def _height(self, count: int) -> float:
        return self.ROW_HEIGHT * (count + 1)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return sum(self.widths), self._height(self.end - self.start)

    def split(self, available_width: float, available_height: float) -> list:
        fit = int(available_height // self.ROW_HEIGHT) - 1  # less the header
        if fit >= self.end - self.start:
            return [self]
        if fit < 1:
            return []
        middle = self.start + fit
        keep = {"widths": self.widths}
        return [
            PlainRows(self.head, self.rows, start=self.start, end=middle, **keep),
            PlainRows(
                self.head,
                self.rows,
                start=middle,
                end=self.end,
                bold_last=self.bold_last,
                **keep,
            ),
        ]

    def _fit(self, text: str, width: float, font: str) -> str:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        if stringWidth(text, font, self.FONT_SIZE) <= width:
            return text
        while text and stringWidth(text + "...", font, self.FONT_SIZE) > width:
            text = text[:-1]
        return text + "..."

    def _row(self, cells: list[str], y: float, font: str) -> None:
        canvas = self.canv
        canvas.setFont(font, self.FONT_SIZE)
        x = 0.0
        for number, (cell, width) in enumerate(zip(cells, self.widths, strict=True)):
            if number == 1:  # names may run long; numbers and amounts fit their columns
                canvas.drawString(x + 3, y + 3, self._fit(str(cell), width - 6, font))
            elif number == 0:
                canvas.drawString(x + 3, y + 3, str(cell))
            else:
                canvas.drawRightString(x + width - 3, y + 3, str(cell))
            x += width

    def draw(self) -> None:
        from reportlab.lib import colors

        canvas = self.canv
        width = sum(self.widths)
        y = self._height(self.end - self.start) - self.ROW_HEIGHT
        self._row(self.head, y, "Helvetica-Bold")
        canvas.setLineWidth(0.8)
        canvas.line(0, y, width, y)
        canvas.setStrokeColor(colors.lightgrey)
        canvas.setLineWidth(0.25)
        for index in range(self.start, self.end):
            y -= self.ROW_HEIGHT
            last = index == len(self.rows) - 1 and self.bold_last
            self._row(self.rows[index], y, "Helvetica-Bold" if last else "Helvetica")
            canvas.line(0, y, width, y)


def _annex(pack: RatPack, s: _Styles) -> list:
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak

    preview = pack.shu
    if preview is None or not preview.rows:
        return []
    head = [_("Member number"), _("Name"), _("Jasa modal"), _("Jasa usaha"), _("Total")]
    rows = [
        [
            str(r.number or ""),
            r.full_name,
            format_rupiah(r.jasa_modal),
            format_rupiah(r.jasa_usaha),
            format_rupiah(r.total),
        ]
        for r in preview.rows
    ]
    rows.append(
        [
            _("Total"),
            "",
            format_rupiah(preview.jasa_modal_paid),
            format_rupiah(preview.jasa_usaha_paid),
            format_rupiah(preview.members_total),
        ]
    )
    widths = [25 * mm, 75 * mm, 27 * mm, 27 * mm, 26 * mm]
    return [
        PageBreak(),
        s.para(_("Annex: each member's SHU %(year)s") % {"year": pack.year}, s.h1),
        PlainRows(head, rows, widths, bold_last=True),
    ]


PORTRAIT, LANDSCAPE = "portrait", "landscape"


def rat_pack_pdf(pack: RatPack) -> bytes:
    """A4, the sections in the order of the module's docstring, page numbers at the foot."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Spacer,
    )

    s = _Styles()
    title = _("RAT report pack %(year)s") % {"year": pack.year}
    footer = f"{pack.cooperative.name} · {title}"
    margin = 15 * mm
    sizes = {PORTRAIT: A4, LANDSCAPE: landscape(A4)}

    def foot(canvas, document) -> None:
        if document.page == 1:
            return  # the cover
        width = document.pageTemplate.pagesize[0]
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(margin, 8 * mm, footer[:110])
        canvas.drawRightString(width - margin, 8 * mm, str(document.page))
        canvas.restoreState()

    def page(name: str) -> PageTemplate:
        width, height = sizes[name]
        frame = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id=name)
        return PageTemplate(id=name, frames=[frame], pagesize=sizes[name], onPage=foot)

    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=pack.cooperative.name,
        pageTemplates=[page(PORTRAIT), page(LANDSCAPE)],
    )
    widths = {name: size[0] - 2 * margin for name, size in sizes.items()}
    story = [
        *_cover(pack, s),
        *_reports(pack, s, widths),
        NextPageTemplate(PORTRAIT),
        PageBreak(),
        *_shu(pack, s),
        Spacer(1, 8 * mm),
        *_meetings(pack, s),
        Spacer(1, 8 * mm),
        *_votes(pack, s),
        *_annex(pack, s),
    ]
    document.build(story)
    return buffer.getvalue()
