"""``[schedule]``: the quiet hours, when no message may reach a citizen's phone.

``quiet_hours = "21:00-08:00"`` is a window of local time in Europe/Rome; it may run
across midnight, and it follows the daylight-saving changes (the night the clocks go
forward it is an hour shorter, the night they go back an hour longer). Pure: every
question takes the instant it is about, so tests never wait for a real night.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from batch.config.choices import OnQuietHours
from batch.config.pace import Pace, parse_pace
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _

ZONE = ZoneInfo("Europe/Rome")
_WINDOW = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of local time (Europe/Rome), ``start`` included, ``end`` not."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def ends_after(self, instant: datetime) -> datetime | None:
        """When the window that holds ``instant`` ends (aware, UTC); None: not inside one.

        Each night's window is a span of real instants (``local_boundary``): on the night
        the clocks go back it is an hour longer, and 02:29:45+01:00 is still inside a
        window that ends at 02:30, until 02:30+01:00; on the night they go forward an end
        at 02:30, an hour that does not exist, comes when the clocks jump, 03:00+02:00."""
        moment = instant.astimezone(UTC)
        today = moment.astimezone(ZONE).date()
        # The window that started the day before (across midnight), or today.
        for first_day in (today - timedelta(days=1), today):
            start, end = self.span(first_day)
            if start <= moment < end:
                return end
        return None

    def span(self, first_day: date) -> tuple[datetime, datetime]:
        """The window that starts on ``first_day`` (local), as ``[start, end)`` in UTC."""
        last_day = first_day + timedelta(days=1) if self.crosses_midnight() else first_day
        start = local_boundary(first_day, self.start, last=False)
        return start, max(start, local_boundary(last_day, self.end, last=True))


def local_boundary(day: date, wall: time, *, last: bool) -> datetime:
    """The instant (UTC) at which Rome's clocks read ``wall`` on ``day``.

    Twice on the night they go back: the first time for a window's start, the last
    (``last``) for its end, so the window holds the repeated hour. Never on the night
    they go forward, for a time in the skipped hour: then the instant they jump (the
    first one whose local time is past ``wall``), for a start as for an end."""
    naive = datetime.combine(day, wall)
    earlier = naive.replace(tzinfo=ZONE, fold=0).astimezone(UTC)
    later = naive.replace(tzinfo=ZONE, fold=1).astimezone(UTC)
    if earlier.astimezone(ZONE).replace(tzinfo=None) == naive:  # the time exists
        return later if last else earlier
    # In the gap zoneinfo gives fold=0 the offset before the change (an instant after
    # the jump) and fold=1 the one after (before it); the jump lies between the two.
    return _jump_between(later, earlier)


def _jump_between(before: datetime, after: datetime) -> datetime:
    """The first instant in ``(before, after]`` with ``after``'s UTC offset (to the second)."""
    offset = after.astimezone(ZONE).utcoffset()
    low, high = before, after
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(ZONE).utcoffset() == offset:
            high = middle
        else:
            low = middle
    return high


@dataclass(frozen=True, slots=True)
class Schedule:
    quiet_hours: QuietHours | None = None
    on_quiet_hours: OnQuietHours = OnQuietHours.WAIT
    profile_checks_in_quiet_hours: bool = False  # profile checks (no push) may go on
    pace: Pace = field(default_factory=Pace)  # not_before, finish_within: a pace for the day


def parse_quiet_hours(text: str) -> QuietHours:
    match = _WINDOW.fullmatch(text)
    bad = ConfigError(
        _(
            'schedule.quiet_hours must be "HH:MM-HH:MM" (Europe/Rome), e.g. "21:00-08:00"; '
            "got {value}"
        ).format(value=repr(text))
    )
    if match is None:
        raise bad
    hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
    if hour1 > 23 or hour2 > 23 or minute1 > 59 or minute2 > 59:
        raise bad
    start, end = time(hour1, minute1), time(hour2, minute2)
    if start == end:
        raise ConfigError(
            _("schedule.quiet_hours {value} starts and ends at the same time").format(
                value=repr(text)
            ),
            hint=_("give a window such as 21:00-08:00, or leave quiet_hours out"),
        )
    return QuietHours(start, end)


def parse_schedule(table: Table) -> Schedule:
    """The ``[schedule]`` table (every key checked, unknown ones refused)."""
    window = table.optional_str("quiet_hours")
    on_quiet_hours = table.get_str("on_quiet_hours", OnQuietHours.WAIT)
    if on_quiet_hours not in tuple(OnQuietHours):
        raise ConfigError(
            _("{key} must be one of {choices}; got {value}").format(
                key="schedule.on_quiet_hours",
                choices=", ".join(OnQuietHours),
                value=repr(on_quiet_hours),
            )
        )
    schedule = Schedule(
        quiet_hours=parse_quiet_hours(window) if window is not None else None,
        on_quiet_hours=OnQuietHours(on_quiet_hours),
        profile_checks_in_quiet_hours=table.get_bool("profile_checks_in_quiet_hours", False),
        pace=parse_pace(table, ZONE),
    )
    table.done()
    return schedule
