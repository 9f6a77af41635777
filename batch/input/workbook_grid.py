"""From a frame of cells (``xlsx_sheet.CELL_SCHEMA``, from an ``.xlsx`` or ``.xls``) to
the text the sheet shows and then to rows: ``_line``, ``_csv_error``, every column.

Each cell is shown as the sheet shows it, its number format applied with Italian
conventions (``number_render``): 184 formatted ``00000`` is ``00184``, 0,5 formatted
``0%`` is ``50%``, 12,5 formatted ``0.00`` is ``12,50``, a date cell ``16/12/2026``, a
boolean ``VERO``. In a column the job uses (``used``), three kinds of cell make the
row invalid instead, with a reason naming the column, the cell and what is wrong:

- ``cell.error``: an error cell (``#N/A``, ``#VALUE!``, ``#DIV/0!``): the formula that
  should have given the value failed;
- ``cell.imprecise_number``: a number of 10^15 or more, which a number cell (a double)
  cannot hold to the unit: an 18-digit notice number typed as a number lost digits;
- ``cell.format``: a number format io-batch cannot show faithfully (``number_format``).

Numbers are rendered once per distinct (style, value) of a piece, so a piece costs
Python time only for its distinct values, not for each cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from batch.common.text_fill import fill_expr
from batch.i18n import _
from batch.input import number_format, number_render
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import cap_frame
from batch.input.xlsx_sheet import column_letters

ERROR = "cell.error"
IMPRECISE = "cell.imprecise_number"
FORMAT = "cell.format"
GENERAL = number_format.parse("General")
#: Distinct numbers remembered at most (a few MB).
_REMEMBERED = 100_000
_SHOWN = {"shown": pl.String, "problem": pl.String, "detail": pl.String}


@dataclass(frozen=True, slots=True)
class Styles:
    """How to show a workbook's number cells: each style's format code, the date system
    (and whether LibreOffice wrote the file: it counts dates before 1 March 1900 its own
    way, ``number_render.serial_datetime``)."""

    formats: Sequence[str]
    date1904: bool = False
    libreoffice: bool = False
    #: Numbers already shown, by (style, text): a column's values recur over the pieces.
    rendered: dict[tuple[int, str], tuple[str | None, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def code(self, style: int) -> str:
        return self.formats[style] if 0 <= style < len(self.formats) else "General"


def shown(cells: pl.DataFrame, styles: Styles) -> pl.DataFrame:
    """``cells`` with ``shown`` (the text, null when it cannot be shown), ``problem``
    (``error``/``imprecise``/``format`` or null) and ``detail`` (the error, the
    double's digits, the format code)."""
    kinds = cells.get_column("kind")
    if (kinds == "s").all():  # a column of text (most of a list): shown as written
        return cells.with_columns(
            shown=pl.col("text"),
            problem=pl.lit(None, dtype=pl.String),
            detail=pl.lit(None, dtype=pl.String),
        )
    # A cell without a value (a column read whole has them: ``wide_rows``) shows nothing.
    valued = pl.col("text").is_not_null()
    is_number = (pl.col("kind") == "n") & valued
    numbers = cells.filter(is_number)
    others = cells.filter(~is_number).with_columns(
        shown=pl.when(~valued)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("kind") == "b")
        .then(
            pl.when(pl.col("text").is_in(["1", "true"]))
            .then(pl.lit(number_render.TRUE_TEXT))
            .otherwise(pl.lit(number_render.FALSE_TEXT))
        )
        .otherwise(pl.col("text")),
        problem=pl.when((pl.col("kind") == "e") & valued).then(pl.lit("error")),
        detail=pl.when((pl.col("kind") == "e") & valued).then(pl.col("text")),
    )
    if not numbers.height:
        return others
    # General numbers of at most 15 digits are their XML text with a decimal comma: done
    # for the whole column at once (most number cells), the others one distinct value at
    # a time.
    general = [
        style
        for style in numbers.get_column("style").unique().to_list()
        if number_format.parse(styles.code(style)) == GENERAL
    ]
    is_plain = (
        pl.col("style").is_in(general)
        & (pl.col("text").str.len_bytes() <= 17)
        & (pl.col("text").str.count_matches(r"[0-9]") <= 15)  # else 10^15 or more digits
        & pl.col("text").str.contains(r"^-?[1-9][0-9]*(?:\.[0-9]*[1-9])?$|^-?0\.[0-9]*[1-9]$")
    )
    plain = numbers.filter(is_plain).with_columns(
        shown=pl.col("text").str.replace(".", number_render.DECIMAL_MARK, literal=True),
        problem=pl.lit(None, dtype=pl.String),
        detail=pl.lit(None, dtype=pl.String),
    )
    numbers = numbers.filter(~is_plain)
    distinct = numbers.select("style", "text").unique()
    rendered = [render_number(style, text, styles) for style, text in distinct.iter_rows()]
    table = distinct.hstack(pl.DataFrame(rendered, schema=_SHOWN, orient="row"))
    numbers = numbers.join(table, on=["style", "text"], how="left", nulls_equal=True)
    return pl.concat([others, plain.select(others.columns), numbers.select(others.columns)])


