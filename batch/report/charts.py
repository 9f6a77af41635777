"""Charts as inline SVG, drawn by pygal (the optional extra ``io-batch[report]``).

pygal writes SVG itself, in pure Python: about 1 MB installed, against about 170 MB for
matplotlib with numpy, pillow and fonttools (measured in a fresh venv; see the README).
Its output is made self-contained here: no tooltip script (pygal would load one from
the web), no comments, text in the page's own fonts. Without pygal every function
returns None and the page keeps its tables and plain-CSS bars.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from batch.report.timeline import Throughput

try:
    import pygal
    from pygal.style import Style
except ImportError:  # the extra is not installed: tables only
    pygal = None
else:
    # pygal appends an old-style import hook (for its map plugins, unused here) to
    # sys.meta_path; on Python 3.11 every later import that fails (an optional module
    # probed by a library) then warns through it. Take it out again.
    sys.meta_path[:] = [
        finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"
    ]

INSTALL_HINT = "pip install 'io-batch[report]'"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
BLUE, GREY, RED, AMBER = "#2f6fb3", "#9aa5b1", "#c0392b", "#d68910"
_STRIPPED = (re.compile(r"<!--.*?-->", re.S), re.compile(r"<script\b.*?</script>", re.S))


def available() -> bool:
    return pygal is not None


def _style(*colors: str) -> Any:
    return Style(
        background="white",
        plot_background="white",
        foreground="#1f2933",
        foreground_strong="#1f2933",
        foreground_subtle="#52606d",
        font_family=FONT,
        label_font_family=FONT,
        major_label_font_family=FONT,
        value_font_family=FONT,
        value_label_font_family=FONT,
        title_font_family=FONT,
        legend_font_family=FONT,
        label_font_size=13,
        major_label_font_size=13,
        value_font_size=13,
        legend_font_size=13,
        colors=colors or (BLUE,),
        opacity="1",
        opacity_hover="0.85",
    )


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "js": [],  # pygal's default loads its tooltip script from the web
        "disable_xml_declaration": True,
        "explicit_size": False,
        "width": 900,
        "print_values": True,
        "show_legend": False,
        "margin": 10,
        **extra,
    }


def _svg(chart: Any) -> str:
    text = str(chart.render(is_unicode=True))
    for pattern in _STRIPPED:
        text = pattern.sub("", text)
    return text


def bars(
    counts: Mapping[str, int],
    *,
    title: str,
    color: str = BLUE,
    colors: Mapping[str, str] | None = None,
) -> str | None:
    """Horizontal bars, one per label, in the given order (top first); ``colors`` picks
    a bar's colour by its label."""
    if pygal is None or not counts:
        return None
    labels = list(reversed(list(counts)))  # HorizontalBar draws the first label at the bottom
    chart = pygal.HorizontalBar(
        style=_style(color),
        height=max(120, 60 + 28 * len(labels)),
        **_config(title=title, truncate_label=40, show_x_labels=False),
    )
    chart.x_labels = labels
    chart.add(
        title,
        [{"value": counts[label], "color": (colors or {}).get(label, color)} for label in labels],
    )
    return _svg(chart)


def funnel(steps: Sequence[tuple[str, int]]) -> str | None:
    return bars(dict(steps), title="Funnel: rows at each step")


def throughput(data: Throughput) -> str | None:
    """Messages per minute per bucket; a bucket touched by a 429 pause is red (one with no
    message at all gets a low red stub, so that a long pause shows)."""
    if pygal is None:
        return None
    rates = data.per_minute()
    paused = data.paused_buckets()
    peak = max(rates, default=0.0) or 1.0
    labels = [
        data.bucket_start(i).strftime(_label_format(data.bucket_s)) for i in range(len(rates))
    ]
    chart = pygal.Bar(
        style=_style(BLUE, RED),
        height=360,
        **_config(
            title=f"Messages per minute ({_bucket_text(data.bucket_s)} buckets, UTC)",
            print_values=False,
            x_title="red: a 429 pause in that bucket (no call went out until it ended)"
            if paused
            else None,
            x_label_rotation=-45,
            show_minor_x_labels=False,
            x_labels_major_every=max(1, len(labels) // 12),
            y_title="messages / minute",
        ),
    )
    chart.x_labels = labels
    values: list[dict[str, Any]] = []
    for index, rate in enumerate(rates):
        if index in paused:
            values.append({"value": round(max(rate, peak * 0.03), 1), "color": RED})
        else:
            values.append({"value": round(rate, 1)})
    chart.add("messages per minute", values)
    return _svg(chart)


def _label_format(bucket_s: int) -> str:
    if bucket_s >= 3600:
        return "%d/%m %H:%M"
    return "%H:%M" if bucket_s >= 60 else "%H:%M:%S"


def _bucket_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"
