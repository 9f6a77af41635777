"""A send run's side of the quiet hours: the pause on the progress line, and the summary
(with the day's pace, the other half of ``[schedule]``).

The gate itself (``api/quiet_gate.py``) holds the calls; this module shows the pause
("quiet hours until 08:00") on the progress line while it lasts and puts into the
report how long the run waited and, when it stopped for the window, until when.
"""

from __future__ import annotations

from datetime import datetime

from batch.api.quiet_gate import QuietGate, local_text
from batch.api.stopping import Stop
from batch.common.clock import WallClock
from batch.common.progress import Progress
from batch.config.job import Job
from batch.config.schedule import ZONE
from batch.i18n import _
from batch.output.run_summary import RunReport
from batch.send.pace import PacePlanner


def quiet_gate(job: Job, clock: WallClock, stop: Stop, progress: Progress) -> QuietGate:
    def paused(until: datetime) -> None:
        local = until.astimezone(ZONE)
        # With the offset: on the night the clocks go back, 02:30 comes twice.
        shown = local.isoformat(sep=" ", timespec="minutes")
        progress.set_label(_("quiet hours until {until} (Europe/Rome)").format(until=shown))

    def resumed() -> None:
        progress.set_label("")

    return QuietGate(job.schedule, clock, stop, on_pause=paused, on_resume=resumed)


def add_to_report(report: RunReport, gate: QuietGate, pace: PacePlanner | None = None) -> None:
    gate.finish()
    if pace is not None:
        pace.add_to_report(report)
    report.quiet_hours_wait_s = round(gate.waited_s, 3)
    if gate.stopped_until is not None:
        report.stopped_for_quiet_hours_until = local_text(gate.stopped_until)
    report.exit_code = int(report.decide_exit_code())
