"""The exact reader's records as frames, bounded in rows and in characters.

A batch of the exact reader is what the dry run validates (on two threads) and the send
queues; every stage copies its text a few times (trimmed values, the reason of each
invalid row, the error report's lines). A damaged line carries a reason of a couple of
hundred characters, several times its cells: 200,000 lines each a field short came to
about 250 MB per batch in flight, and validate peaked at 535-583 MB on 0.3M-2M such
lines. So a batch also ends when its text reaches ``BATCH_CHARACTERS``: a few MB, like
the fast reader's chunks, whatever the lines hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl

from batch.input.exact import Record
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN

#: The characters (cells and reasons) one batch holds at most, beyond its last record.
BATCH_CHARACTERS = 4 << 20


def exact_frames(
    records: Iterable[Record], columns: list[str], batch_size: int
) -> Iterator[pl.DataFrame]:
    """Frames of at most ``batch_size`` rows and about ``BATCH_CHARACTERS`` characters:
    line, csv_error, then ``columns``."""
    lines: list[int] = []
    errors: list[str | None] = []
    cells_by_column: list[list[str]] = [[] for _ in columns]
    characters = 0
    for line, cells, error in records:
        lines.append(line)
        errors.append(error)
        characters += len(error or "")
        for column, cell in zip(cells_by_column, cells, strict=True):
            column.append(cell)
            characters += len(cell)
        if len(lines) >= batch_size or characters >= BATCH_CHARACTERS:
            yield _frame(columns, lines, errors, cells_by_column)
            lines, errors, cells_by_column = [], [], [[] for _ in columns]
            characters = 0
    if lines:
        yield _frame(columns, lines, errors, cells_by_column)


def _frame(
    columns: list[str], lines: list[int], errors: list[str | None], cells: list[list[str]]
) -> pl.DataFrame:
    data: dict[str, pl.Series] = {
        LINE_COLUMN: pl.Series(LINE_COLUMN, lines, dtype=pl.Int64),
        CSV_ERROR_COLUMN: pl.Series(CSV_ERROR_COLUMN, errors, dtype=pl.String),
    }
    for name, values in zip(columns, cells, strict=True):
        data[name] = pl.Series(name, values, dtype=pl.String)
    return pl.DataFrame(data)
