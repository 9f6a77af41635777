"""Time: the one text form of an instant, and the wall clock that quiet hours read.

``utc_timestamp`` writes ``YYYY-MM-DDTHH:MM:SS.mmmZ``, UTC, milliseconds: IO's own
format for ``due_date`` and ``created_at``; io-batch writes every time it records
(``sent_at``, ``checked_at``, the journal's columns) the same way. The form has a fixed
width, so the text order of two instants is their order in time.

Quiet hours ask "what time is it in Rome?" and wait until a window ends. A run gets
its ``WallClock`` injected, so that tests never sleep through a night: unit tests pass
a clock whose ``sleep`` moves its own time on at once; end-to-end tests start
``io-batch`` with ``IO_BATCH_FAKE_NOW`` (test-only, undocumented for operators: an ISO
instant with its offset), which makes the run's wall clock start at that instant and
run on at the real pace, so a test starts a run a few seconds before a window ends.
Nothing else reads it: the journal, the results' ``sent_at`` and the logs keep the real
time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

import anyio

from batch.errors import ConfigError

FAKE_NOW_ENV = "IO_BATCH_FAKE_NOW"


def utc_timestamp(now: datetime | None = None) -> str:
    """``now`` (default: this instant) as ``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class WallClock(Protocol):
    def now(self) -> datetime:
        """The current instant (aware, UTC)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Let ``seconds`` of this clock's time pass."""
        ...


class SystemClock:
    """The real clock, shifted by ``offset`` (zero but in tests)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


def clock_from_env(environ: Mapping[str, str]) -> SystemClock:
    """The real clock, or (test-only) one that starts at ``IO_BATCH_FAKE_NOW``."""
    text = environ.get(FAKE_NOW_ENV, "").strip()
    if not text:
        return SystemClock()
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        raise ConfigError(
            f"{FAKE_NOW_ENV} must be an ISO instant with its offset, e.g. "
            f"2026-12-01T07:59:55+01:00; got {text!r}",
            hint=f"it is for tests only: unset {FAKE_NOW_ENV} in production",
        )
    return SystemClock(start - datetime.now(UTC))
