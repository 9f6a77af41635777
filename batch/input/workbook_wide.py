"""Rows from a piece read a column at a time (``xlsx_sheet.Wide``: the fast way of
``xlsx_dense``, where every row has a cell in each column), shown as ``workbook_grid``
shows cells.

A list's column is nearly always one kind of cell in one format: text, or numbers all
General (``2026``, ``12.5``), or dates all ``DD/MM/YYYY``. Such a column is shown with a
few operations on the whole column: text as written; General numbers of at most 15
digits as written with a decimal comma; other numbers one distinct value at a time
(``workbook_grid.render_number``: a column of due dates has a handful), mapped back. Any
other column (kinds or styles mixed) goes through ``workbook_grid.shown``, the same
rules cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from batch.input import number_format, number_render
from batch.input.workbook_grid import GENERAL, Styles, finish_rows, render_number, shown
from batch.input.xlsx_sheet import Wide

#: XML text of a number that General shows as written (a decimal comma aside): no
#: exponent, no leading or trailing zeros.
_PLAIN = r"^-?[1-9][0-9]*(?:\.[0-9]*[1-9])?$|^-?0\.[0-9]*[1-9]$"


def wide_rows(
    wide: Wide, styles: Styles, names: Sequence[str], used: set[str], after_row: int
) -> pl.DataFrame:
    """The data rows: each column shown, in row order, then ``workbook_grid.rows``'
    rows (problems of the used columns, blank rows left out)."""
    numbers, columns = wide
    data: dict[str, pl.Series] = {"row": numbers}
    for index, name in enumerate(names):
        column = shown_column(columns[index], styles)
        data[name] = column.get_column("shown").alias(name)
        data[f"_p{index}"] = column.get_column("problem").alias(f"_p{index}")
        data[f"_d{index}"] = column.get_column("detail").alias(f"_d{index}")
    frame = pl.DataFrame(data).filter(pl.col("row") > after_row)
    return finish_rows(frame, names, used)


def shown_column(cells: pl.DataFrame, styles: Styles) -> pl.DataFrame:
    """``shown``, ``problem``, ``detail`` of a column's cells (kind, text, style), in
    their order."""
    kinds, text, style = (cells.get_column(name) for name in ("kind", "text", "style"))
    if (kinds == "s").all():
        return _frame(text, None, None)
    if (kinds == "n").all() and not text.null_count() and style.n_unique() == 1:
        return _numbers(text, int(style[0]), styles)
    mixed = shown(cells.with_row_index("at"), styles).sort("at")
    return mixed.select("shown", "problem", "detail")


def _numbers(text: pl.Series, style: int, styles: Styles) -> pl.DataFrame:
    """A column of number cells in one style."""
    if number_format.parse(styles.code(style)) == GENERAL:
        digits = (
            text.str.len_bytes()
            - text.str.contains(".", literal=True).cast(pl.UInt32)
            - text.str.starts_with("-").cast(pl.UInt32)
        )
        plain = (digits <= 15) & text.str.contains(_PLAIN)  # else 10^15 or more
        as_written = text.str.replace(".", number_render.DECIMAL_MARK, literal=True)
        if plain.all():
            return _frame(as_written, None, None)
        others = text.filter(~plain)
    else:
        plain = None
        others = text
    distinct = others.unique().to_list()
    rendered = [render_number(style, value, styles) for value in distinct]
    table = pl.DataFrame(
        {
            "text": distinct,
            "shown": [out[0] for out in rendered],
            "problem": [out[1] for out in rendered],
            "detail": [out[2] for out in rendered],
        },
        schema={"text": pl.String, "shown": pl.String, "problem": pl.String, "detail": pl.String},
    )
    found = text.to_frame("text").join(table, on="text", how="left", maintain_order="left")
    if plain is not None:
        found = found.with_columns(shown=pl.when(plain).then(as_written).otherwise(pl.col("shown")))
    return found.select("shown", "problem", "detail")


def _frame(
    shown_text: pl.Series, problem: pl.Series | None, detail: pl.Series | None
) -> pl.DataFrame:
    height = shown_text.len()
    nothing = pl.repeat(None, height, dtype=pl.String, eager=True)
    return pl.DataFrame(
        {
            "shown": shown_text,
            "problem": nothing if problem is None else problem,
            "detail": nothing if detail is None else detail,
        }
    )
