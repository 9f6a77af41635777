"""The fast way through a piece of an ``.xlsx`` sheet: rows that all look alike.

A list's rows are written alike: the same cells (A to the last column of the header),
each with the same elements (``<c r="B7" s="1" t="s"><v>42</v></c>``), row after row.
Then the piece is read by polars' CSV reader in one pass with ``<`` as the separator
(``<`` is always escaped in XML text and attribute values, so it starts a tag and
nothing else) and a line per ``<row>``: each tag becomes a field at the same place in
every row, and a column's value is one field of every line. The layout is taken from
the piece's first row and then checked on every row with a few vectorised comparisons
(each cell's reference names the expected column, each other tag is the expected one);
a piece where any row differs (a missing cell, rich text, a line break in a value,
another spelling) is left to the general reader (``xlsx_sheet``), which takes any cell
in any order. A formula is passed over, as the general reader does: the value it gave
(``<v>``) is what the sheet shows.

The result is what the general reader parses before typing the cells (``xlsx_sheet``),
so that everything after (shared strings, number formats, errors, the rows) is the same
whichever way a piece was read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: What precedes a cell's attributes: the tag, the reference (letters, row number).
_REFERENCE_CHARS = 'c r="' + _LETTERS + "0123456789"
_STYLE = re.compile(r'\bs="([0-9]+)"')
_TYPE = re.compile(r'\bt="([a-zA-Z]+)"')
#: The tags a plain value cell is made of, besides its start and its value.
_FIXED = frozenset({b"/v>", b"/c>", b"is>", b"/t>", b"/is>", b"/f>"})
#: A formula's start: ``<f>``, ``<f aca="false">`` (LibreOffice's), ``<f t="shared" .../>``.
_FORMULA_STARTS = (b"f>", b"f ")
_VALUE_STARTS = (b"v>", b"t>", b't xml:space="preserve">')


@dataclass(frozen=True, slots=True)
class Column:
    """One column's cells, a value per row of the piece (null: an empty cell): the type
    (``t``; one ``str`` when every cell has it), the value as written and the style index
    (``s``)."""

    type: pl.Series | str
    value: pl.Series
    style: pl.Series


@dataclass(frozen=True, slots=True)
class _Cell:
    """Where one column's cell sits among a row's tags."""

    start: int  # the ``c`` tag's field
    value: int | None  # the value's field (None: an empty cell, ``<c .../>``)
    value_prefix: str  # the value tag's name, to cut off its text (``v>``)
    fixed: tuple[tuple[int, str], ...]  # the other tags, which must be exactly these
    formulas: tuple[int, ...] = ()  # a formula's start (its text differs from row to row)


def cells(piece: bytes, letters: Sequence[str]) -> tuple[pl.Series, list[Column]] | None:
    """The piece's rows (their sheet numbers) and its cells in columns ``letters`` (A,
    B, ...: the header's), or None when its rows are not all alike (then the general
    reader reads it)."""
    first = piece.find(b"<row ")
    end = piece.rfind(b"</sheetData>")
    body = piece[first : len(piece) if end < 0 else end]
    if first < 0 or b"\n" in body or b"\r" in body:
        return None
    line_end = body.find(b"<row ", 1)
    layout = _layout(body[: len(body) if line_end < 0 else line_end], letters)
    if layout is None:
        return None
    try:
        tags = _tags(body, _wanted(layout))
    except pl.exceptions.ComputeError:
        return None  # not UTF-8, say: the general reader says what is wrong
    # A row is a line only where it starts "<row ": any other spelling (no attributes)
    # would hide in the line before, beyond the fields read.
    if tags.height != body.count(b"<row") or not _all_alike(tags, layout, letters):
        return None
    row = pl.col("t1").str.slice(7)
    rows = tags.select(row.str.head(row.str.find('"', literal=True)).cast(pl.Int64, strict=False))
    numbers = rows.to_series()
    if numbers.null_count():
        return None
    return numbers, [_column(tags, cell) for cell in layout]


def _wanted(layout: list[_Cell]) -> list[int]:
    """The fields read: the row's tag, each cell's start and value, and the last cell's
    other tags. The other cells' other tags need no look: a cell spelt otherwise has
    other tags or as many in other places, and then the next cell's start or a value is
    not where the layout has it (``_all_alike``)."""
    wanted = {1}
    for cell in layout:
        wanted.add(cell.start)
        if cell.value is not None:
            wanted.add(cell.value)
    wanted.update(index for index, _ in layout[-1].fixed)
    wanted.update(layout[-1].formulas)
    return sorted(wanted)


def _tags(body: bytes, wanted: list[int]) -> pl.DataFrame:
    """A line per row, a field per tag (its name, attributes and the text after it); of
    them, the ``wanted`` ones, named ``t`` and their place."""
    return pl.read_csv(
        io.BytesIO(body.replace(b"<row ", b"\n<row ")[1:]),
        has_header=False,
        separator="<",
        quote_char=None,
        columns=wanted,
        schema={f"t{index}": pl.String for index in range(wanted[-1] + 1)},
        truncate_ragged_lines=True,
        missing_columns="insert",
        extra_columns="ignore",
        comment_prefix=None,
    )


def _layout(line: bytes, letters: Sequence[str]) -> list[_Cell] | None:
    """The places of the columns' cells among the tags of a row (its first row)."""
    tags = line.split(b"<")
    if tags[0] or len(tags) < 2 or not tags[1].startswith(b'row r="'):
        return None
    layout: list[_Cell] = []
    at = 2
    for letter in letters:
        if at >= len(tags) or re.match(rb'c r="' + letter.encode() + rb'[0-9]+"', tags[at]) is None:
            return None
        start = at
        at += 1
        if tags[start].endswith(b"/>"):
            layout.append(_Cell(start, None, "", ()))
            continue
        value: int | None = None
        prefix = b""
        fixed: list[tuple[int, str]] = []
        formulas: list[int] = []
        while at < len(tags) and tags[at - 1] != b"/c>":
            tag = tags[at]
            known = next((p for p in _VALUE_STARTS if tag.startswith(p)), None)
            if known is not None and value is None:
                value, prefix = at, known
            elif tag in _FIXED:
                fixed.append((at, tag.decode()))
            elif tag.startswith(_FORMULA_STARTS) and value is None:
                formulas.append(at)  # the value it gave follows: that is what is read
            else:
                return None  # rich text, another element: the general way
            at += 1
        if tags[at - 1] != b"/c>":
            return None
        layout.append(_Cell(start, value, prefix.decode(), tuple(fixed), tuple(formulas)))
    return layout


