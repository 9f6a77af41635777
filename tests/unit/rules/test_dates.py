"""Due dates: every accepted form, UTC across daylight saving, end of day for a date alone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.rules import dates

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        # A date alone is the end of that day in Italy: CET (+1) in winter, CEST (+2) in summer.
        ("2026-03-28", "2026-03-28T22:59:59.000Z"),  # the day before clocks go forward
        ("2026-03-29", "2026-03-29T21:59:59.000Z"),  # the change day: 23:59:59 is CEST
        ("29/03/2026", "2026-03-29T21:59:59.000Z"),
        ("2026-10-24", "2026-10-24T21:59:59.000Z"),
        ("2026-10-25", "2026-10-25T22:59:59.000Z"),  # clocks went back: 23:59:59 is CET
        ("25/10/2026", "2026-10-25T22:59:59.000Z"),
        ("1/2/2026", "2026-02-01T22:59:59.000Z"),
        ("16.12.2026", "2026-12-16T22:59:59.000Z"),
        ("16-12-2026", "2026-12-16T22:59:59.000Z"),
        # Local date-times, with or without seconds, T or blank.
        ("2026-03-29 01:59", "2026-03-29T00:59:00.000Z"),  # last minute of CET
        ("2026-03-29 03:00", "2026-03-29T01:00:00.000Z"),  # first of CEST
        ("29/03/2026 10:00", "2026-03-29T08:00:00.000Z"),
        ("2026-03-29T10:00", "2026-03-29T08:00:00.000Z"),
        ("2026-03-29T10:00:00", "2026-03-29T08:00:00.000Z"),  # no zone: Italian local time
        ("16/12/2026 8:05:07", "2026-12-16T07:05:07.000Z"),
        # The autumn hour that happens twice: the later one (never earlier than written).
        ("2026-10-25 02:30", "2026-10-25T01:30:00.000Z"),
        ("2026-10-25 03:00", "2026-10-25T02:00:00.000Z"),
        # ISO-8601 with a zone is taken as it is.
        ("2026-03-29T10:00:00Z", "2026-03-29T10:00:00.000Z"),
        ("2026-03-29T10:00:00.5+02:00", "2026-03-29T08:00:00.500Z"),
        ("2026-03-29T10:00:00-01:30", "2026-03-29T11:30:00.000Z"),
        ("2026-12-31T23:59:59.999Z", "2026-12-31T23:59:59.999Z"),
        # Midnight, local: the date alone, the end of that day (a spreadsheet's date cell).
        ("2026-12-31 00:00:00", "2026-12-31T22:59:59.000Z"),
        ("2026-12-31 00:00", "2026-12-31T22:59:59.000Z"),
        ("2026-12-31T00:00:00", "2026-12-31T22:59:59.000Z"),
        ("31/12/2026 0:00", "2026-12-31T22:59:59.000Z"),
        ("29/03/2026 00:00:00", "2026-03-29T21:59:59.000Z"),  # the spring change day
        ("2026-10-25 00:00", "2026-10-25T22:59:59.000Z"),  # the autumn one
        ("2026-12-31 00:00:01", "2026-12-30T23:00:01.000Z"),  # one second past: literal
        ("2026-12-31 00:01", "2026-12-30T23:01:00.000Z"),
        # With a zone, midnight is the instant written.
        ("2026-12-31T00:00:00Z", "2026-12-31T00:00:00.000Z"),
        ("2026-12-31T00:00:00+01:00", "2026-12-30T23:00:00.000Z"),
    ],
)
def test_accepted_forms(written: str, utc: str) -> None:
    assert dates.to_utc(written) == utc


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("", dates.FORMAT),
        ("domani", dates.FORMAT),
        ("2026/03/29", dates.FORMAT),
        ("29/03/26", dates.FORMAT),
        ("31/02/2026", dates.INVALID),
        ("2026-13-01", dates.INVALID),
        ("2026-12-31 24:00", dates.INVALID),
        ("2026-12-31 23:60", dates.INVALID),
        ("2026-13-01T00:00:00Z", dates.INVALID),
        ("2026-03-29 02:00", dates.NONEXISTENT),  # clocks jump from 02:00 to 03:00
        ("2026-03-29 02:59", dates.NONEXISTENT),
    ],
)
def test_refused_forms(written: str, code: str) -> None:
    with pytest.raises(ValueError, match=code):
        dates.to_utc(written)


@settings(max_examples=150)
@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 12, 31)))
def test_local_times_match_the_zone_database(moment: dt.datetime) -> None:
    moment = moment.replace(second=0, microsecond=0)
    local = moment.replace(tzinfo=ROME, fold=1)
    if local.astimezone(dt.UTC).astimezone(ROME).replace(tzinfo=None) != moment:
        with pytest.raises(ValueError, match=dates.NONEXISTENT):
            dates.to_utc(moment.strftime("%d/%m/%Y %H:%M"))
        return
    if moment.time() == dt.time(0, 0):  # midnight is the date alone: the end of the day
        local = local.replace(hour=23, minute=59, second=59)
    expected = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert dates.to_utc(moment.strftime("%d/%m/%Y %H:%M")) == expected
    assert dates.to_utc(moment.strftime("%Y-%m-%d %H:%M")) == expected


@settings(max_examples=100)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_a_date_alone_is_the_last_second_of_that_day_in_italy(day: dt.date) -> None:
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=ROME)
    expected = end.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert dates.to_utc(day.strftime("%d/%m/%Y")) == expected
    assert dates.to_utc(day.isoformat()) == expected


@pytest.mark.parametrize(
    ("written", "midnight"),
    [
        ("2026-12-31 00:00:00", True),
        ("2026-12-31T00:00", True),
        ("31/12/2026 00:00", True),
        ("1/2/2026 0:00", True),
        ("2026-12-31", False),
        ("2026-12-31 00:00:01", False),
        ("2026-12-31 10:00", False),
        ("2026-12-31T00:00:00Z", False),
        ("2026-12-31T00:00:00+01:00", False),
    ],
)
def test_local_midnight_is_told_apart(written: str, midnight: bool) -> None:
    found = pl.select(dates.is_local_midnight(pl.lit(written))).item()
    assert found is midnight
