"""Due dates: what offices write, turned into the UTC timestamp IO wants.

Accepted: ISO-8601 with a zone (``2026-03-29T10:00:00Z``, ``...+02:00``, fraction
optional), or an Italian local date / date-time (``2026-03-29``, ``29/03/2026``,
``2026-03-29 10:00``, ``29/03/2026 10:00``, seconds optional, ``T`` or a blank between
date and time, ``/ . -`` between day, month and year). Local times are Europe/Rome
and converted to UTC with the daylight-saving rule of that very day.

A date alone means the END of that day, 23:59:59 in Italy (the IO guide's warning: a
deadline at 00:00 would show the day before as the last day to pay). So does a local
time of exactly midnight (``2026-12-31 00:00`` or ``00:00:00``): that is how
spreadsheets export a date cell, and taken literally it would be the first instant of
the 31st, a deadline a whole day earlier than the date the office wrote. The dry run
lists such rows (``due_date.midnight``) so that the reading is never silent. A zone
(``2026-12-31T00:00:00+01:00``) says the instant is meant: it is taken as it is.

In the autumn hour that happens twice (02:00-02:59 on the last Sunday of October) the
later one is taken: a deadline is never earlier than what the operator wrote. An hour
that does not exist (02:00-02:59 on the last Sunday of March) is an error, not a guess.

Always output as ``YYYY-MM-DDTHH:MM:SS.mmmZ``.
"""

from __future__ import annotations

import polars as pl

from batch.i18n import N_

ZONE = "Europe/Rome"
# ``common.clock.utc_timestamp``'s form, in polars' spelling (for whole columns at once).
OUTPUT_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"
FORMAT = "due_date.format"
INVALID = "due_date.invalid"
NONEXISTENT = "due_date.nonexistent"
#: A warning, not a reason to refuse: IO accepts a due date in the past.
PAST = "due_date.past"
PAST_MESSAGE = N_(
    "the due date is already past: IO accepts it, but the citizen sees a deadline that has gone"
)
#: A warning: a local time of exactly midnight, read as the end of that day.
MIDNIGHT = "due_date.midnight"
MIDNIGHT_MESSAGE = N_(
    "the due date is written with the time 00:00 (as spreadsheets export a date): it is read "
    "as the date alone, the end of that day (23:59:59 in Italy), not as its first instant; "
    "to mean the first instant, write the previous day at 23:59:59 (or a time with a zone)"
)

# [0-9], not \\d: Unicode digits (fullwidth, Arabic-Indic...) are no date.
_WITH_ZONE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)
_TIME = r"(?:[T ]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
_YEAR_FIRST = r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})" + _TIME + "$"
_DAY_FIRST = r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})" + _TIME.replace("[T ]", " ") + "$"


def parse(values: pl.Series) -> pl.DataFrame:
    """For each (trimmed, non-empty) value: ``due_date`` (UTC text) or a reason ``code``."""
    frame = pl.DataFrame({"v": values})
    v = pl.col("v")
    year_first = v.str.extract_groups(_YEAR_FIRST)
    day_first = v.str.extract_groups(_DAY_FIRST)

    def part(year_first_group: str, day_first_group: str, default: str) -> pl.Expr:
        return (
            pl.coalesce(
                year_first.struct.field(year_first_group),
                day_first.struct.field(day_first_group),
            )
            .fill_null(default)
            .str.pad_start(2, "0")
        )

    has_time = (
        year_first.struct.field("4").is_not_null() | day_first.struct.field("4").is_not_null()
    )
    hour, minute = part("4", "4", "23"), part("5", "5", "59")
    # a time with no seconds is that minute's start; a date alone is 23:59:59
    second = pl.when(has_time).then(part("6", "6", "00")).otherwise(pl.lit("59"))
    # midnight is the date alone (see the module's docstring)
    midnight = has_time & (hour == "00") & (minute == "00") & (second == "00")
    local_text = pl.concat_str(
        pl.coalesce(year_first.struct.field("1"), day_first.struct.field("3")),
        pl.lit("-"),
        part("2", "2", ""),
        pl.lit("-"),
        part("3", "1", ""),
        pl.lit(" "),
        pl.when(midnight).then(pl.lit("23")).otherwise(hour),
        pl.lit(":"),
        pl.when(midnight).then(pl.lit("59")).otherwise(minute),
        pl.lit(":"),
        pl.when(midnight).then(pl.lit("59")).otherwise(second),
    )
    naive = local_text.str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S", strict=False)
    local = naive.dt.replace_time_zone(ZONE, ambiguous="latest", non_existent="null")
    with_zone = v.str.contains(_WITH_ZONE)
    zoned = v.str.replace(r"Z$", "+00:00").str.strptime(
        pl.Datetime("ms", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False
    )
    utc = pl.when(with_zone).then(zoned).otherwise(local.dt.convert_time_zone("UTC"))
    is_local = local_text.is_not_null()
    code = (
        pl.when(with_zone & zoned.is_null())
        .then(pl.lit(INVALID))
        .when(with_zone)
        .then(None)
        .when(~is_local)
        .then(pl.lit(FORMAT))
        .when(naive.is_null())
        .then(pl.lit(INVALID))
        .when(local.is_null())
        .then(pl.lit(NONEXISTENT))
    )
    return frame.select(
        due_date=pl.when(code.is_null()).then(utc.dt.strftime(OUTPUT_FORMAT)),
        code=code,
    )


def to_utc(value: str) -> str:
    """One value to IO's format; ``ValueError`` naming the reason code otherwise."""
    row = parse(pl.Series([value.strip()], dtype=pl.String)).row(0)
    if row[1] is not None:
        raise ValueError(row[1])
    return str(row[0])


def is_past(due_date: pl.Expr, now_text: str) -> pl.Expr:
    """Converted due dates (``YYYY-MM-DDTHH:MM:SS.mmmZ``, all the same width) before
    ``now_text``: as text, their order is the order in time."""
    return due_date < pl.lit(now_text)


def is_local_midnight(written: pl.Expr) -> pl.Expr:
    """Trimmed due dates written as a local time of exactly midnight (no zone): the ones
    read as the date alone, for the dry run's ``MIDNIGHT`` warning."""
    return written.str.contains(r"^[0-9./\-]{8,10}[T ]0?0:00(?::00)?$")
