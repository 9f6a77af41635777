"""The report's charts: what each one draws (``svg``) and says in words.

Each chart comes with a caption that says what it shows ("Messages sent per 2 s from
09:14:02 to 09:14:17 UTC: 196 in all..."): the same words are its SVG ``<title>`` and
``<desc>``, for a screen reader, and the figure's visible caption, for everyone.
Every text a reader sees is a template in this module's first lines.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from batch.i18n import N_, _, format_number
from batch.report import svg
from batch.report.dates import day_and_time
from batch.report.palette import AMBER, BLUE, RED
from batch.report.timeline import Throughput
from batch.report.words import shown

FUNNEL_TITLE = N_("Funnel: rows at each step")
STATUS_TITLE = N_("Rows by final status")
INVALID_TITLE = N_("Invalid rows by reason")
VERIFY_TITLE = N_("IO message status of the checked messages")
BARS_TEXT = N_("{title}: {items}.")
MORE_TEXT = N_("and {count} more")
TIME_TITLE = N_("Messages sent per {bucket} (UTC)")
TIME_AXIS = N_("messages per {bucket}")
TIME_TEXT = N_(
    "Messages sent per {bucket}, from {first} to {last} UTC: {sent} in all; the busiest "
    "{bucket} {peak} at {peak_at}, the median {median} (over {periods} with a send)."
)
TIME_PAUSED_TEXT = N_(
    " 429 pauses took {half} of {periods} for half their time or more (red) "
    "and {part} for a quarter to half (amber)."
)
#: A period's name in the plural, by its name in the singular (English keys).
PERIODS = {"second": N_("the seconds"), "minute": N_("the minutes"), "hour": N_("the hours")}
PERIODS_OTHER = N_("the {bucket} periods")
LEGEND = (
    (BLUE, N_("no 429 pause, or under a quarter of the period")),
    (AMBER, N_("paused a quarter to half of the period")),
    (RED, N_("paused half the period or more")),
)
#: Items a bar chart's caption names before "and N more".
CAPTION_ITEMS = 12
#: The x axis names about this many periods.
TIME_LABELS = 8
PART_PAUSED, HALF_PAUSED = 0.25, 0.5


@dataclass(frozen=True, slots=True)
class Chart:
    svg: str
    caption: str
    legend: tuple[tuple[str, str], ...] = ()


def bars(
    chart_id: str,
    counts: Mapping[str, int],
    *,
    title: str,
    color: str = BLUE,
    colors: Mapping[str, str] | None = None,
) -> Chart | None:
    """Horizontal bars, one per label, in the given order (top first); ``colors`` picks
    a bar's colour by its label."""
    if not counts:
        return None
    caption = bars_caption(title, counts)
    drawn = [
        svg.Bar(label, count, (colors or {}).get(label, color)) for label, count in counts.items()
    ]
    shown_title = shown(title)
    return Chart(
        svg.horizontal_bars(chart_id, drawn, title=shown_title, description=caption), caption
    )


def bars_caption(title: str, counts: Mapping[str, int]) -> str:
    """``title`` (an English template of this module), then each label and its count."""
    items = [f"{label} {format_number(count)}" for label, count in counts.items()]
    if len(items) > CAPTION_ITEMS:
        rest = len(items) - CAPTION_ITEMS
        items = [*items[:CAPTION_ITEMS], shown(MORE_TEXT).format(count=format_number(rest))]
    return shown(BARS_TEXT).format(title=shown(title), items=", ".join(items))


def funnel(steps: Sequence[tuple[str, int]]) -> Chart | None:
    return bars("funnel-chart", dict(steps), title=FUNNEL_TITLE)


def bucket_unit(seconds: int) -> str:
    """The English key of a period of one unit (``second``, ``minute``, ``hour``), or
    blank when the period is several units."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds == size:
            return unit
    return ""


def bucket_text(seconds: int) -> str:
    """The chart's period in words: ``minute``, ``2 s``, ``5 min``, ``2 h``."""
    words = {"second": _("second"), "minute": _("minute"), "hour": _("hour")}
    if unit := bucket_unit(seconds):
        return words[unit]
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def periods_text(seconds: int) -> str:
    unit = bucket_unit(seconds)
    if unit:
        return shown(PERIODS[unit])
    return shown(PERIODS_OTHER).format(bucket=bucket_text(seconds))


def pause_color(share: float) -> str:
    """A period's colour by the share of its time spent in a 429 pause."""
    if share >= HALF_PAUSED:
        return RED
    return AMBER if share >= PART_PAUSED else BLUE


def throughput(data: Throughput) -> Chart:
    """Messages sent in each period, as counted (never scaled to another unit), each
    column coloured by how much of its period a 429 pause took (a few short pauses in
    every minute of a long run leave it blue: the facts table sums them). A period with
    no send but paused half its time or more gets a low red stub, so that a long pause
    shows."""
    bucket = bucket_text(data.bucket_s)
    shares = data.paused_shares()
    peak = max(data.counts)
    every = max(1, round(len(data.counts) / TIME_LABELS))
    label_format = _label_format(data)
    columns = []
    for index, (count, share) in enumerate(zip(data.counts, shares, strict=True)):
        height = count if count or share < HALF_PAUSED else max(peak * 0.03, 0.5)
        label = data.bucket_start(index).strftime(label_format) if index % every == 0 else ""
        columns.append(svg.Column(height, pause_color(share), label))
    caption = throughput_caption(data, shares)
    title = shown(TIME_TITLE).format(bucket=bucket)
    drawn = svg.columns(
        "throughput-chart",
        columns,
        title=title,
        description=caption,
        axis_title=shown(TIME_AXIS).format(bucket=bucket),
    )
    paused = any(share >= PART_PAUSED for share in shares)
    legend = tuple((color, shown(text)) for color, text in LEGEND) if paused else ()
    return Chart(drawn, caption, legend)


def throughput_caption(data: Throughput, shares: Sequence[float]) -> str:
    bucket = bucket_text(data.bucket_s)
    peak = max(data.counts)
    peak_at = data.bucket_start(data.counts.index(peak))
    same_day = data.first.date() == data.last.date()
    text = shown(TIME_TEXT).format(
        bucket=bucket,
        first=day_and_time(data.first),
        last=f"{data.last:%H:%M:%S}" if same_day else day_and_time(data.last),
        sent=format_number(data.sent),
        peak=format_number(peak),
        peak_at=f"{peak_at:%H:%M:%S}",
        median=format_number(round(statistics.median(count for count in data.counts if count))),
        periods=periods_text(data.bucket_s),
    )
    half = sum(1 for share in shares if share >= HALF_PAUSED)
    part = sum(1 for share in shares if PART_PAUSED <= share < HALF_PAUSED)
    if half or part:
        text += shown(TIME_PAUSED_TEXT).format(
            half=format_number(half), part=format_number(part), periods=periods_text(data.bucket_s)
        )
    return text


def _label_format(data: Throughput) -> str:
    if data.first.date() != data.last.date():
        return "%d/%m %H:%M"
    return "%H:%M" if data.bucket_s >= 60 else "%H:%M:%S"
