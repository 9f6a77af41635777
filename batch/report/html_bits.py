"""Small HTML pieces shared by the report's sections: escaping, numbers, bars."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from batch.models import Status
from batch.report import charts

GOOD = {Status.SENT.value, Status.ALREADY_SENT.value, "PROCESSED", "READ", "PAID"}
BAD = {s.value for s in (Status.INVALID, Status.REJECTED, Status.FAILED)} | {"REJECTED", "FAILED"}
WARN = {s.value for s in (Status.UNKNOWN, Status.PENDING, Status.NOT_TEST_RECIPIENT)}
WARN |= {"ACCEPTED", "THROTTLED"}
COLORS = {
    "s-good": "#2e7d32",
    "s-bad": charts.RED,
    "s-warn": charts.AMBER,
    "s-neutral": charts.GREY,
}


def esc(value: object) -> str:
    """Text made safe inside an element or a quoted attribute."""
    return escape(str(value), quote=True)


def count_or_dash(value: int | None) -> str:
    return "&ndash;" if value is None else f"{value:,}"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "&ndash;"


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


def chart_box(svg: str | None) -> str:
    return f'<div class="chart">{svg}</div>' if svg else ""


def status_colors(names: Mapping[str, int]) -> dict[str, str]:
    """A chart bar's colour for each status, as the tables colour it."""
    return {name: COLORS[kind(name)] for name in names}


def counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"<code>{esc(name)}</code> {count:,}" for name, count in counts.items())
