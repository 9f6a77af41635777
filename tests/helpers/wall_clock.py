"""A wall clock for quiet-hours tests: its ``sleep`` moves its time on at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import anyio.lowlevel


class SteppingClock:
    """``now()`` starts at ``start``; ``sleep(s)`` adds ``s`` and yields to other tasks,
    so a run waits a whole night in a few milliseconds of real time."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self.slept = 0.0
        self.naps = 0  # how many sleeps: a wait must not turn into a busy loop

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.naps += 1
        self.current += timedelta(seconds=seconds)
        await anyio.lowlevel.checkpoint()
