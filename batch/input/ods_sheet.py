"""The one pass over an ``.ods`` sheet: its header, its rows, and what it hides.

Each row is looked at once (``ods_xml.Walk``): the cells up to the header's width
become the row's texts (``ods_cells``' rules for the amount, the due date and error
cells), and every cell is checked for merges, every row for being hidden, in the same
loop. Rows are handed out in batches (to ``ods_spool``); the layout found is returned at
the end, for the reader to refuse the sheet before any of its rows is used.

Repeated rows and cells (``number-rows-repeated``, ``number-columns-repeated``) are
counted, not expanded, unless they hold values: a formatted empty row LibreOffice
writes a million times over costs one step. Cells right of the header are not looked
at: nothing is read there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from batch.input import ods_cells, ods_xml
from batch.input.ods_layout import EARLY_ROWS, Layout, note_hidden, note_merge

_COLUMNS_REPEATED = ods_xml.COLUMNS_REPEATED
_ROWS_SPANNED = ods_xml.ROWS_SPANNED
_COLUMNS_SPANNED = ods_xml.COLUMNS_SPANNED
_VALUE_TYPE = ods_xml.VALUE_TYPE
#: What an error cell's text starts with (``#N/A``, ``Err:502``): only such a text cell is
#: looked at more closely.
_ERROR_STARTS = "#E"


@dataclass(frozen=True)
class Columns:
    """What the rows are read for, once the header is known."""

    names: list[str]
    used: frozenset[int]  # the columns the job reads: an error cell there refuses the row
    amount: int | None  # [columns] amount
    due_date: int | None  # [columns] due_date


#: The header's row and cells -> the columns, or None when the job's columns are missing
#: (then ``Missing`` gets the first filled rows, to explain, and raises).
Header = Callable[[int, list[str]], Columns | None]
Missing = Callable[[list[tuple[int, list[str]]]], None]
#: A data row: (sheet row number, texts, the row's problem or None).
Row = tuple[int, list[str], str | None]


class SheetPass:
    """Read the sheet's rows once; ``rows()`` yields the data rows, then ``layout`` is
    complete."""

    def __init__(self, layout: Layout, header: Header, missing: Missing) -> None:
        self.layout = layout
        self._header = header
        self._missing = missing
        self._columns: Columns | None = None
        self.header_line = 0

    def rows(self, walk: ods_xml.Walk) -> Iterator[Row]:
        layout = self.layout
        for number, count, row in walk.rows():
            columns = self._columns
            if columns is None:
                self._before_data(number, count, row)
                continue
            spans = walk.merges_possible
            texts, typed, filled = _cells(row, len(columns.names), layout, number, spans)
            if not filled:
                continue
            if ods_xml.is_hidden(row):
                note_hidden(layout, number, number + count - 1, row.get(ods_xml.VISIBILITY) or "")
            for line in range(number, number + count):
                yield line, *self._apply(columns, texts, typed, line)
        if self._columns is None and layout.early_rows:
            self._missing(layout.early_rows)

    def _before_data(self, number: int, count: int, row: etree._Element) -> None:
        """Rows up to the header (and, when the job's columns are missing, the next
        filled ones, to tell a title row from a wrong file)."""
        layout = self.layout
        texts, _typed, filled = _cells(row, ods_xml.MAX_COLUMNS, layout, number, True)
        if not filled:
            return
        if ods_xml.is_hidden(row):
            note_hidden(layout, number, number + count - 1, row.get(ods_xml.VISIBILITY) or "")
        while texts and not texts[-1].strip():
            texts.pop()
        layout.early_rows.append((number, texts))
        if len(layout.early_rows) == 1:
            self.header_line = number
            self._columns = self._header(number, texts)
        elif len(layout.early_rows) >= EARLY_ROWS:
            self._missing(layout.early_rows)

    @staticmethod
    def _apply(
        columns: Columns, texts: list[str], typed: list[tuple[int, ods_cells.Typed, str]], line: int
    ) -> tuple[list[str], str | None]:
        """The texts the rules get, and the row's problem (the first from the left)."""
        if not typed:
            return texts, None
        texts = list(texts)  # a repeated row shares its cells
        problem: str | None = None
        for index, (kind, value), shown in typed:
            if kind == "error":
                if problem is None and index in columns.used:
                    where = f"{ods_cells.column_letter(index)}{line}"
                    problem = ods_cells.error_problem(where, columns.names[index], shown)
            elif index == columns.amount:
                if problem is None:
                    where = f"{ods_cells.column_letter(index)}{line}"
                    problem = ods_cells.amount_problem(
                        where, columns.names[index], shown, kind, value
                    )
            elif index == columns.due_date and kind == "date":
                texts[index] = ods_cells.due_date_text(value, shown)
        return texts, problem


def _cells(
    row: etree._Element, width: int, layout: Layout, number: int, spans: bool
) -> tuple[list[str], list[tuple[int, ods_cells.Typed, str]], bool]:
    """The row's shown texts up to ``width`` columns, its typed cells there, and whether
        any of them holds a value; merges that start there are noted in ``layout`` (looked for
    only when ``spans``: the file merges some cell).

        The hot loop of the reader: a few look-ups per cell. A covered cell (under a merge)
        is read like any cell: a merge refuses the sheet anyway."""
    texts: list[str] = []
    typed: list[tuple[int, ods_cells.Typed, str]] = []
    filled = False
    column = 0
    for cell in row:
        raw = cell.get(_COLUMNS_REPEATED)
        count = 1 if raw is None else ods_xml.repeat(cell, _COLUMNS_REPEATED)
        if spans and (
            cell.get(_COLUMNS_SPANNED) is not None or cell.get(_ROWS_SPANNED) is not None
        ):
            note_merge(layout, cell, number, column)
        kind = cell.get(_VALUE_TYPE)
        if kind is not None or len(cell):
            shown = ods_xml.cell_text(cell)
            if shown:
                filled = filled or not shown.isspace()
                if len(texts) < column:
                    texts.extend([""] * (column - len(texts)))
                if count == 1:
                    texts.append(shown)
                else:
                    texts.extend([shown] * min(count, width - column))
                if kind != "string" or shown[0] in _ERROR_STARTS:
                    found = ods_cells.typed(cell, kind, shown)
                    if found is not None:
                        typed.extend(
                            (column + i, found, shown) for i in range(min(count, width - column))
                        )
        column += count
        if column >= width:
            break  # right of the header: nothing is read there
    if width < ods_xml.MAX_COLUMNS:
        texts.extend([""] * (width - len(texts)))
    return texts, typed, filled
