"""A workbook's cells as the text the user sees, never through a float where it matters.

calamine gives each cell a type. Text cells are taken as they are. The others:

- number cells: the number as Excel shows it in its formula bar, 15 significant digits
  at most (``12.5``, ``0.3`` for a cached ``0.30000000000000004``, ``1234567``), never in
  exponent form. A number cell cannot hold more than 15 digits exactly (it is a double:
  an 18-digit notice number saved as a number reads back as ``302000100000009408``
  instead of ``302000100000009424``), so a number of 10^15 or more in a column the job
  reads is refused (``cell.imprecise_number``) with the hint "format the column as text";
- date cells: ``YYYY-MM-DD`` when the time is midnight (a date alone: the due-date rules
  then mean the end of that day in Europe/Rome, as for text), else
  ``YYYY-MM-DD HH:MM:SS``, a local time in Europe/Rome, as in the file;
- boolean cells: ``TRUE`` / ``FALSE``, as Excel and LibreOffice show them;
- formula cells: their cached value (what the file's author last saw), typed as above;
  a formula never calculated (written by a program) is an empty cell;
- error cells (``#N/A``, ``#DIV/0!``) are empty cells.

The cell types are learnt from the same sheet read several ways (calamine converts cell
by cell): as text (everything); then as durations (non-null only for date cells) in the
columns whose text looks like a date, and as booleans (non-null only for number and
boolean cells) in the others, in one load; then as numbers (the doubles of the number
cells), in the columns that have number cells. calamine's own text for a number is not
used: it is not exact (``123456789.1234568`` reads as ``123456789.123456806``). In a
column of date cells, a number cell is taken as calamine's text (no due date is a
number anyway).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

#: The largest magnitude a number cell holds to the unit: 15 significant digits.
EXACT_LIMIT = 1e15
IMPRECISE = "cell.imprecise_number"
_DATETIME_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
_BOOLEAN_TEXT = ("true", "false")


def number_text(value: float) -> str:
    """A number cell's value as Excel shows it: 15 significant digits, no exponent."""
    if value == int(value) and abs(value) < EXACT_LIMIT:
        return str(int(value))
    rounded = Decimal(format(value, ".15g"))
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def might_hold_dates(text: pl.Series) -> bool:
    """Whether a column's text looks like calamine's rendering of date cells anywhere."""
    return bool(text.str.contains(_DATETIME_TEXT).any())


def render(
    text: pl.Series,
    typed: pl.Series,
    numbers: pl.Series | None,
    durations: pl.Series | None,
) -> pl.Series:
    """A column's cells as text (String, no nulls).

    ``text``: the sheet read as strings; ``typed``: read as booleans; ``numbers``: read as
    floats (None when the column has no number cell); ``durations``: read as durations
    (None when it can hold no date cell)."""
    is_number_or_boolean = typed.is_not_null()
    is_boolean = is_number_or_boolean & text.is_in(_BOOLEAN_TEXT)
    out = text.clone()  # scatter below writes in place
    if bool(is_boolean.any()):
        out = pl.select(
            pl.when(is_boolean).then(text.str.to_uppercase()).otherwise(out)
        ).to_series()
    if numbers is not None:
        is_number = is_number_or_boolean & ~is_boolean
        where = is_number.arg_true()
        shown = [number_text(value) for value in numbers.gather(where).to_list()]
        out = out.scatter(where, pl.Series(shown, dtype=pl.String))
    if durations is not None:
        is_date = durations.is_not_null()
        out = pl.select(
            pl.when(is_date & text.str.ends_with(" 00:00:00"))
            .then(text.str.slice(0, 10))
            .otherwise(out)
        ).to_series()
    return out.fill_null("").alias(text.name)


def imprecise(typed: pl.Series, text: pl.Series, numbers: pl.Series | None) -> pl.Series:
    """True where a number cell holds a magnitude it cannot keep to the unit."""
    if numbers is None:
        return pl.Series(text.name, [False] * text.len(), dtype=pl.Boolean)
    is_number = typed.is_not_null() & ~text.is_in(_BOOLEAN_TEXT)
    return (is_number & (numbers.abs() >= EXACT_LIMIT)).fill_null(False)
