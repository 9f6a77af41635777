"""``[schedule]``: the quiet hours, when no message may reach a citizen's phone.

``quiet_hours = "21:00-08:00"`` is a window of local time in Europe/Rome; it may run
across midnight, and it follows the daylight-saving changes (the night the clocks go
forward it is an hour shorter, the night they go back an hour longer). Pure: every
question takes the instant it is about, so tests never wait for a real night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from batch.config.choices import OnQuietHours
from batch.config.pace import Pace, parse_pace
from batch.config.toml_table import Table
from batch.errors import ConfigError

ZONE = ZoneInfo("Europe/Rome")
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of local time (Europe/Rome), ``start`` included, ``end`` not."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def covers(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight

    def ends_after(self, instant: datetime) -> datetime | None:
        """When the window that holds ``instant`` ends (aware, UTC); None: not inside one."""
        local = instant.astimezone(ZONE)
        wall = local.time().replace(tzinfo=None)
        if not self.covers(wall):
            return None
        day = local.date() if wall < self.end else local.date() + timedelta(days=1)
        end = datetime.combine(day, self.end, tzinfo=ZONE).astimezone(UTC)
        # An end inside the spring-forward gap (02:30 that night) does not exist: read with
        # fold=0 (PEP 495) it lands just after the gap. Never an end before the instant.
        return max(end, instant.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class Schedule:
    quiet_hours: QuietHours | None = None
    on_quiet_hours: OnQuietHours = OnQuietHours.WAIT
    profile_checks_in_quiet_hours: bool = False  # profile checks (no push) may go on
    pace: Pace = field(default_factory=Pace)  # not_before, finish_within: a pace for the day


def parse_quiet_hours(text: str) -> QuietHours:
    match = _WINDOW.fullmatch(text)
    bad = ConfigError(
        f'schedule.quiet_hours must be "HH:MM-HH:MM" (Europe/Rome), e.g. "21:00-08:00"; '
        f"got {text!r}"
    )
    if match is None:
        raise bad
    hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
    if hour1 > 23 or hour2 > 23 or minute1 > 59 or minute2 > 59:
        raise bad
    start, end = time(hour1, minute1), time(hour2, minute2)
    if start == end:
        raise ConfigError(
            f"schedule.quiet_hours {text!r} starts and ends at the same time",
            hint="give a window such as 21:00-08:00, or leave quiet_hours out",
        )
    return QuietHours(start, end)


def parse_schedule(table: Table) -> Schedule:
    """The ``[schedule]`` table (every key checked, unknown ones refused)."""
    window = table.optional_str("quiet_hours")
    on_quiet_hours = table.get_str("on_quiet_hours", OnQuietHours.WAIT)
    if on_quiet_hours not in tuple(OnQuietHours):
        raise ConfigError(
            f"schedule.on_quiet_hours must be one of {', '.join(OnQuietHours)}; "
            f"got {on_quiet_hours!r}"
        )
    schedule = Schedule(
        quiet_hours=parse_quiet_hours(window) if window is not None else None,
        on_quiet_hours=OnQuietHours(on_quiet_hours),
        profile_checks_in_quiet_hours=table.get_bool("profile_checks_in_quiet_hours", False),
        pace=parse_pace(table, ZONE),
    )
    table.done()
    return schedule
