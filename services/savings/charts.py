"""Small charts drawn on the server as inline SVG: no JavaScript, a few hundred bytes.

The drawing is 360 units wide, the width of a cheap phone's screen, so one unit is about one
CSS pixel there and the labels stay readable; on wider screens it scales up. Coordinates are
integers (pixel positions, never money). The SVG carries a title and a description for
screen readers; pages also show the figures as a table.
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
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
INK = "#1d2621"
MUTED = "#5b665f"
LINE = "#d7ded9"
BAR = "#0b6b4f"


def bar_chart(
    *,
    points: Sequence[tuple[str, int]],
    title: str,
    description: str,
    element_id: str,
    label_every: int = 6,
    value_label: Callable[[int], str] = format_rupiah,
) -> SafeString:
    """A bar per point (label, value), values from zero up. Every `label_every`-th bar,
    counting back from the last, is labelled below the axis; the highest value is written
    above a dashed guide line."""
    count = max(len(points), 1)
    slot = WIDTH // count
    bar = max(slot - max(slot // 4, 1), 1)
    left = (WIDTH - slot * count) // 2
    highest = max((value for _, value in points), default=0)
    plot = BASELINE - TOP
    parts = [
        f'<svg id="{escape(element_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-labelledby="{escape(element_id)}-t {escape(element_id)}-d" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(element_id)}-t">{escape(title)}</title>',
        f'<desc id="{escape(element_id)}-d">{escape(description)}</desc>',
        f'<line x1="0" y1="{BASELINE}" x2="{WIDTH}" y2="{BASELINE}" stroke="{MUTED}"/>',
    ]
    if highest > 0:
        parts.append(
            f'<line x1="0" y1="{TOP}" x2="{WIDTH}" y2="{TOP}" stroke="{LINE}" '
            f'stroke-dasharray="4 3"/>'
            f'<text x="0" y="{TOP - 6}" fill="{INK}" {FONT}>{escape(value_label(highest))}</text>'
        )
    for index, (label, value) in enumerate(points):
        x = left + index * slot
        if highest > 0 and value > 0:
            height = max(value * plot // highest, 1)
            parts.append(
                f'<rect x="{x}" y="{BASELINE - height}" width="{bar}" height="{height}" '
                f'fill="{BAR}"/>'
            )
        from_last = len(points) - 1 - index
        if label_every and from_last % label_every == 0:
            # Counted from the newest bar, so the current month is always labelled.
            anchor = f'x="{x + bar}" text-anchor="end"' if from_last == 0 else f'x="{x}"'
            parts.append(
                f'<text {anchor} y="{BASELINE + 16}" fill="{MUTED}" {FONT}>{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
