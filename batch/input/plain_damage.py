"""Lines with too many or too few fields, read at the fast reader's speed.

A line with no quote is one record, whatever its field count: its cells are its text
split on the separator. So a chunk whose only damage is such lines (an export with a
column missing on every line, 2M lines each a field short) needs no exact reader: the
lines are split in polars, each becomes an invalid row (``csv.field_count``, the same
reason and the same cells, the first ``columns`` or padded, as the exact reader gives)
and the others are parsed as usual. Only from the first line that needs it (a quote
polars cannot read, a CR that is no line end) does the exact reader take over.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from batch.input import csv_problems
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.scan import line_offset, line_table

#: A chunk's records: LINE_COLUMN (the line's index in the chunk), CSV_ERROR_COLUMN and
#: every column; and the index of the first line the exact reader must take (None: none).
ChunkRecords = tuple[pl.DataFrame | None, int | None]


def read_chunk(
    chunk: bytes, separator: str, columns: list[str], parse: Callable[[bytes], pl.DataFrame]
) -> ChunkRecords:
    """The records of ``chunk`` up to the first line only the exact reader can take;
    ``parse`` reads well-formed lines (the fast reader's polars call)."""
    table = line_table(chunk, separator, len(columns))
    if table is None:
        return None, 0  # polars cannot split it into lines: the exact reader decides
    needs_exact = table.filter(pl.col("exact")).get_column("i")
    exact_from = int(needs_exact.min()) if needs_exact.len() else None  # type: ignore[arg-type]
    if exact_from is not None:
        table = table.filter(pl.col("i") < exact_from)
    damaged = pl.col("damaged")
    if not table.get_column("damaged").any():
        # Quotes, but all polars can read (an export that quotes every cell): the lines
        # as they are, up to the exact reader's.
        clean = chunk if exact_from is None else chunk[: line_offset(chunk, exact_from)]
        try:
            return _parsed_whole(clean, table.height, parse), exact_from
        except (pl.exceptions.PolarsError, OSError):
            return None, 0  # polars disagrees with the line check: the exact reader decides
    good = table.filter(~damaged)
    parts = []
    if good.height:
        text = good.get_column("l").str.join("\n").item() + "\n"
        try:
            parsed = parse(text.encode())
        except (pl.exceptions.PolarsError, OSError):
            return None, 0  # polars disagrees with the line check: the exact reader decides
        if parsed.height != good.height:
            return None, 0
        parts.append(
            parsed.select(
                good.get_column("i").cast(pl.Int64).alias(LINE_COLUMN),
                pl.lit(None, dtype=pl.String).alias(CSV_ERROR_COLUMN),
                pl.all(),
            )
        )
    broken = table.filter(damaged & ~pl.col("blank"))  # a blank line is no row, damaged or not
    if broken.height:
        parts.append(_field_count_rows(broken, separator, columns))
    if not parts:
        return None, exact_from
    records = pl.concat(parts, how="vertical_relaxed") if len(parts) > 1 else parts[0]
    return records.sort(LINE_COLUMN), exact_from


def _parsed_whole(
    clean: bytes, lines: int, parse: Callable[[bytes], pl.DataFrame]
) -> pl.DataFrame | None:
    if not clean:
        return None
    parsed = parse(clean)
    if parsed.height != lines:
        raise pl.exceptions.ComputeError("polars read another number of records than lines")
    return parsed.select(
        pl.int_range(parsed.height, dtype=pl.Int64).alias(LINE_COLUMN),
        pl.lit(None, dtype=pl.String).alias(CSV_ERROR_COLUMN),
        pl.all(),
    )


def _field_count_rows(lines: pl.DataFrame, separator: str, columns: list[str]) -> pl.DataFrame:
    fields = pl.col("l").str.split(separator)
    template = csv_problems.field_count_template(len(columns), separator)
    before, after = template.split("{}")
    return lines.select(
        pl.col("i").cast(pl.Int64).alias(LINE_COLUMN),
        pl.concat_str(pl.lit(before), fields.list.len().cast(pl.String), pl.lit(after)).alias(
            CSV_ERROR_COLUMN
        ),
        *(
            fields.list.get(index, null_on_oob=True).fill_null("").alias(name)
            for index, name in enumerate(columns)
        ),
    )
