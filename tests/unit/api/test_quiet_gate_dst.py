"""The quiet-hours gate on the nights the clocks change (issue 26, point 8): it sleeps
until the window's real end, in a bounded number of naps, and says that end."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from structlog.testing import capture_logs

from batch.api.quiet_gate import MAX_NAP_S, QuietGate, local_text
from batch.api.stopping import Stop, StopRequested
from batch.common.progress import Progress
from batch.config.choices import OnQuietHours
from batch.config.schedule import Schedule, parse_quiet_hours
from batch.send.quiet_hours import quiet_gate
from tests.helpers.wall_clock import SteppingClock
from tests.unit.send.test_quiet_hours import night_job

pytestmark = pytest.mark.anyio

LATE = parse_quiet_hours("21:00-02:30")


@pytest.mark.parametrize(
    ("now", "until", "wait_s"),
    [
        ("2026-10-25T02:29:45+01:00", "2026-10-25T02:30:00+01:00", 15),  # fall back
        ("2026-10-25T02:29:45+02:00", "2026-10-25T02:30:00+01:00", 3615),  # its first pass
        ("2027-03-28T01:59:57+01:00", "2027-03-28T03:00:00+02:00", 3),  # spring forward
    ],
)
async def test_the_gate_sleeps_until_the_real_end_and_says_it(
    now: str, until: str, wait_s: int
) -> None:
    clock = SteppingClock(datetime.fromisoformat(now))
    gate = QuietGate(Schedule(quiet_hours=LATE), clock, Stop())
    with capture_logs() as logs:
        await gate.wait_open("submit")
    assert local_text(clock.now()) == until
    assert gate.waited_s == wait_s
    assert clock.naps <= wait_s // MAX_NAP_S + 1  # no busy loop: one nap a minute at most
    (event,) = [log for log in logs if log["event"] == "quiet_hours.wait"]
    assert (event["until"], event["wait_s"]) == (until, wait_s)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00"),
        ("2027-03-28T01:30:00+01:00", "2027-03-28T03:00:00+02:00"),
    ],
)
async def test_stop_says_the_real_end(now: str, until: str) -> None:
    stop = Stop()
    clock = SteppingClock(datetime.fromisoformat(now))
    gate = QuietGate(Schedule(LATE, on_quiet_hours=OnQuietHours.STOP), clock, stop)
    with pytest.raises(StopRequested):
        await gate.wait_open("submit")
    assert gate.stopped_until is not None and local_text(gate.stopped_until) == until
    assert stop.reason == f"quiet hours until {until}"
    assert clock.naps == 0


async def test_the_progress_line_gives_the_offset_of_the_end(tmp_path: object) -> None:
    job = replace(night_job(tmp_path), schedule=Schedule(quiet_hours=LATE))
    clock = SteppingClock(datetime.fromisoformat("2026-10-25T02:29:45+01:00"))
    progress = Progress(1, draw=False)
    labels: list[str] = []
    progress.set_label = labels.append  # type: ignore[method-assign]
    await quiet_gate(job, clock, Stop(), progress).wait_open("submit")
    assert labels == ["quiet hours until 2026-10-25 02:30+01:00 (Europe/Rome)", ""]