def _all_alike(tags: pl.DataFrame, layout: list[_Cell], letters: Sequence[str]) -> bool:
    """Whether every row has the first row's layout."""
    checks = [pl.col("t1").str.starts_with('row r="')]
    for letter, cell in zip(letters, layout, strict=True):
        start = pl.col(f"t{cell.start}")
        checks.append(start.str.contains(f'^c r="{letter}[0-9]+"'))
        checks.append(start.str.ends_with("/>") == (cell.value is None))
        if cell.value is not None:
            checks.append(pl.col(f"t{cell.value}").str.starts_with(cell.value_prefix))
    checks += [pl.col(f"t{index}") == tag for index, tag in layout[-1].fixed]
    checks += [pl.col(f"t{index}").str.starts_with("f") for index in layout[-1].formulas]
    alike = tags.select(pl.all_horizontal(checks).fill_null(False).all()).item()
    return bool(alike)


def _column(tags: pl.DataFrame, cell: _Cell) -> Column:
    starts = tags.get_column(f"t{cell.start}")
    height = tags.height
    # A column's cells nearly always share their attributes (the style, the type): after
    # the reference, every start tag ends as the first one does. Then they are read once.
    first = starts[0]
    attributes = first[first.index('"', 5) :]
    if starts.str.ends_with(attributes).all():
        style = pl.repeat(_style(attributes), height, dtype=pl.Int32, eager=True)
        kind: pl.Series | str = _type(attributes)
    else:
        each = starts.str.strip_chars_start(_REFERENCE_CHARS)
        distinct = each.unique().to_list()
        style = each.replace_strict({a: _style(a) for a in distinct}, return_dtype=pl.Int32)
        kind = each.replace_strict({a: _type(a) for a in distinct}, return_dtype=pl.String)
    if cell.value is None:
        value = pl.repeat(None, height, dtype=pl.String, eager=True)
    else:
        value = tags.get_column(f"t{cell.value}").str.slice(len(cell.value_prefix))
    return Column(kind, value, style)


def _style(attributes: str) -> int:
    found = _STYLE.search(attributes)
    return 0 if found is None else int(found.group(1))


def _type(attributes: str) -> str:
    found = _TYPE.search(attributes)
    return "n" if found is None else found.group(1)
