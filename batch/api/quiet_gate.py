"""Quiet hours: no message leaves inside the job's window (``[schedule] quiet_hours``).

Every submit (and every profile check, unless the job lets them go on) passes this gate
before it takes its turn in the rate budget, and again right after: a turn that ends
inside the window (a slow budget, a 429 pause) is given up and the call waits. Inside
the window a call either waits until the window ends (``on_quiet_hours = "wait"``: the
run pauses and then resumes on its own) or stops the run as a stop request does
(``"stop"``: no new call, the rows not sent stay pending, exit 75, the next run
resumes). The wait is cut short by the run's ``Stop`` (SIGTERM): the row stays pending.

The gate keeps the time the run spent waiting, for the summary. The clock is
injected (``common/clock.py``): tests never sleep through a window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from batch.api.stopping import Stop, StopRequested
from batch.common.clock import WallClock
from batch.common.logs import get_logger
from batch.config.choices import OnQuietHours
from batch.config.schedule import ZONE, Schedule

#: The longest single sleep: a long wait re-reads the clock now and then (a suspended
#: machine, a clock set by NTP), so it never oversleeps by much.
MAX_NAP_S = 60.0
#: The shortest: inside the window the end is always ahead, but a sleep that wakes a
#: hair early (timer granularity) must not turn the wait into a busy loop.
MIN_NAP_S = 0.05


def local_text(instant: datetime) -> str:
    """``2026-12-01T08:00:00+01:00``: the instant in Europe/Rome, for people and logs."""
    return instant.astimezone(ZONE).isoformat(timespec="seconds")


class QuietGate:
    def __init__(
        self,
        schedule: Schedule,
        clock: WallClock,
        stop: Stop,
        *,
        on_pause: Callable[[datetime], None] | None = None,
        on_resume: Callable[[], None] | None = None,
    ) -> None:
        self._schedule = schedule
        self._clock = clock
        self._stop = stop
        self._on_pause = on_pause
        self._on_resume = on_resume
        self._log = get_logger()
        self._paused_since: datetime | None = None
        self.waited_s = 0.0  # time the run spent waiting for a window to end
        self.stopped_until: datetime | None = None  # set when it stopped for one

    def applies_to(self, operation: str) -> bool:
        if self._schedule.quiet_hours is None:
            return False
        if operation == "submit":
            return True
        return operation == "profile" and not self._schedule.profile_checks_in_quiet_hours

    def closed_until(self, operation: str) -> datetime | None:
        """When the window that holds ``operation`` now ends; None: it may go."""
        window = self._schedule.quiet_hours
        if window is None or not self.applies_to(operation):
            return None
        return window.ends_after(self._clock.now())

    async def wait_open(self, operation: str) -> None:
        """Return once ``operation`` may go out; inside the window, wait or stop the run."""
        waited = False
        while (until := self.closed_until(operation)) is not None:
            if self._schedule.on_quiet_hours is OnQuietHours.STOP:
                self._stop_run(until)
                raise StopRequested(self._stop.reason)
            self._pause(until)
            waited = True
            seconds = (until - self._clock.now()).total_seconds()
            with self._stop.cuts_short():
                await self._clock.sleep(min(max(seconds, MIN_NAP_S), MAX_NAP_S))
        if waited:  # only a call held by the window ends the pause (not a profile check
            self._resume()  # that the job lets go on meanwhile)

    def finish(self) -> None:
        """At the end of the run: a wait still going (a stop came) counts too."""
        if self._paused_since is not None:
            self.waited_s += (self._clock.now() - self._paused_since).total_seconds()
            self._paused_since = None

    def _pause(self, until: datetime) -> None:
        if self._paused_since is not None:
            return  # another call already paused the run: one pause, one log event
        self._paused_since = self._clock.now()
        seconds = (until - self._paused_since).total_seconds()
        self._log.warning(
            "quiet_hours.wait",
            quiet_hours=str(self._schedule.quiet_hours),
            until=local_text(until),
            wait_s=round(seconds),
            detail="no message goes out in the quiet hours; the run resumes on its own",
        )
        if self._on_pause is not None:
            self._on_pause(until)

    def _resume(self) -> None:
        if self._paused_since is None:
            return
        waited = (self._clock.now() - self._paused_since).total_seconds()
        self.waited_s += waited
        self._paused_since = None
        self._log.info("quiet_hours.end", waited_s=round(waited, 3))
        if self._on_resume is not None:
            self._on_resume()

    def _stop_run(self, until: datetime) -> None:
        if self.stopped_until is None and not self._stop.requested:
            self.stopped_until = until
            self._log.warning(
                "quiet_hours.stop",
                quiet_hours=str(self._schedule.quiet_hours),
                until=local_text(until),
                detail='on_quiet_hours = "stop": no new call; run again after the window',
            )
            self._stop.request(f"quiet hours until {local_text(until)}")
