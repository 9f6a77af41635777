"""A pace for the day: the options, the open time left, the planner and the limiter's cap."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from batch.api.limiter import Limiter
from batch.common.progress import Progress
from batch.config.job import parse_job
from batch.config.job_sections import RateBudget
from batch.config.pace import Pace, parse_duration
from batch.config.schedule import ZONE, Schedule, parse_quiet_hours
from batch.errors import ConfigError
from batch.send.pace import PacePlanner, open_seconds
from tests.helpers.wall_clock import SteppingClock
from tests.unit.config.test_job import SOURCE, minimal

NIGHT = parse_quiet_hours("21:00-08:00")


def test_not_before_without_an_offset_is_rome_time() -> None:
    job = parse_job(
        minimal(schedule={"not_before": "2026-12-10T09:00", "finish_within": "6h"}), source=SOURCE
    )
    pace = job.schedule.pace
    assert pace.not_before == datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)
    assert pace.not_before.astimezone(UTC) == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert pace.finish_within == timedelta(hours=6)
    assert pace.planned_end(datetime(2026, 12, 10, 11, 0, tzinfo=ZONE)) == datetime(
        2026, 12, 10, 15, 0, tzinfo=ZONE
    )


def test_an_offset_is_kept_and_without_not_before_the_first_start_counts() -> None:
    job = parse_job(minimal(schedule={"not_before": "2026-12-10T09:00+00:00"}), source=SOURCE)
    assert job.schedule.pace.not_before == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert job.schedule.pace.planned_end(datetime.now(UTC)) is None  # no finish_within
    first = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
    assert Pace(finish_within=timedelta(hours=2)).planned_end(first) == first + timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6h", 21600), ("90m", 5400), ("2h30m", 9000), ("1d", 86400), ("45s", 45), ("1d2h", 93600)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text, "k") == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "6", "six hours", "0h", "-1h", "6 hours", "h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.finish_within"):
        parse_job(minimal(schedule={"finish_within": text}), source=SOURCE)


def test_a_bad_not_before_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"schedule\.not_before must be a date and time"):
        parse_job(minimal(schedule={"not_before": "tomorrow 9"}), source=SOURCE)


def test_open_seconds_leave_out_the_quiet_hours() -> None:
    start = datetime(2026, 12, 10, 18, 0, tzinfo=ZONE)
    # 18:00 -> 10:00 next day: 3 h before 21:00, 2 h after 08:00.
    assert open_seconds(start, start + timedelta(hours=16), NIGHT) == 5 * 3600
    assert open_seconds(start, start + timedelta(hours=16), None) == 16 * 3600
    inside = datetime(2026, 12, 10, 23, 0, tzinfo=ZONE)
    assert open_seconds(inside, inside + timedelta(hours=10), NIGHT) == 3600  # 08:00-09:00
    assert open_seconds(start, start - timedelta(hours=1), NIGHT) == 0.0


def test_open_seconds_on_the_nights_the_clocks_change() -> None:
    """The night is an hour shorter in spring and an hour longer in autumn."""
    spring = datetime(2027, 3, 27, 20, 0, tzinfo=ZONE)  # 20:00 the evening before
    autumn = datetime(2026, 10, 24, 20, 0, tzinfo=ZONE)
    # 20:00 -> 09:00 local: an hour before 21:00 and an hour after 08:00 either night,
    # whatever the night's own length.
    spring_end = datetime(2027, 3, 28, 9, 0, tzinfo=ZONE)
    autumn_end = datetime(2026, 10, 25, 9, 0, tzinfo=ZONE)
    assert open_seconds(spring, spring_end, NIGHT) == 2 * 3600
    assert open_seconds(autumn, autumn_end, NIGHT) == 2 * 3600


def planner(
    clock: SteppingClock, limiter: Limiter, total: int, done: int, pace: Pace
) -> PacePlanner:
    job = parse_job(minimal(), source=SOURCE)
    job = replace(job, schedule=Schedule(pace=pace))
    progress = Progress(total, draw=False, already_done=done)
    return PacePlanner(job, clock, limiter, progress, first_start=clock.now())


def test_the_pace_spreads_the_rows_left_over_the_time_left() -> None:
    now = datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0))
    pace = Pace(not_before=now - timedelta(hours=1), finish_within=timedelta(hours=3))
    plan = planner(SteppingClock(now), limiter, total=10_000, done=2_800, pace=pace)
    plan.update()
    # 7,200 rows left, 2 calls each, over the 2 hours left: 2 calls per second.
    assert plan.planned_end == datetime(2026, 12, 10, 11, 0, tzinfo=ZONE)
    assert limiter.capped_rate == pytest.approx(2.0)
    assert plan.label() == "pace 120 calls/min, end 10/12 11:00"


def test_past_the_planned_end_the_budget_is_the_only_bound() -> None:
    now = datetime(2026, 12, 10, 16, 0, tzinfo=ZONE)
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0))
    pace = Pace(not_before=now - timedelta(hours=8), finish_within=timedelta(hours=6))
    plan = planner(SteppingClock(now), limiter, total=100, done=50, pace=pace)
    limiter.cap(1.0)
    plan.update()
    assert limiter.capped_rate is None and plan.rate is None


def test_a_run_before_not_before_holds_every_turn() -> None:
    now = datetime(2026, 12, 10, 8, 0, tzinfo=ZONE)
    limiter = Limiter(RateBudget(calls=None))
    planner(SteppingClock(now), limiter, 10, 0, Pace(not_before=now + timedelta(hours=1)))
    assert not limiter.take_turn_now()  # held: the fast path is closed


@pytest.mark.anyio
async def test_a_capped_unlimited_limiter_spaces_its_turns() -> None:
    limiter = Limiter(RateBudget(calls=None))
    limiter.cap(20.0)
    started = time.monotonic()
    for _ in range(11):
        await limiter.acquire()
    assert time.monotonic() - started >= 0.5 - 0.01
    assert limiter.calls == 11


@pytest.mark.anyio
async def test_a_held_limiter_gives_no_turn_until_released() -> None:
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0))
    limiter.hold()
    got: list[float] = []

    async def take() -> None:
        await limiter.acquire()
        got.append(time.monotonic())

    async with anyio.create_task_group() as group:
        group.start_soon(take)
        await anyio.sleep(0.2)
        assert got == []
        released = time.monotonic()
        limiter.release()
    assert got[0] >= released
