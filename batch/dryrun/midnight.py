"""The dry run's ``due_date.midnight`` warning: due dates written as a local midnight.

``2026-12-31 00:00:00`` (as spreadsheets export a date cell) is read as the date alone,
the end of that day (``batch.rules.dates``). That reading is right for nearly every
office, but it is not what the text says to the letter, so the dry run lists such rows:
valid, sent all the same, never silently.
"""

from __future__ import annotations

import polars as pl

from batch.config.job import Job
from batch.input.header import LINE_COLUMN
from batch.input.read import InputFile
from batch.rules import dates


def midnight_rows(
    valid: pl.DataFrame, job: Job, source: InputFile, max_lines: int
) -> tuple[int, list[int]]:
    """How many of a batch's valid rows have a due date written as a local midnight, and
    the first ``max_lines`` of their lines."""
    if job.columns.due_date is None or not valid.height:
        return 0, []
    written = pl.col(source.resolve(job.columns.due_date))
    # Only a value with a colon has a time: most campaigns write the date alone.
    if not valid.select(written.str.contains(":", literal=True).any()).item():
        return 0, []
    rows = valid.filter(dates.is_local_midnight(written.str.strip_chars()))
    return rows.height, rows.get_column(LINE_COLUMN).head(max_lines).to_list()
