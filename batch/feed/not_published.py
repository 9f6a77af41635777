"""What to say when IO does not serve a day of the subscriptions feed yet.

IO serves day D from D+1 00:00:00 UTC (docs/io-sources.md, "Subscriptions feed": before
that, 404 "Data not available yet"). A sync run just after midnight UTC, or on a machine
whose clock runs ahead of IO's, meets it for yesterday. That is no configuration error:
the same command succeeds once IO has published the day, so it gets its own exit code
(69) and a message saying from when, in UTC and in Rome's time, and never "add --sync"
(it was given).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from batch.config.schedule import ZONE
from batch.errors import NotPublishedYetError


def available_from(day: date) -> datetime:
    """The instant IO starts serving ``day``: the next day's 00:00 UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def not_published_error(
    day: date, io_detail: str = "", now: datetime | None = None
) -> NotPublishedYetError:
    since = available_from(day)
    rome = since.astimezone(ZONE)
    clock = (now or datetime.now(UTC)).astimezone(UTC)
    when = f"{since:%Y-%m-%d %H:%M} UTC ({rome:%Y-%m-%d %H:%M} in Rome)"
    said = f' IO said: "{io_detail}".' if io_detail else ""
    if clock >= since:
        late = (
            f"; this machine's clock already says {clock:%Y-%m-%d %H:%M:%S} UTC, so its clock "
            "and IO's disagree (check NTP) or IO is late"
        )
    else:
        late = ""
    return NotPublishedYetError(
        f"the subscriptions feed of {day.isoformat()} is not published yet (HTTP 404 "
        f'"Data not available yet"): IO serves a day from 00:00 UTC of the next day, '
        f"{when}{late}.{said} Nothing was sent",
        hint=f"run the same command again after {when}: the days already fetched are kept",
    )
