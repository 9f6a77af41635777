"""A workbook sheet read in one pass (``.xlsx``/``.xlsm`` by ``xlsx_book``, ``.xls`` by
``xls_book``), shown as the sheet shows it (``workbook_grid``), handed out in batches
like a CSV's.

Opening reads the sheet once: its first pieces up to the header (the first row with a
value), then every other piece, parsed on two threads (polars works with the GIL
released), into rows kept in a private spool (``ods_spool``), while what the sheet
hides is noted. A sheet that hides rows or columns or merges cells is refused at the
end of that pass, before any of its rows is used. Every ``batches()`` reads the spool
back: a send, which reads its input several times, parses the sheet once. Memory holds
a few pieces of the sheet and one batch, whatever the sheet's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import polars as pl

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.i18n import _
from batch.input import header, workbook_grid, workbook_wide
from batch.input.columns import HeaderColumns
from batch.input.in_order import in_order
from batch.input.ods_spool import Spool
from batch.input.source import BATCH_ROWS
from batch.input.workbook_base import WorkbookInput, refuse_hidden
from batch.input.workbook_layout import Hidden
from batch.input.xlsx_sheet import Wide, column_letters

#: Filled rows kept from the header on, for a refusal of the header to quote.
_TOP_ROWS = 10

Piece = TypeVar("Piece")


class SheetSource(Protocol[Piece]):
    """One chosen sheet of an open workbook."""

    sheet: str
    styles: workbook_grid.Styles

    def pieces(self) -> Iterator[Piece]:
        """The sheet in pieces, in row order, from the top (one pass)."""
        ...

    def cells(self, piece: Piece, letters: Sequence[str] | None) -> pl.DataFrame | Wide:
        """A piece's cells (``xlsx_sheet.CELL_SCHEMA``); with ``letters``, only the
        cells of those columns are needed, and may come a column at a time
        (``xlsx_sheet.Wide``). Safe to call from any thread."""
        ...

    def hidden(self) -> Hidden | None:
        """What the sheet hides (hidden rows and columns, merged cells)."""
        ...

    def close(self) -> None: ...


class StreamedWorkbook(WorkbookInput, Generic[Piece]):
    def __init__(
        self, spec: InputSpec, required: Sequence[str], source: SheetSource[Piece]
    ) -> None:
        super().__init__(spec.path)
        self._source = source
        self._spool = Spool()
        self._pending: list[pl.DataFrame] = []
        self._pending_rows = 0
        try:
            self._open(spec, required)
        except BaseException:
            self.close()
            raise
        source.close()  # everything is in the spool: the workbook's memory goes

    def _open(self, spec: InputSpec, required: Sequence[str]) -> None:
        source = self._source
        self.sheet = source.sheet
        pieces = source.pieces()
        read: list[pl.DataFrame] = []
        try:
            self.header_line, self.top_rows = _header(source, pieces, read, spec.path)
            self._check_header(spec, required)
        except InputError:
            # What the sheet hides comes first: it may be why the header looks wrong.
            refuse_hidden(spec.path, self.sheet, source.hidden())
            raise
        self._used = {self.resolve(name) for name in required}
        for shown in read:
            self._keep(self._rows(shown))
        letters = [column_letters(index) for index in range(len(self.columns))]

        def rows_of(piece: Piece) -> pl.DataFrame:
            cells = source.cells(piece, letters)
            if isinstance(cells, pl.DataFrame):
                return self._rows(workbook_grid.shown(cells, source.styles))
            return workbook_wide.wide_rows(
                cells, source.styles, self.columns, self._used, self.header_line
            )

        for frame in in_order(pieces, rows_of, "sheet"):
            self._keep(frame)
        self._keep(None)
        refuse_hidden(spec.path, self.sheet, source.hidden())

    def _check_header(self, spec: InputSpec, required: Sequence[str]) -> None:
        cells = list(self.top_rows[0][1])
        while cells and not cells[-1].strip():
            cells.pop()  # empty cells right of the last name are no columns
        names = header.column_names(cells, spec.path)
        self.separator = ""
        self.columns = names
        self.header = names
        self.is_results = False
        self.header_columns = HeaderColumns(names, f"{spec.path}, sheet {self.sheet!r}")
        self._check_required(required, spec)
        self.multiline = self._multiline(spec.multiline_columns)

    def _rows(self, shown: pl.DataFrame) -> pl.DataFrame:
        return workbook_grid.rows(shown, self.columns, self._used, self.header_line)

    def _keep(self, frame: pl.DataFrame | None) -> None:
        """Rows into the spool, a batch's worth at a time (pieces hold a few thousand rows:
        a batch each would cost the validation's fixed costs many times over); None: the
        last of them."""
        if frame is not None and frame.height:
            self._pending.append(frame)
            self._pending_rows += frame.height
        if self._pending and (frame is None or self._pending_rows >= BATCH_ROWS):
            self._spool.add(pl.concat(self._pending))
            self._pending, self._pending_rows = [], 0

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        return self._spool.frames(batch_size)

    def close(self) -> None:
        self._spool.discard()
        self._source.close()


def _header(
    source: SheetSource[Piece], pieces: Iterator[Piece], read: list[pl.DataFrame], path: Path
) -> tuple[int, list[tuple[int, list[str]]]]:
    """The header's row number, and the filled rows from it on (a few) as shown; the
    pieces read for them are left shown in ``read``."""
    top: list[tuple[int, list[str]]] = []
    for piece in pieces:
        cells = source.cells(piece, None)
        assert isinstance(cells, pl.DataFrame), "a piece read without letters is a cell frame"
        shown = workbook_grid.shown(cells, source.styles)
        read.append(shown)
        filled = shown.filter(pl.col("shown").str.contains(r"\S"))
        for (row,), group in filled.sort("row", "col").group_by(["row"], maintain_order=True):
            width = max(group.get_column("col").to_list()) + 1
            line = [""] * width
            for col, text in group.select("col", "shown").iter_rows():
                line[col] = text
            top.append((int(row), line))
            if len(top) >= _TOP_ROWS:
                return top[0][0], top
    if top:
        return top[0][0], top
    raise InputError(
        _("{path}, sheet {sheet} is empty: it has no header row").format(
            path=path, sheet=repr(source.sheet)
        ),
        hint=_("the first row must hold the column names; or choose another [input] sheet"),
    )
