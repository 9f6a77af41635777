"""The subscriptions feed's answer for one date: 400, 403 (IP), 404 (not yet) or 200.

The date check copies IO's: ``YYYY-MM-DD`` that JavaScript's ``Date`` can parse, where a
day past the month's end rolls over (``2020-02-30`` passes, ``2020-02-32`` does not). A
rolled-over date names no stored day, so it answers 200 with empty lists. A day is
served from the next day's 00:00 UTC on: today and later get 404 (docs/io-sources.md).
Forms that V8 alone accepts (``2020-01-011``) are refused here with 400.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

from batch.sandbox import responses as r
from batch.sandbox.history import FeedHistory

_SHORT_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_feed_date(text: str) -> tuple[date, bool] | None:
    """``(the day JavaScript means, whether it is a real calendar day)``; None: 400."""
    match = _SHORT_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    first = date(year, month, 1)
    meant = first + timedelta(days=day - 1)
    return meant, meant.day == day


def feed_answer(history: FeedHistory, text: str, ip_allowed: bool, today: date) -> r.Response:
    parsed = parse_feed_date(text)
    if parsed is None:
        detail = f"value {text!r} at root is not a valid ShortDateString (YYYY-MM-DD)"
        return r.problem(400, "Invalid ShortDateString", detail)
    if not ip_allowed:
        return r.not_allowed_here()
    meant, is_calendar_day = parsed
    if meant >= today:
        since = datetime.combine(meant + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        detail = (
            f"Subscription data for {text} will be available from "
            f"{format_datetime(since, usegmt=True)}"
        )
        return r.problem(404, "Data not available yet", detail)
    feed = history.day(meant) if is_calendar_day else None
    body = {
        "dateUTC": text,
        "subscriptions": list(feed.subscriptions) if feed else [],
        "unsubscriptions": list(feed.unsubscriptions) if feed else [],
    }
    return r.json_response(200, body)
