"""An ``.xlsx`` sheet's cells, streamed: the sheet's XML part is inflated in pieces of
a few MB cut at row ends (``pieces``), and each piece is parsed on its own (``cells``,
on any thread) with polars, no Python object per cell, so memory stays flat whatever
the sheet's size: rows all alike the fast way, a column at a time (``xlsx_dense``,
``Wide``); any other piece the general way, one frame of cells (literal searches;
regexes only for unusual spellings).

A cell frame (``CELL_SCHEMA``, shared with the ``.xls`` reader) has one row per cell
with a value: the sheet row (1-based), the column (0-based), the kind (``s`` text,
``n`` number, ``b`` boolean, ``e`` error), the text (the string; a number's value as
written; ``1``/``0``; the error's ``#N/A``) and the cell style's index.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from batch.errors import InputError
from batch.i18n import _
from batch.input import xlsx_dense, xml_text
from batch.input.xlsx_parts import not_readable

#: A piece read the fast way (``xlsx_dense``): the rows, and each column's cells.
Wide = tuple[pl.Series, list[pl.DataFrame]]
CELL_SCHEMA = {
    "row": pl.Int64,
    "col": pl.Int32,
    "kind": pl.String,
    "text": pl.String,
    "style": pl.Int32,
}
_CHUNK = 4 << 20
_CELL = r"(?s)<(?:\w+:)?c\s[^>]*?/>|<(?:\w+:)?c\s[^>]*>.*?</(?:\w+:)?c>"
_START = r"^<[^>]*>"
_VALUE = r"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>"
_INLINE = r"(?s)<(?:\w+:)?is>.*?</(?:\w+:)?is>"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ESCAPED = ["str", "e", "d", "inlineStr"]
_KINDS = {"s": "s", "inlineStr": "s", "str": "s", "n": "n", "b": "b", "e": "e", "d": "s"}


def column_index(letters: str) -> int:
    """``A`` -> 0, ``Z`` -> 25, ``AA`` -> 26."""
    index = 0
    for letter in letters:
        index = index * 26 + _LETTERS.index(letter) + 1
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


def pieces(archive: zipfile.ZipFile, part: str, path: Path) -> Iterator[bytes]:
    """The sheet's XML part in pieces of a few MB, each cut just after a row's end."""
    try:
        with archive.open(part) as stream:
            for piece in xml_text.element_chunks(stream, b"</row>", _CHUNK):
                if b"<" in piece:
                    yield piece
    except KeyError:
        raise not_readable(path, f"its sheet part {part} is missing") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise not_readable(path, f"its sheet cannot be read: {exc}") from None


def cells(
    piece: bytes, shared: pl.Series, path: Path, letters: Sequence[str] | None = None
) -> pl.DataFrame | Wide:
    """One piece's cells: (row, col, style, type, value) parsed, then typed. Rows all
    alike in the columns ``letters`` take the fast way (``xlsx_dense``), a column each."""
    dense = None if not letters else xlsx_dense.cells(piece, letters)
    if dense is not None:
        rows, columns = dense
        return rows, [_typed_column(column, shared, path) for column in columns]
    try:
        parsed = _general_cells(piece, path)
    except (UnicodeDecodeError, pl.exceptions.ComputeError) as exc:
        raise not_readable(path, f"its sheet cannot be read: {exc}") from None
    if not parsed.height:
        return pl.DataFrame(schema=CELL_SCHEMA)
    kinds = parsed.get_column("type")
    text = shared_text(parsed.get_column("value"), kinds, shared, path)
    return parsed.select(
        "row",
        "col",
        kinds.replace_strict(_KINDS, default="s").alias("kind"),
        text.alias("text"),
        "style",
    ).filter(pl.col("text").is_not_null())


def _typed_column(column: xlsx_dense.Column, shared: pl.Series, path: Path) -> pl.DataFrame:
    """A column of the fast way's cells typed as the general way's are: kind, text, style."""
    types = column.type
    height = column.value.len()
    if isinstance(types, str):
        kind = pl.repeat(_KINDS.get(types, "s"), height, dtype=pl.String, eager=True)
    else:
        kind = types.replace_strict(_KINDS, default="s")
    return pl.DataFrame(
        {
            "kind": kind,
            "text": shared_text(column.value, types, shared, path),
            "style": column.style,
        }
    )


def _general_cells(piece: bytes, path: Path) -> pl.DataFrame:
    """Any piece's cells, in any order and any spelling: (row, col, type, value, style)."""
    plain = piece.count(b'<c r="')
    if plain == piece.count(b"<c ") and (plain or b'c r="' not in piece):
        parsed = _plain_cells(piece)
    else:
        parsed = _any_cells(piece.decode("utf-8"))
    if not parsed.height:
        return parsed
    if parsed.get_column("row").null_count():
        raise InputError(
            _(
                '{path}: its sheet has cells without a reference (r="A1"), which io-batch '
                "does not read"
            ).format(path=path),
            hint=_("open it in Excel or LibreOffice and save it again as .xlsx"),
        )
    letters = parsed.get_column("letters").unique().to_list()
    columns = {name: column_index(name) for name in letters}
    return parsed.select(
        "row",
        pl.col("letters").replace_strict(columns, return_dtype=pl.Int32).alias("col"),
        "type",
        "value",
        "style",
    )


