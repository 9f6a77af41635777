"""Dates and times on the report, as the office's language writes them.

English keeps the ISO order (2026-03-02 10:00:01); Italian writes the day first
(02/03/2026 10:00:01), as an Italian office reads a date. Times are 24 h in both, and
always UTC (the page says so beside them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from batch.i18n import current_language

#: strftime's day, by language.
_DAY: Final = {"en": "%Y-%m-%d", "it": "%d/%m/%Y"}


def day_and_time(moment: datetime) -> str:
    """``2026-03-02 10:00:01`` (en) or ``02/03/2026 10:00:01`` (it)."""
    return moment.strftime(f"{_DAY[current_language()]} %H:%M:%S")


def day_and_minute(moment: datetime) -> str:
    """``2026-03-02 10:00`` (en) or ``02/03/2026 10:00`` (it)."""
    return moment.strftime(f"{_DAY[current_language()]} %H:%M")


def recorded_time(text: str) -> str:
    """A time as the journal records it (ISO 8601, UTC), written as a date and time of
    the language; a text that is not such a time (a journal edited by hand) as it is."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return day_and_time(moment)