def render_number(style: int, text: str, styles: Styles) -> tuple[str | None, ...]:
    """A number cell's (shown, problem, detail); remembered for the next pieces."""
    key = (style, text)
    known = styles.rendered.get(key)
    if known is None:
        known = _render_number(style, text, styles)
        if len(styles.rendered) < _REMEMBERED:
            styles.rendered[key] = known
    return known


def _render_number(style: int, text: str, styles: Styles) -> tuple[str | None, ...]:
    try:
        value = float(text)
    except ValueError:
        return text, None, None  # not a number after all: its text, as written
    code = styles.code(style)
    shape = number_format.parse(code)
    if shape is None:
        return number_render.general(value), "format", code
    if abs(value) >= number_render.EXACT_LIMIT and not shape.is_date:
        return number_render.general(value), "imprecise", _digits(value)
    out = number_render.render(
        value, shape, date1904=styles.date1904, libreoffice=styles.libreoffice
    )
    if out is None:
        return number_render.general(value), "format", code
    return out, None, None


def _digits(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def rows(cells: pl.DataFrame, names: Sequence[str], used: set[str], after_row: int) -> pl.DataFrame:
    """The data rows of shown cells: rows after ``after_row`` that have a value."""
    width = len(names)
    cells = cells.filter((pl.col("row") > after_row) & (pl.col("col") < width))
    frame = cells.select(pl.col("row").unique(maintain_order=True)).sort("row")
    for index, name in enumerate(names):
        column = cells.filter(pl.col("col") == index).select(
            "row",
            pl.col("shown").alias(name),
            pl.col("problem").alias(f"_p{index}"),
            pl.col("detail").alias(f"_d{index}"),
        )
        frame = frame.join(column, on="row", how="left")
    return finish_rows(frame, names, used)


def finish_rows(frame: pl.DataFrame, names: Sequence[str], used: set[str]) -> pl.DataFrame:
    """A frame of ``row``, each column's shown text and its ``_p``/``_d`` problem and
    detail, as rows: ``_line``, ``_csv_error`` (the first problem of a used column from
    the left), every column; rows without a value left out."""
    read = [index for index, name in enumerate(names) if name in used]
    # The reasons are built only in a piece that has some: most pieces have none.
    found = (
        read
        and frame.select(
            pl.any_horizontal(pl.col(f"_p{index}").is_not_null().any() for index in read)
        ).item()
    )
    problems = [_problem(names[index], index) for index in read] if found else []
    frame = frame.select(
        pl.col("row").alias(LINE_COLUMN),
        pl.coalesce([*problems, pl.lit(None, dtype=pl.String)]).alias(CSV_ERROR_COLUMN),
        *(pl.col(name).fill_null("") for name in names),
    )
    frame = cap_frame(frame, list(names), CSV_ERROR_COLUMN)
    blank = pl.all_horizontal(~pl.col(name).str.contains(r"\S") for name in names)
    return frame.filter(~blank)


def _problem(name: str, index: int) -> pl.Expr:
    """The cell's problem: ``code: column 'name', `` (the rules read the column from it),
    then the reason in the process's language, which names the cell ("cell B5 shows")."""
    problem, detail = pl.col(f"_p{index}"), pl.col(f"_d{index}")
    cell = pl.lit(column_letters(index)) + pl.col("row").cast(pl.String)

    def envelope(code: str) -> pl.Expr:
        return pl.lit(f"{code}: column {name!r}, ")

    error = _(
        "cell {cell} shows the error {error}: its formula could not be calculated, so the "
        "cell has no value to send; correct the formula (or type the value) and save"
    )
    imprecise = _(
        "cell {cell} holds a number cell with more digits than a number cell keeps (15): "
        "{digits}; format the column as text (Format Cells > Text) and type the digits again"
    )
    unshown = _(
        "cell {cell} has the number format '{format}', which io-batch cannot show as the "
        "sheet does; format the cell as text, as a number (0,00) or as a date (DD/MM/YYYY)"
    )
    return (
        pl.when(problem == "error")
        .then(envelope(ERROR) + fill_expr(error, cell=cell, error=detail))
        .when(problem == "imprecise")
        .then(envelope(IMPRECISE) + fill_expr(imprecise, cell=cell, digits=detail))
        .when(problem == "format")
        .then(envelope(FORMAT) + fill_expr(unshown, cell=cell, format=detail))
    )
