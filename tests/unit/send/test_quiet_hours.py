"""Quiet hours in a whole send run, in process, on a clock that steps through the night."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest

from batch.api.quiet_gate import QuietGate
from batch.api.stopping import Stop, StopRequested
from batch.config.choices import OnQuietHours
from batch.config.job import Job
from batch.config.schedule import ZONE, Schedule, parse_quiet_hours
from batch.errors import ExitCode
from batch.sandbox import SandboxConfig, create_app
from batch.send.pipeline import SendOptions, SendRun
from tests.helpers.jobs import in_process_job
from tests.helpers.wall_clock import SteppingClock
from tests.unit.send.test_send_run import BASE_URL, population, results

pytestmark = pytest.mark.anyio

NIGHT = parse_quiet_hours("21:00-08:00")
EVENING = datetime(2026, 11, 30, 23, 0, tzinfo=ZONE)
MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)
ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0)


class Timed(httpx.AsyncBaseTransport):
    """The sandbox's transport, noting the run's wall-clock time of every call."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: SteppingClock) -> None:
        self._inner = inner
        self._clock = clock
        self.calls: list[tuple[str, datetime]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        operation = "submit" if request.url.path.endswith("/messages") else "profile"
        self.calls.append((operation, self._clock.now()))
        return await self._inner.handle_async_request(request)


def night_job(tmp_path: object, count: int = 12, **schedule: object) -> Job:
    job = in_process_job(tmp_path, population(count, seed=7))  # type: ignore[arg-type]
    return replace(job, schedule=Schedule(quiet_hours=NIGHT, **schedule))  # type: ignore[arg-type]


def new_run(job: Job, transport: httpx.AsyncBaseTransport, clock: SteppingClock) -> SendRun:
    options = SendOptions(handle_signals=False)
    return SendRun(
        job, options, base_url=BASE_URL, api_key="sandbox-key", transport=transport, clock=clock
    )


async def test_a_run_started_in_the_night_sends_nothing_until_the_morning(tmp_path: object) -> None:
    job = night_job(tmp_path)
    clock = SteppingClock(EVENING)
    app = create_app(ALL_IN)
    transport = Timed(app.transport(), clock)
    report = (await new_run(job, transport, clock).run()).report
    assert report.counts == {"sent": 12} and report.exit_code == 0
    assert len(transport.calls) == 24
    assert min(when for _, when in transport.calls) >= MORNING  # no call at all before 08:00
    assert report.quiet_hours_wait_s == 9 * 3600
    assert app.ledger.count() == 12


async def test_profile_checks_may_go_on_in_the_night_when_the_job_says_so(
    tmp_path: object,
) -> None:
    job = night_job(tmp_path, profile_checks_in_quiet_hours=True)
    clock = SteppingClock(EVENING)
    transport = Timed(create_app(ALL_IN).transport(), clock)
    report = (await new_run(job, transport, clock).run()).report
    assert report.counts == {"sent": 12}
    profiles = [when for operation, when in transport.calls if operation == "profile"]
    submits = [when for operation, when in transport.calls if operation == "submit"]
    # Each of the 4 workers checks its row's profile in the night, then holds its submit.
    assert len(profiles) == 12 and sum(when < MORNING for when in profiles) == 4
    assert len(submits) == 12 and min(submits) >= MORNING
    assert report.quiet_hours_wait_s == 9 * 3600  # one pause, from the first wait to 08:00


async def test_on_quiet_hours_stop_exits_75_and_the_next_run_resumes(tmp_path: object) -> None:
    job = night_job(tmp_path, on_quiet_hours=OnQuietHours.STOP)
    app = create_app(ALL_IN)
    night = SteppingClock(EVENING)
    stopped = (await new_run(job, Timed(app.transport(), night), night).run()).report
    assert stopped.exit_code == ExitCode.QUIET_HOURS == 75
    assert stopped.counts == {"pending": 12}
    assert stopped.stopped_for_quiet_hours_until == "2026-12-01T08:00:00+01:00"
    assert night.slept == 0 and app.calls.count() == 0
    assert {row["status"] for row in results(job)} == {"pending"}
    morning = SteppingClock(MORNING)
    resumed = (await new_run(job, Timed(app.transport(), morning), morning).run()).report
    assert resumed.resumed and resumed.counts == {"sent": 12} and resumed.exit_code == 0
    assert app.ledger.count() == 12


async def test_a_run_that_reaches_the_window_pauses_and_resumes(tmp_path: object) -> None:
    job = night_job(tmp_path, count=30)
    clock = SteppingClock(datetime(2026, 11, 30, 20, 59, 59, tzinfo=ZONE))
    app = create_app(ALL_IN)
    transport = Timed(app.transport(), clock)

    class Ticking(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await transport.handle_async_request(request)
            clock.current += timedelta(milliseconds=100)
            return response

    report = (await new_run(job, Ticking(), clock).run()).report
    assert report.counts == {"sent": 30}
    night = [when for _, when in transport.calls if NIGHT.ends_after(when) is not None]
    assert night == []  # the calls before 21:00, then none until 08:00
    assert any(when < MORNING for _, when in transport.calls)  # some went out before
    assert 11 * 3600 - 1 <= report.quiet_hours_wait_s <= 11 * 3600


async def test_a_stop_ends_the_wait_and_the_rows_stay_pending(tmp_path: object) -> None:
    job = night_job(tmp_path)
    app = create_app(ALL_IN)
    runs: list[SendRun] = []

    class StoppedAtNight(SteppingClock):
        async def sleep(self, seconds: float) -> None:
            runs[0].stop()  # as SIGTERM does, while the run waits for the morning
            await super().sleep(seconds)

    clock = StoppedAtNight(EVENING)
    runs.append(new_run(job, Timed(app.transport(), clock), clock))
    report = (await runs[0].run()).report
    assert report.exit_code == ExitCode.INTERRUPTED and report.interrupted
    assert report.counts == {"pending": 12} and app.calls.count() == 0
    morning = SteppingClock(MORNING)
    resumed = (await new_run(job, Timed(app.transport(), morning), morning).run()).report
    assert resumed.counts == {"sent": 12} and app.ledger.count() == 12


async def test_the_gate_waits_once_and_counts_the_wait() -> None:
    clock = SteppingClock(EVENING)
    gate = QuietGate(Schedule(quiet_hours=NIGHT), clock, Stop())
    assert gate.closed_until("submit") == MORNING and gate.closed_until("get") is None
    await gate.wait_open("submit")
    assert clock.now() == MORNING and gate.waited_s == 9 * 3600
    await gate.wait_open("submit")  # open now: no wait
    assert gate.waited_s == 9 * 3600
    stop = Stop()
    stopping = QuietGate(
        Schedule(NIGHT, on_quiet_hours=OnQuietHours.STOP), SteppingClock(EVENING), stop
    )
    with pytest.raises(StopRequested):
        await stopping.wait_open("profile")
    assert stop.requested and stopping.stopped_until == MORNING
