"""``[schedule] not_before`` and ``finish_within``: a pace for the day.

IO's own mass sender spreads a job over 2-12 hours rather than sending as fast as the
budget allows, and support lines prefer a campaign that arrives over the morning. A job
may say when its first message may go (``not_before``, Europe/Rome when the text gives
no offset) and in how long the whole campaign should be out (``finish_within``). The
planned end is ``not_before + finish_within`` (or, without ``not_before``, the run's
first start + ``finish_within``): a run started late, or resumed, keeps to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _

_DURATION = re.compile(r"(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?")
_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True, slots=True)
class Pace:
    not_before: datetime | None = None  # aware: no call before it
    finish_within: timedelta | None = None  # the whole campaign, from the planned start

    @property
    def paced(self) -> bool:
        return self.not_before is not None or self.finish_within is not None

    def planned_end(self, first_start: datetime) -> datetime | None:
        """When the last message should be out; None: as fast as the budget allows."""
        if self.finish_within is None:
            return None
        start = self.not_before if self.not_before is not None else first_start
        return start + self.finish_within


def parse_duration(text: str, key: str) -> timedelta:
    """``6h``, ``90m``, ``2h30m``, ``1d``, ``45s``: a positive duration."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()) or not text.strip():
        raise ConfigError(
            _('{key} must be a duration such as "6h", "90m" or "2h30m"; got {value}').format(
                key=key, value=repr(text)
            )
        )
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise ConfigError(
            _("{key} must be longer than zero; got {value}").format(key=key, value=repr(text))
        )
    return duration


def parse_instant(text: str, key: str, zone: tzinfo) -> datetime:
    """An ISO-8601 date and time; without an offset, a wall-clock time in ``zone``."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            _(
                '{key} must be a date and time such as "2026-12-10T09:00" (Europe/Rome) or '
                '"2026-12-10T09:00+01:00"; got {value}'
            ).format(key=key, value=repr(text))
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=zone)
    return instant


def parse_pace(table: Table, zone: tzinfo) -> Pace:
    """``not_before`` and ``finish_within`` of the ``[schedule]`` table."""
    not_before = table.optional_str("not_before")
    finish_within = table.optional_str("finish_within")
    return Pace(
        not_before=None
        if not_before is None
        else parse_instant(not_before, "schedule.not_before", zone),
        finish_within=None
        if finish_within is None
        else parse_duration(finish_within, "schedule.finish_within"),
    )
