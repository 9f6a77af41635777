"""Quiet hours on the nights Rome's clocks change (issue 26, point 8).

On the night they go back (25 October 2026: 03:00+02:00 becomes 02:00+01:00) a window
ending at 02:30 ends at the second 02:30, 02:30+01:00: the night is an hour longer, and
02:29:45+01:00 is inside it. On the night they go forward (28 March 2027: 02:00+01:00
becomes 03:00+02:00) a window ending at 02:30, an hour that does not exist, ends when
the clocks jump, 03:00+02:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.api.quiet_gate import local_text
from batch.config.schedule import QuietHours, local_boundary, parse_quiet_hours

LATE = parse_quiet_hours("21:00-02:30")
FALL_BACK = date(2026, 10, 25)
SPRING_FORWARD = date(2027, 3, 28)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def ends(window: str, now: str) -> str | None:
    end = parse_quiet_hours(window).ends_after(at(now))
    return None if end is None else local_text(end)


@pytest.mark.parametrize(
    ("window", "now", "until"),
    [
        # Fall back: the whole night, through both passes of 02:00-03:00, until 02:30+01:00.
        ("21:00-02:30", "2026-10-24T21:00:00+02:00", "2026-10-25T02:30:00+01:00"),
        ("21:00-02:30", "2026-10-25T02:29:45+02:00", "2026-10-25T02:30:00+01:00"),
        ("21:00-02:30", "2026-10-25T02:45:00+02:00", "2026-10-25T02:30:00+01:00"),
        ("21:00-02:30", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00"),
        ("21:00-02:30", "2026-10-25T02:29:45+01:00", "2026-10-25T02:30:00+01:00"),
        ("21:00-02:30", "2026-10-25T02:30:00+01:00", None),
        # A window that starts in the repeated hour starts at its first pass.
        ("02:30-06:00", "2026-10-25T02:29:59+02:00", None),
        ("02:30-06:00", "2026-10-25T02:30:00+02:00", "2026-10-25T06:00:00+01:00"),
        ("02:30-06:00", "2026-10-25T02:10:00+01:00", "2026-10-25T06:00:00+01:00"),
        # A window within the repeated hour holds both passes of it.
        ("02:15-02:45", "2026-10-25T02:50:00+02:00", "2026-10-25T02:45:00+01:00"),
        ("02:15-02:45", "2026-10-25T02:05:00+01:00", "2026-10-25T02:45:00+01:00"),
        # Spring forward: an end in the skipped hour comes when the clocks jump.
        ("21:00-02:30", "2027-03-28T01:59:57+01:00", "2027-03-28T03:00:00+02:00"),
        ("21:00-02:30", "2027-03-27T21:00:00+01:00", "2027-03-28T03:00:00+02:00"),
        ("21:00-02:30", "2027-03-28T03:00:00+02:00", None),
        ("01:00-02:30", "2027-03-28T01:30:00+01:00", "2027-03-28T03:00:00+02:00"),
        # A start in the skipped hour: the window begins when the clocks jump.
        ("02:30-06:00", "2027-03-28T01:59:59+01:00", None),
        ("02:30-06:00", "2027-03-28T03:00:00+02:00", "2027-03-28T06:00:00+02:00"),
        # A window wholly in the skipped hour does not happen that night.
        ("02:10-02:50", "2027-03-28T01:59:59+01:00", None),
        ("02:10-02:50", "2027-03-28T03:00:00+02:00", None),
        ("02:10-02:50", "2027-03-29T02:20:00+02:00", "2027-03-29T02:50:00+02:00"),
        # Windows not crossing midnight, on both nights and the days around.
        ("13:00-14:30", "2026-10-25T13:30:00+01:00", "2026-10-25T14:30:00+01:00"),
        ("13:00-14:30", "2027-03-28T13:30:00+02:00", "2027-03-28T14:30:00+02:00"),
        ("00:00-03:00", "2026-10-25T02:59:00+02:00", "2026-10-25T03:00:00+01:00"),
        ("21:00-08:00", "2026-10-25T07:59:59+01:00", "2026-10-25T08:00:00+01:00"),
        ("21:00-08:00", "2027-03-28T07:59:59+02:00", "2027-03-28T08:00:00+02:00"),
    ],
)
def test_the_nights_the_clocks_change(window: str, now: str, until: str | None) -> None:
    assert ends(window, now) == until


def test_the_fall_back_night_is_an_hour_longer_and_the_spring_one_an_hour_shorter() -> None:
    autumn = LATE.span(FALL_BACK - timedelta(days=1))
    spring = LATE.span(SPRING_FORWARD - timedelta(days=1))
    assert autumn[1] - autumn[0] == timedelta(hours=6, minutes=30)  # 5:30 on other nights
    assert spring[1] - spring[0] == timedelta(hours=5)  # 21:00 to 02:00, then the jump


def test_a_boundary_in_the_skipped_hour_is_the_jump_to_the_second() -> None:
    jump = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    for minute in (0, 1, 30, 59):
        wall = datetime(2000, 1, 1, 2, minute).time()
        assert local_boundary(SPRING_FORWARD, wall, last=True) == jump
        assert local_boundary(SPRING_FORWARD, wall, last=False) == jump


@given(
    st.datetimes(min_value=datetime(2026, 10, 23), max_value=datetime(2026, 10, 27))
    | st.datetimes(min_value=datetime(2027, 3, 26), max_value=datetime(2027, 3, 30)),
    st.integers(0, 23 * 60 + 59),
    st.integers(0, 23 * 60 + 59),
)
def test_an_end_is_ahead_and_the_window_holds_until_then(
    naive: datetime, start_minute: int, end_minute: int
) -> None:
    if start_minute == end_minute:
        return
    window = QuietHours(time(*divmod(start_minute, 60)), time(*divmod(end_minute, 60)))
    instant = naive.replace(tzinfo=UTC)
    end = window.ends_after(instant)
    if end is None:
        return
    # Never "until now" (the busy loop of issue 26): strictly ahead, and every instant
    # up to it is inside a window (the wait never lets a message out before it).
    assert instant < end <= instant + timedelta(hours=26)
    middle = instant + (end - instant) / 2
    assert window.ends_after(middle) is not None
    assert window.ends_after(end - timedelta(seconds=1)) is not None
