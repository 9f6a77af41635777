"""Warnings: valid rows that are sent all the same, but that an operator should look at.

- ``due_date.past``: a due date already past when the dry run runs (IO accepts it; the
  citizen sees a deadline that has gone).
- ``fiscal_code.test_citizen``: a row addressed to ``AAAAAA00A00A000A``, IO's test
  citizen. Services created through IO's Area Riservata have no test mode: IO accepts
  such a message (201) and it reaches nobody, so a test row left in a campaign file is a
  message that silently goes nowhere (docs/io-sources.md, "Test mode and today's
  accounts").
"""

from __future__ import annotations

import polars as pl

from batch.config.job import Job
from batch.i18n import N_, _
from batch.identifiers.fiscal_code import SANDBOX
from batch.input.header import LINE_COLUMN
from batch.rules import dates
from batch.rules.plan import DUE_DATE, FISCAL_CODE

TEST_CITIZEN = "fiscal_code.test_citizen"
TEST_CITIZEN_MESSAGE = N_(
    "{fiscal_code} is IO's test citizen: IO accepts the message (201) and it reaches nobody "
    "(services of IO's Area Riservata have no test mode); put a real recipient's code there"
)
MESSAGES = {
    dates.PAST: dates.PAST_MESSAGE,
    dates.MIDNIGHT: dates.MIDNIGHT_MESSAGE,
    TEST_CITIZEN: TEST_CITIZEN_MESSAGE,
}


def warning_message(code: str) -> str:
    """What a warning code means, in the process's language ("" for an unknown code)."""
    return _(MESSAGES[code]).format(fiscal_code=SANDBOX) if code in MESSAGES else ""


def column_of(code: str, job: Job) -> str:
    """The job's column a warning is about, to show with its lines."""
    return job.columns.fiscal_code if code == TEST_CITIZEN else job.columns.due_date or ""


def find_warnings(
    valid: pl.DataFrame, job: Job, *, now: str, max_lines: int
) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Per warning code, how many of a batch's valid rows have it, and their first lines."""
    found: dict[str, pl.DataFrame] = {}
    if not valid.height:
        return {}, {}
    due = valid.get_column(DUE_DATE) if job.columns.due_date else None
    # The earliest date settles most batches in one pass: nothing past, nothing to filter.
    if due is not None and str(due.min()) < now:
        found[dates.PAST] = valid.filter(dates.is_past(pl.col(DUE_DATE), now))
    is_test = valid.get_column(FISCAL_CODE) == SANDBOX
    if is_test.any():
        found[TEST_CITIZEN] = valid.filter(is_test)
    counts = {code: rows.height for code, rows in found.items() if rows.height}
    lines = {code: found[code].get_column(LINE_COLUMN).head(max_lines).to_list() for code in counts}
    return counts, lines
