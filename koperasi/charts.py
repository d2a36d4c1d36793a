"""Charts for the dashboards, drawn on the server as inline SVG: no JavaScript, a few hundred
bytes each, readable on a 360 px phone and scaled up on wider screens.

The same drawing rules as the member's savings chart (`services.savings.charts`): 360 units
wide, integer coordinates, colours as SVG presentation attributes (no inline styles, so a
strict CSP is fine), a title and a description for screen readers; every page shows the
figures as a table as well. Three shapes:

- `column_chart`: one column per period; a period without data (None) gets no column but a
  small open marker on the axis, so a gap is never mistaken for zero;
- `stacked_column_chart`: one column per period split into series (savings by kind), with a
  legend;
- `bar_list_chart`: one horizontal bar per row, its label above it (cooperatives by province
  or by type), for lists too long for columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from koperasi.money import format_rupiah

WIDTH = 360
TOP = 22  # room for the label of the highest value
BASELINE = 132
HEIGHT = 154  # room for the x labels below the baseline
LEGEND = 22  # the legend row under a stacked chart
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
INK = "#1d2621"
MUTED = "#5b665f"
LINE = "#d7ded9"
BAR = "#0b6b4f"
#: Fills of the series of a stacked chart, bottom first.
SERIES = ("#0b6b4f", "#6fb89a", "#c98a1b", "#3b5f8f")

ValueLabel = Callable[[int], str]


def _open(element_id: str, height: int, title: str, description: str) -> list[str]:
    element_id = escape(element_id)
    return [
        f'<svg id="{element_id}" class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{element_id}-t {element_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{element_id}-t">{escape(title)}</title>',
        f'<desc id="{element_id}-d">{escape(description)}</desc>',
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped


def _axes(parts: list[str], highest: int, value_label: ValueLabel) -> None:
    parts.append(f'<line x1="0" y1="{BASELINE}" x2="{WIDTH}" y2="{BASELINE}" stroke="{MUTED}"/>')
    if highest > 0:
        parts.append(
            f'<line x1="0" y1="{TOP}" x2="{WIDTH}" y2="{TOP}" stroke="{LINE}" '
            f'stroke-dasharray="4 3"/>'
            f'<text x="0" y="{TOP - 6}" fill="{INK}" {FONT}>{escape(value_label(highest))}</text>'
        )


def _slots(count: int) -> tuple[int, int, int]:
    """(slot width, column width, left margin) for `count` columns."""
    count = max(count, 1)
    slot = WIDTH // count
    column = max(slot - max(slot // 4, 1), 1)
    return slot, column, (WIDTH - slot * count) // 2


def _x_label(parts: list[str], index: int, count: int, x: int, column: int, label: str, every):
    from_last = count - 1 - index
    if every and from_last % every == 0:
        # Counted from the newest column, so the current period is always labelled.
        anchor = f'x="{x + column}" text-anchor="end"' if from_last == 0 else f'x="{x}"'
        parts.append(
            f'<text {anchor} y="{BASELINE + 16}" fill="{MUTED}" {FONT}>{escape(label)}</text>'
        )


def _height(value: int, highest: int) -> int:
    if highest <= 0 or value <= 0:
        return 0
    return max(value * (BASELINE - TOP) // highest, 1)


def column_chart(
    *,
    points: Sequence[tuple[str, int | None]],
    title: str,
    description: str,
    element_id: str,
    label_every: int = 3,
    value_label: ValueLabel = format_rupiah,
) -> SafeString:
    """A column per (label, value), from zero up; None marks a period without data."""
    slot, column, left = _slots(len(points))
    highest = max((value or 0 for _, value in points), default=0)
    parts = _open(element_id, HEIGHT, title, description)
    _axes(parts, highest, value_label)
    for index, (label, value) in enumerate(points):
        x = left + index * slot
        if value is None:
            parts.append(
                f'<circle cx="{x + column // 2}" cy="{BASELINE - 4}" r="3" fill="none" '
                f'stroke="{MUTED}"/>'
            )
        elif height := _height(value, highest):
            parts.append(
                f'<rect x="{x}" y="{BASELINE - height}" width="{column}" height="{height}" '
                f'fill="{BAR}"/>'
            )
        _x_label(parts, index, len(points), x, column, label, label_every)
    return _close(parts)


def stacked_column_chart(
    *,
    points: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    title: str,
    description: str,
    element_id: str,
    label_every: int = 3,
    value_label: ValueLabel = format_rupiah,
) -> SafeString:
    """A column per (label, values), the values stacked in the order of `series` (at most
    four), with a legend below."""
    slot, column, left = _slots(len(points))
    highest = max((sum(max(v, 0) for v in values) for _, values in points), default=0)
    parts = _open(element_id, HEIGHT + LEGEND, title, description)
    _axes(parts, highest, value_label)
    for index, (label, values) in enumerate(points):
        x = left + index * slot
        # Each part's height is cut from the running total, so the stack adds up exactly.
        below, drawn = 0, 0
        for number, value in enumerate(values):
            below += max(value, 0)
            top = _height(below, highest)
            if top > drawn:
                parts.append(
                    f'<rect x="{x}" y="{BASELINE - top}" width="{column}" '
                    f'height="{top - drawn}" fill="{SERIES[number % len(SERIES)]}"/>'
                )
                drawn = top
        _x_label(parts, index, len(points), x, column, label, label_every)
    step = WIDTH // max(len(series), 1)
    y = HEIGHT + LEGEND - 8
    for number, name in enumerate(series):
        x = number * step
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
            f'fill="{SERIES[number % len(SERIES)]}"/>'
            f'<text x="{x + 17}" y="{y}" fill="{INK}" {FONT}>{escape(name)}</text>'
        )
    return _close(parts)


ROW = 34  # a label line and a bar


def bar_list_chart(
    *,
    rows: Sequence[tuple[str, int]],
    title: str,
    description: str,
    element_id: str,
    value_label: ValueLabel = str,
) -> SafeString:
    """A horizontal bar per (label, value), the label above its bar and the value after it."""
    highest = max((value for _, value in rows), default=0)
    room = WIDTH - 70  # the longest bar leaves room for its value
    parts = _open(element_id, max(len(rows), 1) * ROW + 4, title, description)
    for index, (label, value) in enumerate(rows):
        top = index * ROW
        width = max(value * room // highest, 1) if highest > 0 and value > 0 else 0
        parts.append(f'<text x="0" y="{top + 13}" fill="{INK}" {FONT}>{escape(label)}</text>')
        if width:
            parts.append(f'<rect x="0" y="{top + 18}" width="{width}" height="12" fill="{BAR}"/>')
        parts.append(
            f'<text x="{width + 6}" y="{top + 29}" fill="{MUTED}" {FONT}>'
            f"{escape(value_label(value))}</text>"
        )
    return _close(parts)
