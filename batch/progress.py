"""Progress of a run: counts per status, achieved rate and ETA.

On a terminal it draws one self-updating line on stderr; off a terminal (a container)
it emits a ``progress`` log event every ``interval`` seconds instead, so the scheduler's
log shows the job is alive without one line per row.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any, TextIO

from batch.models import Status

BAR_WIDTH = 24


class Progress:
    def __init__(
        self,
        total: int,
        *,
        already_done: int = 0,
        draw: bool,
        log: Any,
        interval: float = 10.0,
        stream: TextIO | None = None,
    ) -> None:
        self.total = total
        self.counts: Counter[Status] = Counter()
        self._already_done = already_done  # finished by an earlier attempt of this run
        self._draw = draw
        self._log = log
        self._interval = interval
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.monotonic()
        self._last_report = 0.0

    @property
    def done(self) -> int:
        return self._already_done + sum(self.counts.values())

    def add(self, status: Status) -> None:
        self.counts[status] += 1
        now = time.monotonic()
        if now - self._last_report >= (0.2 if self._draw else self._interval):
            self._last_report = now
            self.report()

    def rate(self) -> float:
        """Rows finished per second by this attempt."""
        elapsed = time.monotonic() - self._started
        return sum(self.counts.values()) / elapsed if elapsed > 0 else 0.0

    def eta_seconds(self) -> float | None:
        rate = self.rate()
        return (self.total - self.done) / rate if rate > 0 else None

    def report(self) -> None:
        if self._draw:
            self._stream.write("\r" + self.line())
            self._stream.flush()
        else:
            eta = self.eta_seconds()
            self._log.info(
                "progress",
                done=self.done,
                total=self.total,
                rows_per_s=round(self.rate(), 2),
                eta_s=None if eta is None else round(eta),
                counts={status.value: n for status, n in sorted(self.counts.items())},
            )

    def line(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        counts = " ".join(f"{status.value}={n}" for status, n in sorted(self.counts.items()))
        eta = self.eta_seconds()
        eta_text = format_duration(eta) if eta is not None else "--"
        return (
            f"[{bar}] {self.done}/{self.total} {share:4.0%} "
            f"{self.rate():.1f} rows/s ETA {eta_text} {counts}\x1b[K"
        )

    def close(self) -> None:
        if self._draw:
            self.report()
            self._stream.write("\n")
            self._stream.flush()


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
