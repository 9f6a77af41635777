"""How long a value may be: longer than anything IO accepts, it can never be sent.

IO's longest field is the markdown: at most 10,000 UTF-16 units, so at most 30,000
bytes of UTF-8 (a unit is at most 3 bytes; a 4-byte character is 2 units). A cell
longer than ``MAX_CELL_BYTES`` can therefore never reach a message, whatever the
template: the row is refused as soon as it is read (``csv.too_long``) and the cell is
cut to its first characters at once, so that no later stage (validation, templates,
results) makes copies of a 50 MB value. A refused row is never sent, so the cut value
only serves to show the operator which row it was.
"""

from __future__ import annotations

import polars as pl

from batch.common.text_fill import fill_expr
from batch.i18n import N_, _, format_number

TOO_LONG = "csv.too_long"
#: The longest cell that is read (bytes of UTF-8): above IO's longest field (30,000).
MAX_CELL_BYTES = 32_768
#: The longest physical line (or multi-line record) the exact reader holds, in characters.
LONGEST_LINE = 1 << 20
#: What is kept of a refused cell, in characters.
KEPT_CHARACTERS = 100
_TOO_LONG_VALUE = N_(
    "the value in column {column} is {size} bytes long; no IO message field takes more "
    "than {limit} (the markdown at most 10,000 characters)"
)


def too_long_message(column: str, size: int) -> str:
    explained = _(_TOO_LONG_VALUE).format(
        column=repr(column), size=format_number(size), limit=format_number(MAX_CELL_BYTES)
    )
    return f"{TOO_LONG}: {explained}"


def cap_cells(cells: list[str], names: list[str]) -> tuple[list[str], str | None]:
    """The cells, each cut to ``KEPT_CHARACTERS`` if it is over the cap, and the problem."""
    problem = None
    for index, cell in enumerate(cells):
        # A character is 1 to 4 bytes: only a cell of more than a quarter of the cap needs
        # encoding to know.
        if len(cell) * 4 > MAX_CELL_BYTES and (size := len(cell.encode())) > MAX_CELL_BYTES:
            problem = problem or too_long_message(names[index], size)
            cells[index] = cell[:KEPT_CHARACTERS]
    return cells, problem


def cap_frame(frame: pl.DataFrame, names: list[str], error_column: str) -> pl.DataFrame:
    """``cap_cells`` over a batch from the fast reader; ``error_column`` is null when fine.

    A maximum per column first: a batch with no long cell (nearly all) costs that much."""
    longest = frame.select(pl.col(names).str.len_bytes().max()).row(0)
    long_columns = [
        name for name, size in zip(names, longest, strict=True) if (size or 0) > MAX_CELL_BYTES
    ]
    if not long_columns:
        return frame
    problem: pl.Expr = pl.col(error_column)
    for name in reversed(long_columns):
        size = pl.col(name).str.len_bytes()
        explained = fill_expr(
            _(_TOO_LONG_VALUE), column=repr(name), size=size, limit=format_number(MAX_CELL_BYTES)
        )
        message = pl.lit(f"{TOO_LONG}: ") + explained
        problem = pl.when(size > MAX_CELL_BYTES).then(message).otherwise(problem)
    cut = [
        pl.when(pl.col(name).str.len_bytes() > MAX_CELL_BYTES)
        .then(pl.col(name).str.slice(0, KEPT_CHARACTERS))
        .otherwise(pl.col(name))
        .alias(name)
        for name in long_columns
    ]
    return frame.with_columns(problem.alias(error_column), *cut)
