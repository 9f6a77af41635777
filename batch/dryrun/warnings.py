"""The dry run's warnings: valid rows that are sent all the same, but worth a look.

- ``due_date.past``: the due date has already gone (IO accepts it);
- ``due_date.midnight``: the due date is written as a local time of exactly midnight
  (``2026-12-31 00:00:00``, as spreadsheets export a date cell), which io-batch reads
  as the date alone, the end of that day (``batch.rules.dates``): said, never silent.
"""

from __future__ import annotations

import polars as pl

from batch.input.header import LINE_COLUMN
from batch.rules import dates
from batch.rules.plan import DUE_DATE

MESSAGES = {dates.PAST: dates.PAST_MESSAGE, dates.MIDNIGHT: dates.MIDNIGHT_MESSAGE}


def due_date_warnings(
    valid: pl.DataFrame, *, written: str | None, now: str, max_lines: int
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """(rows per warning code, their first ``max_lines`` lines) among the valid rows of a
    batch; ``written`` is the due date's column as the file names it (None: no due date)."""
    counts: dict[str, int] = {}
    lines: dict[str, list[int]] = {}
    if written is None or not valid.height:
        return counts, lines

    def note(code: str, rows: pl.DataFrame) -> None:
        if rows.height:
            counts[code] = rows.height
            lines[code] = rows.get_column(LINE_COLUMN).head(max_lines).to_list()

    # The earliest date settles most batches in one pass: nothing past, nothing to filter.
    if str(valid.get_column(DUE_DATE).min()) < now:
        note(dates.PAST, valid.filter(dates.is_past(pl.col(DUE_DATE), now)))
    # Only a value with a colon can hold a time: most campaigns write the date alone.
    raw = pl.col(written)
    if valid.select(raw.str.contains(":", literal=True).any()).item():
        note(dates.MIDNIGHT, valid.filter(dates.is_local_midnight(raw.str.strip_chars())))
    return counts, lines
