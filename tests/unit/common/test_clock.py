"""The one text form of an instant, and the dry run's polars spelling of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from batch.common.clock import utc_timestamp
from batch.rules.dates import OUTPUT_FORMAT


def test_utc_timestamp_has_milliseconds_and_a_z() -> None:
    moment = datetime(2026, 3, 1, 10, 20, 30, 456789, tzinfo=timezone(timedelta(hours=1)))
    assert utc_timestamp(moment) == "2026-03-01T09:20:30.456Z"
    assert utc_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05.000Z"


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 1, 1)))
def test_polars_writes_due_dates_in_the_same_form(moment: datetime) -> None:
    """Due dates (polars, whole columns) and "now" (Python) are compared as text."""
    moment = moment.replace(tzinfo=UTC)
    column = pl.Series([moment], dtype=pl.Datetime("ms", "UTC"))
    # polars keeps milliseconds: compare with the instant cut to milliseconds, as it is.
    cut = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert column.dt.strftime(OUTPUT_FORMAT).item() == utc_timestamp(cut)
