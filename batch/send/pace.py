"""A send run's pace for the day (``[schedule] not_before``, ``finish_within``).

The run holds every call until ``not_before``, then spreads what is left over the time
left: every ``UPDATE_S`` seconds the limiter is capped at the calls the remaining rows
need over the open time until the planned end, the quiet hours taken out (no message
goes out inside them, so the pace must not count on them). The budget still bounds the
pace from above; once the planned end has passed, the run goes as fast as the budget
allows and says it is late. The progress line and the summary show the pace and the
planned end; a resumed run keeps the plan of its first attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from batch.api.limiter import Limiter
from batch.api.quiet_gate import MAX_NAP_S, local_text
from batch.api.stopping import Stop
from batch.common.clock import WallClock
from batch.common.logs import get_logger
from batch.common.progress import Progress
from batch.config.job import Job
from batch.config.schedule import ZONE, QuietHours
from batch.i18n import _, format_number
from batch.output.run_summary import RunReport

UPDATE_S = 10.0  # how often the pace follows what is left
CALLS_PER_ROW = 2  # profile check + submit; refined by what the run measures
MEASURED_FROM = 50  # rows done by this attempt before its own calls per row are trusted


def open_seconds(start: datetime, end: datetime, quiet: QuietHours | None) -> float:
    """Seconds from ``start`` to ``end`` outside the quiet hours (Europe/Rome)."""
    if end <= start:
        return 0.0
    if quiet is None:
        return (end - start).total_seconds()
    total, moment = 0.0, start
    while moment < end:
        closed_until = quiet.ends_after(moment)
        if closed_until is not None:
            moment = max(closed_until, moment + timedelta(microseconds=1))
            continue
        opens_again = _next_window_start(moment, quiet)
        total += (min(opens_again, end) - moment).total_seconds()
        moment = opens_again
    return total


def _next_window_start(instant: datetime, quiet: QuietHours) -> datetime:
    local = instant.astimezone(ZONE)
    for days in range(3):
        start = datetime.combine(local.date() + timedelta(days=days), quiet.start, tzinfo=ZONE)
        if start > local:
            return start
    raise AssertionError("a daily window starts within two days")


class PacePlanner:
    """Holds the run until ``not_before``, then keeps its limiter at the day's pace."""

    def __init__(
        self,
        job: Job,
        clock: WallClock,
        limiter: Limiter,
        progress: Progress,
        *,
        first_start: datetime,
        calls_per_row: float = CALLS_PER_ROW,
    ) -> None:
        self._pace = job.schedule.pace
        self._quiet = job.schedule.quiet_hours
        self._clock = clock
        self._limiter = limiter
        self._progress = progress
        self._calls_per_row = calls_per_row
        self.planned_end = self._pace.planned_end(first_start)
        self.rate: float | None = None  # the last pace set, calls per second
        self._late_said = False
        self._shown_label = ""  # the label this planner last put on the progress line
        self._log = get_logger()
        if self._pace.not_before is not None and clock.now() < self._pace.not_before:
            limiter.hold()  # before the first call can take a turn

    async def run(self, stop: Stop) -> None:
        """Wait for ``not_before``, then follow what is left; runs until cancelled."""
        not_before = self._pace.not_before
        if not_before is not None and self._clock.now() < not_before:
            self._log.info(
                "pace.wait", not_before=local_text(not_before), detail="no call before then"
            )
            self._progress.set_label(
                _("waiting until {not_before} (not_before)").format(
                    not_before=local_text(not_before)
                )
            )
            while (left := (not_before - self._clock.now()).total_seconds()) > 0:
                await stop.sleep(min(left, MAX_NAP_S))
            self._progress.set_label("")
        self._limiter.release()
        while True:
            self.update()
            await self._clock.sleep(UPDATE_S)

    def update(self) -> None:
        """Cap the limiter at what the rows left need in the open time left."""
        if self.planned_end is None:
            return
        now = self._clock.now()
        seconds = open_seconds(now, self.planned_end, self._quiet)
        left = max((self._progress.total or 0) - self._progress.done, 0)
        calls = left * self._measured_calls_per_row()
        if seconds <= 0:
            self._limiter.cap(None)
            self.rate = None
            if not self._late_said and left:
                self._late_said = True
                self._log.warning(
                    "pace.late",
                    planned_end=local_text(self.planned_end),
                    rows_left=left,
                    detail="the planned end has passed: the rest goes as fast as the budget allows",
                )
            return
        first = self.rate is None
        self.rate = calls / seconds if calls else None
        self._limiter.cap(self.rate)
        if first:
            self._log.info(
                "pace.plan",
                planned_end=local_text(self.planned_end),
                rows_left=left,
                calls_per_s=None if self.rate is None else round(self.rate, 3),
            )
        # Another label (the quiet hours') stays until its owner clears it.
        if self._progress.label in ("", self._shown_label):
            self._shown_label = self.label()
            self._progress.set_label(self._shown_label)

    def label(self) -> str:
        per_minute = 0.0 if self.rate is None else self.rate * 60
        end = "" if self.planned_end is None else self.planned_end.astimezone(ZONE)
        return _("pace {per_minute} calls/min, end {end}").format(
            per_minute=format_number(per_minute), end=f"{end:%d/%m %H:%M}"
        )

    def add_to_report(self, report: RunReport) -> None:
        if self.planned_end is not None:
            report.planned_end = local_text(self.planned_end)
        if self._pace.not_before is not None:
            report.not_before = local_text(self._pace.not_before)
        report.pace_calls_per_s = 0.0 if self.rate is None else round(self.rate, 3)

    def _measured_calls_per_row(self) -> float:
        rows = self._progress.done_by_this_attempt
        if rows < MEASURED_FROM:
            return self._calls_per_row
        return max(self._limiter.calls / rows, 1.0)


def pace_planner(
    job: Job, clock: WallClock, limiter: Limiter, progress: Progress, first_start: datetime
) -> PacePlanner | None:
    """The planner of a paced job (None: the job sends as fast as its budget allows)."""
    pace = job.schedule.pace
    if not pace.paced:
        return None
    calls_per_row = 1 if job.profile.uses_feed else CALLS_PER_ROW
    return PacePlanner(
        job, clock, limiter, progress, first_start=first_start, calls_per_row=calls_per_row
    )
