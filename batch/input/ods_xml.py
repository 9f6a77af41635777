"""An OpenDocument spreadsheet's ``content.xml``, streamed: tables, columns and rows.

An ``.ods`` is a zip; its cells are in ``content.xml``, which for a large sheet is
hundreds of megabytes of XML. ``lxml``'s ``iterparse`` reads it in one pass, building
each row in C and handing only rows (and tables, columns, table styles) to Python;
every row is dropped once it has been looked at, so memory holds one row at a time,
whatever the sheet's size. No entity is resolved and nothing is fetched from the
network. Row and column numbers are the sheet's own: a row written once with
``table:number-rows-repeated="1000"`` stands for 1,000 rows (LibreOffice writes the
empty rows below the data so, a million of them), and is never expanded here.

LibreOffice writes, next to each cell's value, the text the sheet shows (the cell's
number format applied) in its ``<text:p>`` paragraphs: ``00184``, ``50%``, ``12,50``,
``16/12/2026``, ``VERO``, ``#N/A``. ``cell_text`` returns that text.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from lxml import etree

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_CALCEXT_NS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"

TABLE = f"{{{_TABLE_NS}}}table"
ROW = f"{{{_TABLE_NS}}}table-row"
COLUMN = f"{{{_TABLE_NS}}}table-column"
CELL = f"{{{_TABLE_NS}}}table-cell"
COVERED_CELL = f"{{{_TABLE_NS}}}covered-table-cell"
STYLE = f"{{{_STYLE_NS}}}style"
_TABLE_PROPERTIES = f"{{{_STYLE_NS}}}table-properties"
_PARAGRAPH = f"{{{_TEXT_NS}}}p"
_SPACES = f"{{{_TEXT_NS}}}s"
_SPACE_COUNT = f"{{{_TEXT_NS}}}c"
_TAB = f"{{{_TEXT_NS}}}tab"
_LINE_BREAK = f"{{{_TEXT_NS}}}line-break"

NAME = f"{{{_TABLE_NS}}}name"
STYLE_NAME = f"{{{_TABLE_NS}}}style-name"
VISIBILITY = f"{{{_TABLE_NS}}}visibility"
ROWS_REPEATED = f"{{{_TABLE_NS}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{_TABLE_NS}}}number-columns-repeated"
ROWS_SPANNED = f"{{{_TABLE_NS}}}number-rows-spanned"
COLUMNS_SPANNED = f"{{{_TABLE_NS}}}number-columns-spanned"
FORMULA = f"{{{_TABLE_NS}}}formula"
VALUE_TYPE = f"{{{_OFFICE_NS}}}value-type"
VALUE = f"{{{_OFFICE_NS}}}value"
DATE_VALUE = f"{{{_OFFICE_NS}}}date-value"
TIME_VALUE = f"{{{_OFFICE_NS}}}time-value"
BOOLEAN_VALUE = f"{{{_OFFICE_NS}}}boolean-value"
STRING_VALUE = f"{{{_OFFICE_NS}}}string-value"
#: LibreOffice's own cell type: ``error`` for a formula that failed (``#N/A``, ``Err:502``).
CALC_VALUE_TYPE = f"{{{_CALCEXT_NS}}}value-type"
_STYLE_FAMILY = f"{{{_STYLE_NS}}}family"
_STYLE_OWN_NAME = f"{{{_STYLE_NS}}}name"
_DISPLAY = f"{{{_TABLE_NS}}}display"

_HIDDEN = ("collapse", "filter")
#: A sheet has at most this many columns in LibreOffice (16,384 since 7.4): a repeat
#: count above it is a hostile file's, and is cut so.
MAX_COLUMNS = 16_384


class OdsFormatError(Exception):
    """content.xml is missing or is not well-formed XML."""


@dataclass
class Table:
    """A table (sheet) as it starts: its name, whether it is shown, its hidden columns."""

    index: int  # 1-based, in file order
    name: str
    visible: bool
    #: (first, last) 0-based column indices hidden (``collapse``) or filtered out.
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)


def repeat(element: etree._Element, attribute: str) -> int:
    raw = element.get(attribute)
    if raw is None:
        return 1
    try:
        return max(1, int(raw))
    except ValueError:
        return 1


def is_hidden(element: etree._Element) -> bool:
    return element.get(VISIBILITY) in _HIDDEN


def cell_text(cell: etree._Element) -> str:
    """The text a cell shows: its paragraphs, joined by line breaks."""
    if len(cell) == 1:  # the usual cell: one paragraph of plain text
        only = cell[0]
        if not len(only):  # a paragraph (a comment, office:annotation, has children)
            return only.text or ""
    paragraphs = [child for child in cell if child.tag == _PARAGRAPH]
    if not paragraphs:
        return ""
    if len(paragraphs) == 1:
        return _paragraph(paragraphs[0])
    return "\n".join(_paragraph(paragraph) for paragraph in paragraphs)


def _paragraph(element: etree._Element) -> str:
    if not len(element):
        return element.text or ""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _SPACES:
            parts.append(" " * min(repeat(child, _SPACE_COUNT), 1 << 16))
        elif tag == _TAB:
            parts.append("\t")
        elif tag == _LINE_BREAK:
            parts.append("\n")
        elif isinstance(tag, str) and not tag.startswith(f"{{{_OFFICE_NS}}}"):
            parts.append(_paragraph(child))  # a span, a link: their text
        parts.append(child.tail or "")
    return "".join(parts)


def is_filled(cell: etree._Element) -> bool:
    """A cell with a value or a text (a comment alone is no value)."""
    if cell.get(VALUE_TYPE) is not None:
        return True
    return any(child.tag == _PARAGRAPH for child in cell) and bool(cell_text(cell))


class Walk:
    """One streamed pass over content.xml: ``tables()`` yields each table as it starts,
    ``rows()`` then that table's rows, as (first row number, repeat count, element).

    An element is valid only until the iteration moves on: it is dropped then. A table
    whose rows are not asked for is skipped (its rows are read and dropped)."""

    def __init__(self, path: Path) -> None:
        self._archive = zipfile.ZipFile(path)
        self._stream: _SpanSpotter | None = None
        try:
            with self._archive.open("META-INF/manifest.xml") as manifest:
                if b"encryption-data" in manifest.read(1 << 20):
                    raise OdsFormatError("it is protected by a password")
        except KeyError:
            pass  # a manifest is optional for a reader
        except BaseException:
            self.close()
            raise
        try:
            self._stream = _SpanSpotter(self._archive.open("content.xml"))
        except KeyError:
            self.close()
            raise OdsFormatError("it has no content.xml") from None
        except BaseException:
            self.close()
            raise
        self._events = etree.iterparse(
            self._stream,
            events=("start", "end"),
            tag=(TABLE, ROW, COLUMN, STYLE),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,  # a long cell is a row problem (csv.too_long), not a crash
            remove_comments=True,
            remove_pis=True,
        )
        self._hidden_tables: set[str] = set()
        self._table: Table | None = None
        self._count = 0

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        self._archive.close()

    def tables(self) -> Iterator[Table]:
        for event, element in self._next():
            tag = element.tag
            if event == "start":
                if tag == TABLE:
                    self._count += 1
                    self._table = Table(
                        self._count,
                        element.get(NAME) or f"Sheet{self._count}",
                        element.get(STYLE_NAME) not in self._hidden_tables,
                    )
                    yield self._table
            elif tag in (ROW, COLUMN):
                _drop(element)
            elif tag == STYLE:
                self._note_table_style(element)

    def rows(self) -> Iterator[tuple[int, int, etree._Element]]:
        """The current table's rows; its hidden columns are in ``table`` once the first
        row is out (columns come before rows in a table)."""
        table = self._table
        assert table is not None, "rows() follows tables()"
        number = 1
        column = 0
        kept = 0
        try:
            for event, element in self._events:
                if event == "start":
                    continue
                tag = element.tag
                if tag == ROW:
                    raw = element.get(ROWS_REPEATED)
                    count = 1 if raw is None else repeat(element, ROWS_REPEATED)
                    yield number, count, element
                    number += count
                    kept += 1
                    if kept >= _DROP_EVERY:  # one drop frees many rows: cheaper per row
                        _drop(element)
                        kept = 0
                elif tag == COLUMN:
                    count = min(repeat(element, COLUMNS_REPEATED), MAX_COLUMNS)
                    if is_hidden(element) and column < MAX_COLUMNS:
                        table.hidden_columns.append((column, column + count - 1))
                    column += count
                    _drop(element)
                elif tag == TABLE:
                    return  # the end of this table
        except etree.XMLSyntaxError as exc:
            raise OdsFormatError(f"content.xml is damaged: {exc}") from None

    @property
    def merges_possible(self) -> bool:
        """Whether the XML read so far merges any cell: until it does, no cell needs
        looking at for it (the stream is read ahead of the rows handed out)."""
        return self._stream is not None and self._stream.spans_seen

    def _next(self) -> Iterator[tuple[str, etree._Element]]:
        try:
            yield from self._events
        except etree.XMLSyntaxError as exc:
            raise OdsFormatError(f"content.xml is damaged: {exc}") from None

    def _note_table_style(self, style: etree._Element) -> None:
        if style.get(_STYLE_FAMILY) != "table":
            return
        for child in style:
            if child.tag == _TABLE_PROPERTIES and child.get(_DISPLAY) == "false":
                self._hidden_tables.add(style.get(_STYLE_OWN_NAME) or "")


#: Rows kept in the tree between two drops (a drop frees them all).
_DROP_EVERY = 256


class _SpanSpotter:
    """content.xml as lxml reads it, noting whether any cell is merged (a
    ``number-rows-spanned`` or ``number-columns-spanned`` attribute) on the way."""

    _MARK = b"-spanned="

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._tail = b""
        self.spans_seen = False

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if not self.spans_seen and chunk:
            window = self._tail + chunk  # a mark may straddle two reads
            self.spans_seen = self._MARK in window
            self._tail = window[1 - len(self._MARK) :]
        return chunk

    def close(self) -> None:
        self._stream.close()


def _drop(element: etree._Element) -> None:
    """Free a row or column once read, and the ones before it: memory stays flat."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
