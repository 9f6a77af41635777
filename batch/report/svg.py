"""Charts drawn as inline SVG by our own code: horizontal bars and a column time line.

The report used pygal for this (an optional extra, so the README's first command gave a
report without a chart, and the container image had none either). What the page needs
is two shapes of bar chart, and drawing them takes less code than configuring pygal
around its defaults (a tooltip script from the web, an import hook, values on bars
in low contrast). Every chart is an ``<svg role="img">`` whose ``<title>`` and
``<desc>`` say in words what it shows; the same words are the figure's caption.
Values are written beside their bar, in the ink colour on white (``palette``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from batch.i18n import format_number
from batch.report.palette import INK, LINE, SOFT

WIDTH = 900
LABEL_W = 300  # the label column of a bar chart
VALUE_W = 90  # room right of the longest bar for its value
ROW_H = 28
BAR_H = 18
FONT_SIZE = 15
MAX_LABEL = 36  # characters that fit in LABEL_W at FONT_SIZE
CHAR_W = 0.6  # a digit's width, in font sizes (about: enough to keep a label inside)


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    color: str


@dataclass(frozen=True, slots=True)
class Column:
    value: float
    color: str
    label: str = ""  # drawn under the column when not blank


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-size="{FONT_SIZE}" '
        f'fill="{INK}">',
        f'<title id="{chart_id}-title">{_attr(title)}</title>',
        f'<desc id="{chart_id}-desc">{_attr(description)}</desc>',
    ]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "\u2026"


def horizontal_bars(chart_id: str, bars: Sequence[Bar], *, title: str, description: str) -> str:
    """One bar per item, top first, each with its label left and its value right."""
    height = ROW_H * len(bars) + 8
    peak = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - LABEL_W - VALUE_W
    parts = _open(chart_id, height, title, description)
    for index, bar in enumerate(bars):
        top = 4 + index * ROW_H
        middle = top + ROW_H / 2
        length = max(1.0, room * bar.value / peak) if bar.value else 0.0
        parts.append(
            f'<text x="{LABEL_W - 10}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle">{_attr(_short(bar.label))}</text>'
            f'<rect x="{LABEL_W}" y="{middle - BAR_H / 2:.1f}" width="{length:.1f}" '
            f'height="{BAR_H}" fill="{bar.color}"/>'
            f'<text x="{LABEL_W + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle">{format_number(bar.value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(
    chart_id: str,
    values: Sequence[Column],
    *,
    title: str,
    description: str,
    axis_title: str,
) -> str:
    """Columns left to right on a y axis from 0 to the highest value (its gridlines at
    0, half and the top), labelled under the columns whose label is not blank."""
    height, top, bottom, left, right = 300, 16, 250, 70, WIDTH - 10
    peak = max((column.value for column in values), default=0.0) or 1.0
    step = (right - left) / max(1, len(values))
    parts = _open(chart_id, height, title, description)
    for share in (0.0, 0.5, 1.0):
        y = bottom - (bottom - top) * share
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{SOFT if share == 0 else LINE}"/>'
            f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
            f'fill="{SOFT}">{_number(peak * share)}</text>'
        )
    for index, column in enumerate(values):
        x = left + index * step
        tall = (bottom - top) * column.value / peak
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{bottom - tall:.1f}" width="{step * 0.8:.1f}" '
            f'height="{tall:.1f}" fill="{column.color}"/>'
        )
        if column.label:
            parts.append(_column_label(x + step / 2, bottom + 18, column.label, right))
    parts.append(
        f'<text x="14" y="{(top + bottom) / 2:.1f}" text-anchor="middle" fill="{SOFT}" '
        f'transform="rotate(-90 14 {(top + bottom) / 2:.1f})">{_attr(axis_title)}</text>'
        "</svg>"
    )
    return "".join(parts)


def _column_label(middle: float, y: int, label: str, right: float) -> str:
    """A label centred under its column; near the right edge, ended at the edge instead
    (centred, the last time of a line of 10:02:08 went past the chart's edge and was
    cut)."""
    half = len(label) * FONT_SIZE * CHAR_W / 2
    if middle + half > right:
        at = f'x="{right:.1f}" text-anchor="end"'
    else:
        at = f'x="{middle:.1f}" text-anchor="middle"'
    return f'<text {at} y="{y}" fill="{SOFT}">{_attr(label)}</text>'


def _number(value: float) -> str:
    """An axis value as the page's language writes it (5.899 in Italian, 5,899 in English)."""
    whole = value >= 10 or value == int(value)
    return format_number(value, 0 if whole else 1)
