"""The progress line: a snapshot of a run, fitted to a terminal's width.

When room is short the counts go first (whole ones, from the last), then the bar
shrinks and goes, then the rate, then the ETA; the position (done/total) stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from batch.i18n import N_, _, format_number

BAR_WIDTH = 24  # the bar's width when there is room for it
MIN_BAR_WIDTH = 8  # narrower than this, a bar says nothing: it goes
#: The words the line shows for the labels and units the runs give (which the log events
#: keep as they are: ``verify.progress`` has ``round="check"``), in the office's language.
SHOWN = {
    "validating": N_("validating"),
    "check": N_("check"),
    "wait": N_("wait"),
    "feed": N_("feed"),
    "rows": N_("rows"),
    "checks": N_("checks"),
    "days": N_("days"),
}


@dataclass(frozen=True)
class Snapshot:
    """Where a run stands: what ``on_tick`` gets, and what the line shows."""

    label: str
    done: int  # finished, earlier attempts of the same run included
    total: int | None  # None: not known in advance (the dry run reads as it goes)
    rate: float  # items finished per second by this attempt
    eta_s: float | None
    counts: dict[str, int]  # finished by this attempt, per status, sorted by name


def fit_line(snapshot: Snapshot, unit: str, columns: int) -> str:
    """The progress line within ``columns - 1`` characters.

    The last column stays free: a character there puts many terminals in a pending
    wrap, where the next one (or a resize) starts a new row.
    """
    room = max(columns - 1, 1)
    label = [shown(snapshot.label)] if snapshot.label else []
    unit = shown(unit)
    share = None
    if snapshot.total is not None:
        share = snapshot.done / snapshot.total if snapshot.total else 1.0
        position = f"{snapshot.done}/{snapshot.total} {share:4.0%}"
    else:
        position = f"{format_number(snapshot.done)} {unit}"
    speed = f"{_rate_text(snapshot.rate)} {unit}/s"
    eta = [] if share is None else [f"{_(ETA)} {_eta_text(snapshot.eta_s)}"]

    def join(bar_width: int, extras: list[str]) -> str:
        bar = [] if share is None or bar_width == 0 else [_bar(share, bar_width)]
        return " ".join([*label, *bar, position, *extras])

    full = join(BAR_WIDTH, [speed, *eta])
    if len(full) <= room:  # the counts take what is left, whole ones first to last
        counts = _counts_text(snapshot.counts, room - len(full) - 1)
        return f"{full} {counts}" if counts else full
    if share is not None:
        bar_width = room - len(join(0, [speed, *eta])) - 3  # a space and two brackets
        if bar_width >= MIN_BAR_WIDTH:
            return join(min(bar_width, BAR_WIDTH), [speed, *eta])
    for extras in ([speed, *eta], eta, []):
        line = join(0, extras)
        if len(line) <= room:
            return line
    return line[:room]


#: "Estimated time of arrival": what is left, at the current rate.
ETA = N_("ETA")


def shown(word: str) -> str:
    """A label or unit of the line as the office reads it (any other text as it is)."""
    return _(SHOWN[word]) if word in SHOWN else word


def _counts_text(counts: dict[str, int], room: int) -> str:
    """Every count when they all fit; else the largest ones that fit, and "...".

    The largest counts say the most (``sent`` in a good run, ``failed`` in a bad one).
    """
    whole = " ".join(f"{name}={n}" for name, n in counts.items())
    if len(whole) <= room:
        return whole
    kept: set[str] = set()
    used = len("...")
    for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        width = len(f"{name}={n} ")
        if used + width <= room:
            kept.add(name)
            used += width
    if used > room:
        return ""
    return " ".join([*(f"{name}={n}" for name, n in counts.items() if name in kept), "..."])


def _bar(share: float, width: int) -> str:
    filled = int(share * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _rate_text(rate: float) -> str:
    return format_number(rate) if rate >= 100 else format_number(rate, 1)


def _eta_text(seconds: float | None) -> str:
    return format_duration(seconds) if seconds is not None else "--"


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
