"""The one progress display of send, verify and the dry run: counts, rate and ETA.

On a terminal it draws one line on its stream (stderr), redrawn in place with ``\\r``.
The line is fitted to the terminal's width, asked again at every redraw so that it
follows a resized window: a line wider than the terminal wraps, and ``\\r`` only goes
back to its last row, so every update would leave a row behind. When room is short the
counts go first, then the bar shrinks and goes, then the rate and the ETA.

Off a terminal it draws nothing; every ``interval`` seconds it hands a snapshot to the
command's ``on_tick`` (the ``progress`` log event of a send), so that a scheduler's log
shows the job is alive without one line per row.

A log line written while the bar is drawn would start at the end of the bar and leave
that half-line behind: the console logger writes inside ``line_cleared()``, which wipes
the bar first and draws it again below the log line.

Why not rich or tqdm: the line is one ``\r`` redraw and a width query, about a hundred
lines here. rich would add rich, pygments, markdown-it-py and mdurl to the image,
and its live display keeps the log in order only for output that goes through its own
console (structlog prints to the stream it was given). tqdm is small, but its ``ncols``
resizes only the bar and cuts whatever else is too long at the right edge (we drop the
counts first), and ``tqdm.write`` protects only text written through it. Off a
terminal both would be switched off anyway, for the log event.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from structlog.typing import FilteringBoundLogger

from batch.common.progress_line import Snapshot, fit_line

DEFAULT_COLUMNS = 80  # when the stream cannot say (not a terminal, or a size of 0)
REDRAW_SECONDS = 0.2
ERASE_TO_END = "\x1b[K"

Clock = Callable[[], float]
Tick = Callable[[Snapshot], None]


class Progress:
    """Counts finished items per status; draws them on a terminal, or ticks elsewhere.

    ``restart`` begins a new round with its own label and total (verify asks again, in
    rounds, the messages still in progress); ``close`` ends a round.
    """

    def __init__(
        self,
        total: int | None,
        *,
        draw: bool,
        on_tick: Tick | None = None,
        label: str = "",
        unit: str = "rows",
        already_done: int = 0,
        interval: float = 10.0,
        stream: TextIO | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.total = total
        self.counts: Counter[str] = Counter()
        self._label = label
        self._unit = unit
        self._already_done = already_done  # finished by an earlier attempt of this run
        self._done = 0  # finished by this attempt
        self._draw = draw
        self._on_tick = on_tick
        self._interval = REDRAW_SECONDS if draw else interval
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._started = clock()
        self._last_report = -float("inf")  # the first item reports at once
        self._open = True  # until close(): a closed round draws nothing more

    @property
    def done(self) -> int:
        return self._already_done + self._done

    @property
    def done_by_this_attempt(self) -> int:
        return self._done

    @property
    def label(self) -> str:
        return self._label

    def restart(self, label: str, total: int) -> None:
        self._label, self.total = label, total
        self._already_done = self._done = 0
        self.counts.clear()
        self._started = self._clock()
        self._open = True

    def set_label(self, label: str) -> None:
        """A new label (a pause, say), shown at once on a terminal."""
        self._label = label
        if self._draw and self._open:
            self._write_line()

    def add(self, status: str) -> None:
        """One more item finished, with ``status``."""
        self.counts[status] += 1
        self._done += 1
        self._maybe_report()

    def advance_to(self, done: int) -> None:
        """This attempt has finished ``done`` items (for a count that comes in batches)."""
        self._done = done
        self._maybe_report()

    def _maybe_report(self) -> None:
        now = self._clock()
        if now - self._last_report >= self._interval:
            self._last_report = now
            self.report()

    def rate(self) -> float:
        elapsed = self._clock() - self._started
        return self._done / elapsed if elapsed > 0 else 0.0

    def snapshot(self) -> Snapshot:
        rate = self.rate()
        eta = None
        if self.total is not None and rate > 0:
            eta = max(self.total - self.done, 0) / rate
        return Snapshot(
            self._label, self.done, self.total, rate, eta, dict(sorted(self.counts.items()))
        )

    def report(self) -> None:
        if self._draw:
            if self._open:
                self._write_line()
        elif self._on_tick is not None:
            self._on_tick(self.snapshot())

    def line(self, columns: int | None = None) -> str:
        """The line as drawn on a terminal of ``columns`` (the stream's width if None)."""
        width = columns if columns is not None else terminal_columns(self._stream)
        return fit_line(self.snapshot(), self._unit, width)

    def close(self, *, keep: bool = True) -> None:
        """End the round: on a terminal, the final line stays (``keep``) or is wiped."""
        if not (self._draw and self._open):
            return
        self._open = False
        if keep and self.total != 0:
            self._write_line()
            self._stream.write("\n")
        else:
            self._stream.write("\r" + ERASE_TO_END)
        self._stream.flush()
        _on_screen.discard(self)

    def _write_line(self) -> None:
        self._stream.write("\r" + self.line() + ERASE_TO_END)
        self._stream.flush()
        _on_screen.add(self)

    def _wipe(self) -> None:
        self._stream.write("\r" + ERASE_TO_END)
        self._stream.flush()


class _OnScreen:
    """The progress lines drawn now (one, in practice), for the console logger."""

    def __init__(self) -> None:
        self._drawn: list[Progress] = []

    def add(self, progress: Progress) -> None:
        if progress not in self._drawn:
            self._drawn.append(progress)

    def discard(self, progress: Progress) -> None:
        if progress in self._drawn:
            self._drawn.remove(progress)

    def __iter__(self) -> Iterator[Progress]:
        return iter(list(self._drawn))


_on_screen = _OnScreen()


@contextmanager
def line_cleared() -> Iterator[None]:
    """Write other text to the terminal inside this: the bar is wiped, then redrawn."""
    drawn = list(_on_screen)
    for progress in drawn:
        progress._wipe()
    try:
        yield
    finally:
        for progress in drawn:
            progress._write_line()


def terminal_columns(stream: Any) -> int:
    """The width of the terminal ``stream`` writes to, asked now (windows get resized)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return DEFAULT_COLUMNS
    return columns if columns > 0 else DEFAULT_COLUMNS


# -- the log events off a terminal, one per command, as they have always been ------------


def send_ticks(log: FilteringBoundLogger) -> Tick:
    """The send's ``progress`` event."""

    def tick(snapshot: Snapshot) -> None:
        log.info(
            "progress",
            done=snapshot.done,
            total=snapshot.total,
            rows_per_s=round(snapshot.rate, 2),
            eta_s=None if snapshot.eta_s is None else round(snapshot.eta_s),
            counts=snapshot.counts,
        )

    return tick


def verify_ticks(log: FilteringBoundLogger) -> Tick:
    """Verify's ``verify.progress`` event, one round at a time."""

    def tick(snapshot: Snapshot) -> None:
        log.info(
            "verify.progress",
            round=snapshot.label,
            done=snapshot.done,
            total=snapshot.total,
            checks_per_s=round(snapshot.rate, 2),
            counts=snapshot.counts,
        )

    return tick
