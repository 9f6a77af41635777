"""Quiet hours: a window of Rome's local time, across midnight and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.config.job import parse_job
from batch.config.schedule import ZONE, QuietHours, parse_quiet_hours
from batch.errors import ConfigError

NIGHT = parse_quiet_hours("21:00-08:00")


def rome(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE)  # type: ignore[misc]


def test_a_window_across_midnight() -> None:
    assert QuietHours(time(21), time(8)) == NIGHT
    assert NIGHT.ends_after(rome(2026, 11, 30, 20, 59, 59)) is None
    assert NIGHT.ends_after(rome(2026, 11, 30, 21, 0)) == rome(2026, 12, 1, 8, 0)
    assert NIGHT.ends_after(rome(2026, 12, 1, 2, 0)) == rome(2026, 12, 1, 8, 0)
    assert NIGHT.ends_after(rome(2026, 12, 1, 7, 59, 59)) == rome(2026, 12, 1, 8, 0)
    assert NIGHT.ends_after(rome(2026, 12, 1, 8, 0)) is None


def test_a_window_within_one_day() -> None:
    lunch = parse_quiet_hours("13:00-14:30")
    assert lunch.ends_after(rome(2026, 6, 1, 13, 10)) == rome(2026, 6, 1, 14, 30)
    assert lunch.ends_after(rome(2026, 6, 1, 14, 30)) is None
    assert lunch.ends_after(rome(2026, 6, 1, 12, 59)) is None


def test_the_nights_the_clocks_change() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST: the night is 10 hours long.
    spring = NIGHT.ends_after(rome(2026, 3, 28, 21, 0))
    assert spring == rome(2026, 3, 29, 8, 0)
    assert spring is not None and spring - rome(2026, 3, 28, 21, 0) == timedelta(hours=10)
    # 25 October 2026: 03:00 CEST becomes 02:00 CET: 12 hours.
    autumn = NIGHT.ends_after(rome(2026, 10, 24, 21, 0))
    assert autumn is not None and autumn - rome(2026, 10, 24, 21, 0) == timedelta(hours=12)
    assert autumn.astimezone(ZONE).hour == 8
    # A window that ends in the hour that does not exist ends when the clocks jump
    # (tests/unit/config/test_schedule_dst.py has the rest of those nights).
    gap = parse_quiet_hours("01:00-02:30")
    end = gap.ends_after(rome(2026, 3, 29, 1, 30))
    assert end is not None and end.astimezone(ZONE).isoformat() == "2026-03-29T03:00:00+02:00"


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)),
    st.integers(0, 23 * 60 + 59),
    st.integers(0, 23 * 60 + 59),
)
def test_inside_iff_rome_local_time_is_in_the_window(
    naive: datetime, start_minute: int, end_minute: int
) -> None:
    if start_minute == end_minute:
        return
    window = QuietHours(time(*divmod(start_minute, 60)), time(*divmod(end_minute, 60)))
    instant = naive.replace(tzinfo=UTC)
    offsets = {(instant + timedelta(hours=h)).astimezone(ZONE).utcoffset() for h in (-26, 0, 26)}
    if len(offsets) > 1:
        return  # a night the clocks change: test_schedule_dst.py
    local = instant.astimezone(ZONE).time()
    start, end = window.start, window.end
    inside = start <= local < end if start < end else (local >= start or local < end)
    ends = window.ends_after(instant)
    assert (ends is not None) == inside
    if ends is not None:
        assert instant <= ends <= instant + timedelta(hours=25)
        # The window has ended by then: the end is outside it.
        assert window.ends_after(ends + timedelta(seconds=1)) is None or ends == instant


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        ({"quiet_hours": "21-8"}, "HH:MM-HH:MM"),
        ({"quiet_hours": "25:00-08:00"}, "HH:MM-HH:MM"),
        ({"quiet_hours": "08:00-08:00"}, "same time"),
        ({"quiet_hours": "21:00-08:00", "on_quiet_hours": "skip"}, "wait, stop"),
        ({"quiet_hour": "21:00-08:00"}, "unknown key"),
    ],
)
def test_schedule_mistakes_are_config_errors(schedule: dict[str, str], error: str) -> None:
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "message": {"subject": "s {a}", "markdown": "m {a}"},
        "target": {"kind": "sandbox"},
        "schedule": schedule,
    }
    with pytest.raises(ConfigError, match=error):
        parse_job(raw, source=Path("/jobs/job.toml"))


def test_schedule_defaults_and_options() -> None:
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "message": {"subject": "s {a}", "markdown": "m {a}"},
        "target": {"kind": "sandbox"},
    }
    assert parse_job(raw, source=Path("/j.toml")).schedule.quiet_hours is None
    raw["schedule"] = {
        "quiet_hours": " 22:30 - 07:00 ",
        "on_quiet_hours": "stop",
        "profile_checks_in_quiet_hours": True,
    }
    schedule = parse_job(raw, source=Path("/j.toml")).schedule
    assert str(schedule.quiet_hours) == "22:30-07:00"
    assert schedule.on_quiet_hours == "stop" and schedule.profile_checks_in_quiet_hours
