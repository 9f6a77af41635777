"""Small HTML pieces shared by the report's sections: escaping, numbers, bars."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from batch.i18n import format_number, format_percent
from batch.models import Status
from batch.report.charts import Chart
from batch.report.palette import KIND_COLORS

GOOD = {Status.SENT.value, Status.ALREADY_SENT.value, "PROCESSED", "READ", "PAID"}
BAD = {s.value for s in (Status.INVALID, Status.REJECTED, Status.FAILED)} | {"REJECTED", "FAILED"}
WARN = {s.value for s in (Status.UNKNOWN, Status.PENDING, Status.NOT_TEST_RECIPIENT)}
WARN |= {"ACCEPTED", "THROTTLED"}


def esc(value: object) -> str:
    """Text made safe inside an element or a quoted attribute."""
    return escape(str(value), quote=True)


def count_or_dash(value: int | None) -> str:
    return "&ndash;" if value is None else format_number(value)


def share(part: int, whole: int) -> str:
    return format_percent(part / whole) if whole else "&ndash;"


def kind(status: str) -> str:
    if status in GOOD:
        return "s-good"
    if status in BAD:
        return "s-bad"
    return "s-warn" if status in WARN else "s-neutral"


def bar(part: int, whole: int, status: str = "") -> str:
    width = 100 * part / whole if whole else 0
    extra = f" {kind(status)}" if status else ""
    return f'<span class="bar{extra}" style="width:{width:.1f}%"></span>'


def chart_box(chart: Chart | None) -> str:
    """A chart as a figure, its caption (the words of what it shows) under it."""
    if chart is None:
        return ""
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{color}"></span>'
        f"{esc(text)}</span>"
        for color, text in chart.legend
    )
    legend_html = f'<div class="legend">{legend}</div>' if legend else ""
    return (
        f'<figure class="chart">{chart.svg}{legend_html}'
        f"<figcaption>{esc(chart.caption)}</figcaption></figure>"
    )


def section_start(section_id: str, title: str) -> str:
    """A section's opening and its heading (``title``: plain text, escaped here)."""
    return f'<section id="{section_id}"><h2>{esc(title)}</h2>'


def numeric(name: str) -> str:
    """A ``col_headers`` name of a number column, from its plain text."""
    return f"#n:{esc(name)}"


def row_header(text: str, attrs: str = "") -> str:
    """A row's first cell: the header of its row (``scope="row"``)."""
    return f'<th scope="row"{attrs}>{text}</th>'


def col_headers(*names: str) -> str:
    """A table's header row; a name ``"#n:..."`` is a right-aligned number column, a
    blank one an empty cell (an empty ``<th>`` is a header that says nothing). The names
    come translated and escaped (``numeric`` makes a number column's)."""
    cells = []
    for name in names:
        if not name:  # above a column of bars or row names: nothing to announce
            cells.append("<td></td>")
            continue
        numeric = name.startswith("#n:")
        label = name.removeprefix("#n:")
        cls = ' class="num"' if numeric else ""
        cells.append(f'<th scope="col"{cls}>{label}</th>')
    return f"<thead><tr>{''.join(cells)}</tr></thead>"


def status_colors(names: Mapping[str, int]) -> dict[str, str]:
    """A chart bar's colour for each status, as the tables colour it."""
    return {name: KIND_COLORS[kind(name)] for name in names}


def counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(
        f"<code>{esc(name)}</code> {format_number(count)}" for name, count in counts.items()
    )
