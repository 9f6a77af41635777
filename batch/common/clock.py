"""The one text form of an instant: ``YYYY-MM-DDTHH:MM:SS.mmmZ``, UTC, milliseconds.

IO's own format for ``due_date`` and ``created_at``; io-batch writes every time it
records (``sent_at``, ``checked_at``, the journal's columns) the same way. The form
has a fixed width, so the text order of two instants is their order in time.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_timestamp(now: datetime | None = None) -> str:
    """``now`` (default: this instant) as ``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