def _plain_cells(piece: bytes) -> pl.DataFrame:
    """Cells written as every spreadsheet program writes them, ``<c r="A1" ...>`` with
    the reference first: a line per cell (``<`` is always escaped in values, so
    ``<c r="`` starts a cell and nothing else), then literal searches, no regex.

    Positions are found once and the parts sliced out, so that no long string is copied
    more than once. An attribute counts only before the start tag's end (``>``): text
    after it (a formula's) is no attribute."""
    cells = xml_text.split_at(piece, b'<c r="')  # a line per cell
    xml, col = pl.col("xml"), pl.col

    def find(mark: str) -> pl.Expr:
        return xml.str.find(mark, literal=True)

    # LibreOffice and Excel keep text in shared strings: inline strings (openpyxl's) are
    # looked for only in a piece that has some.
    inline_text = b'"inlineStr"' in piece
    runs = (
        [
            pl.coalesce(find("<t>") + 3, find('<t xml:space="preserve">') + 24).alias("run_at"),
            find("</t>").alias("run_end"),
            xml.str.contains("<r>", literal=True).alias("rich"),
        ]
        if inline_text
        else [
            pl.lit(None, dtype=pl.UInt32).alias("run_at"),
            pl.lit(None, dtype=pl.UInt32).alias("run_end"),
            pl.lit(False).alias("rich"),
        ]
    )
    found = cells.with_columns(
        find(">").alias("gt"),
        find('"').alias("quote"),
        find(' s="').alias("s_at"),
        find(' t="').alias("t_at"),
        find("<v>").alias("v_at"),
        find("</v>").alias("v_end"),
        *runs,
    )
    value = xml.str.slice(col("v_at") + 3, col("v_end") - col("v_at") - 3)
    if inline_text:
        value = pl.coalesce(value, xml.str.slice(col("run_at"), col("run_end") - col("run_at")))
    parsed = found.select(
        xml.str.head(col("quote")).alias("ref"),
        pl.when(col("s_at") < col("gt")).then(xml.str.slice(col("s_at") + 4, 12)).alias("style"),
        pl.when(col("t_at") < col("gt")).then(xml.str.slice(col("t_at") + 4, 12)).alias("type"),
        value.alias("value"),
        "rich",
        "xml",
    ).select(
        col("ref").str.strip_chars_end("0123456789").alias("letters"),
        col("ref").str.strip_chars_start(_LETTERS).cast(pl.Int64, strict=False).alias("row"),
        _before(col("style"), '"').cast(pl.Int32, strict=False).fill_null(0).alias("style"),
        _before(col("type"), '"').fill_null("n").alias("type"),
        "value",
        "rich",
        "xml",
    )
    if inline_text:
        inline = parsed.get_column("type") == "inlineStr"
        # Text in several runs (fonts), or a run with other attributes: all of its runs.
        odd = inline & (parsed.get_column("rich") | parsed.get_column("value").is_null())
        if odd.any():
            where = odd.arg_true()
            elements = parsed.get_column("xml").gather(where).str.extract(_INLINE, 0)
            parsed = parsed.with_columns(
                parsed.get_column("value").scatter(where, xml_text.runs_text(elements))
            )
    return parsed.drop("rich", "xml")


def _before(text: pl.Expr, mark: str) -> pl.Expr:
    return text.str.head(text.str.find(mark, literal=True))


def _any_cells(piece: str) -> pl.DataFrame:
    """Cells in any spelling XML allows (namespace prefixes, attributes in any order):
    the general, slower way."""
    raw = pl.DataFrame({"xml": pl.Series([piece]).str.extract_all(_CELL)}).explode("xml")
    raw = raw.drop_nulls()
    start = pl.col("xml").str.extract(_START, 0)
    parsed = raw.select(
        start.str.extract(r'\sr="([A-Z]{1,3})[0-9]+"', 1).alias("letters"),
        start.str.extract(r'\sr="[A-Z]{1,3}([0-9]+)"', 1).cast(pl.Int64).alias("row"),
        start.str.extract(r'\ss="([0-9]+)"', 1).cast(pl.Int32).fill_null(0).alias("style"),
        start.str.extract(r'\st="([a-zA-Z]+)"', 1).fill_null("n").alias("type"),
        pl.col("xml").str.extract(_VALUE, 1).alias("value"),
        pl.col("xml"),
    )
    inline = parsed.get_column("type") == "inlineStr"
    if inline.any():
        where = inline.arg_true()
        elements = parsed.get_column("xml").gather(where).str.extract(_INLINE, 0)
        parsed = parsed.with_columns(
            parsed.get_column("value").scatter(where, xml_text.runs_text(elements))
        )
    return parsed.drop("xml")


def shared_text(
    text: pl.Series, kinds: pl.Series | str, shared: pl.Series, path: Path
) -> pl.Series:
    """Shared-string cells' index replaced by the string; other strings unescaped
    (``kinds``: each cell's ``t``, or one for all)."""
    if isinstance(kinds, str):  # a column of one type: the whole column at once
        if kinds == "s":
            return _shared(text, shared, path)
        return xml_text.unescape_series(text) if kinds in _ESCAPED else text
    is_shared = (kinds == "s") & text.is_not_null()
    if is_shared.any():
        where = is_shared.arg_true()
        text = text.scatter(where, _shared(text.gather(where), shared, path))
    is_escaped = kinds.is_in(_ESCAPED)
    if is_escaped.any():
        where = is_escaped.arg_true()
        text = text.scatter(where, xml_text.unescape_series(text.gather(where)))
    return text


def _shared(text: pl.Series, shared: pl.Series, path: Path) -> pl.Series:
    """The shared strings that cells name by index (a cell without a value stays so)."""
    index = text.cast(pl.Int64, strict=False)
    if index.null_count() != text.null_count() or not bool(
        index.drop_nulls().is_between(0, shared.len() - 1).all()
    ):
        raise not_readable(path, "a text cell names a shared string it does not have")
    return shared.gather(index)
