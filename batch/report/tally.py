"""A results or verification file read a batch at a time into the few numbers a report
shows, in memory that does not grow with the rows.

A report used to load every row of every file (720 MiB to 1 GiB for a million rows):
``[output] report = true`` then got the send's container OOM-killed after its results
were written. Every figure of the page is a count over a few columns (status and reason
code; IO's message, read and payment status), sent rows per second, or the first lines
of each invalid reason; so each batch is folded into those and dropped. What is kept
grows with the distinct reason codes and the seconds the sending took, never with the
rows: the examples are at most ``EXAMPLES_PER_REASON`` rows per reason code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from batch.common.csv_safety import restore_expr
from batch.i18n import _
from batch.models import Status
from batch.report.csv_chunks import csv_chunks

EXAMPLES_PER_REASON = 5
#: The count column of a tally's frames.
ROWS = "_rows"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
RESULTS_KEYS = ("status", "reason_code")
EXAMPLE_COLUMNS = ("line", "fiscal_code", "reason", "reason_code")
VERIFY_KEYS = ("message_status", "read_status", "payment_status", "note_code")


@dataclass
class ResultsTally:
    """``counts``: rows per (status, reason code), column ``ROWS``; ``sent_seconds``:
    sent rows per second of their send time (epoch seconds); ``examples``: the first
    invalid rows (by line) of each reason code."""

    rows: int = 0
    counts: pl.DataFrame = field(default_factory=lambda: _empty(RESULTS_KEYS))
    sent_seconds: Counter[int] = field(default_factory=Counter)
    examples: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={**dict.fromkeys(EXAMPLE_COLUMNS, pl.String), "_line": pl.Int64}
        )
    )

    def add(self, batch: pl.DataFrame) -> None:
        """Fold one batch of a results file's used columns (strings, restored) in."""
        self.rows += batch.height
        self.counts = _fold(self.counts, batch, RESULTS_KEYS)
        times = (
            batch.filter((pl.col("status") == Status.SENT.value) & (pl.col("sent_at") != ""))
            .select(
                pl.col("sent_at")
                .str.to_datetime(TIME_FORMAT, strict=False, time_zone="UTC")
                .dt.epoch("s")
                .alias("second")
            )
            .drop_nulls()
            .group_by("second")
            .len()
        )
        self.sent_seconds.update(dict(times.iter_rows()))
        invalid = batch.filter(pl.col("status") == Status.INVALID.value).select(
            *EXAMPLE_COLUMNS, pl.col("line").cast(pl.Int64, strict=False).alias("_line")
        )
        self.examples = _first_per_code(pl.concat([self.examples, invalid]))


@dataclass
class VerifyTally:
    """``counts``: checked messages per (message, read, payment status, note code)."""

    rows: int = 0
    counts: pl.DataFrame = field(default_factory=lambda: _empty(VERIFY_KEYS))

    def add(self, batch: pl.DataFrame) -> None:
        self.rows += batch.height
        self.counts = _fold(self.counts, batch, VERIFY_KEYS)


def tally_results(path: Path, columns: Sequence[str]) -> ResultsTally:
    tally = ResultsTally()
    for batch in _batches(path, columns, what=_("results file")):
        tally.add(batch)
    return tally


def tally_verify(path: Path, columns: Sequence[str]) -> VerifyTally:
    tally = VerifyTally()
    for batch in _batches(path, columns, what=_("verification file")):
        tally.add(batch)
    return tally


def total(frame: pl.DataFrame) -> int:
    """The rows a tally's frame (or a part of it) counts."""
    return int(frame[ROWS].sum()) if frame.height else 0


def _batches(path: Path, columns: Sequence[str], *, what: str) -> Iterable[pl.DataFrame]:
    for piece in csv_chunks(path, columns, what=what):
        yield piece.select(restore_expr(pl.col(name).fill_null("")) for name in columns)


def _empty(keys: Sequence[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={**dict.fromkeys(keys, pl.String), ROWS: pl.Int64})


def _fold(counts: pl.DataFrame, batch: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    grouped = batch.group_by(keys).agg(pl.len().cast(pl.Int64).alias(ROWS))
    return (
        pl.concat([counts, grouped.select(*keys, ROWS)])
        .group_by(keys)
        .agg(pl.col(ROWS).sum())
        .sort(list(keys))
    )


def _first_per_code(rows: pl.DataFrame) -> pl.DataFrame:
    """The ``EXAMPLES_PER_REASON`` rows of each reason code with the smallest line numbers
    (rows whose line is not a number last, in file order)."""
    return (
        rows.sort("_line", nulls_last=True, maintain_order=True)
        .group_by("reason_code", maintain_order=True)
        .head(EXAMPLES_PER_REASON)
        .select(*EXAMPLE_COLUMNS, "_line")
    )
