"""A workbook sheet read as a stream of cell frames (``.xlsx``/``.xlsm`` by
``xlsx_book``, ``.xls`` by ``xls_book``), shown as the sheet shows it
(``workbook_grid``), handed out in batches like a CSV's.

Opening reads the sheet up to its header (the first row with a value) and checks what
the sheet hides; every ``batches()`` streams the sheet again from the start, so memory
holds one piece of the sheet and one batch, whatever the sheet's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import polars as pl

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input import header, workbook_grid
from batch.input.columns import HeaderColumns
from batch.input.workbook_base import WorkbookInput, refuse_hidden
from batch.input.workbook_layout import Hidden

#: Filled rows kept from the header on, for a refusal of the header to quote.
_TOP_ROWS = 10


class SheetSource(Protocol):
    """One chosen sheet of an open workbook."""

    sheet: str
    styles: workbook_grid.Styles

    def cell_frames(self) -> Iterator[pl.DataFrame]:
        """The sheet's cells (``xlsx_sheet.CELL_SCHEMA``), in row order, from the top."""
        ...

    def hidden(self) -> Hidden | None:
        """What the sheet hides (hidden rows and columns, merged cells)."""
        ...

    def close(self) -> None: ...


class StreamedWorkbook(WorkbookInput):
    def __init__(self, spec: InputSpec, required: Sequence[str], source: SheetSource) -> None:
        self.path = spec.path
        self.row_filter = None
        self._source = source
        try:
            self._open(spec, required)
        except BaseException:
            source.close()
            raise

    def _open(self, spec: InputSpec, required: Sequence[str]) -> None:
        source = self._source
        self.sheet = source.sheet
        refuse_hidden(spec.path, self.sheet, source.hidden())
        self.header_line, self.top_rows = _header(source, spec.path)
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
        self._used = {self.resolve(name) for name in required}

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        for cells in self._source.cell_frames():
            shown = workbook_grid.shown(cells, self._source.styles)
            frame = workbook_grid.rows(shown, self.columns, self._used, self.header_line)
            for start in range(0, frame.height, batch_size):
                yield frame.slice(start, batch_size)

    def close(self) -> None:
        self._source.close()


def _header(source: SheetSource, path: Path) -> tuple[int, list[tuple[int, list[str]]]]:
    """The header's row number, and the filled rows from it on (a few) as shown."""
    top: list[tuple[int, list[str]]] = []
    for cells in source.cell_frames():
        shown = workbook_grid.shown(cells, source.styles).filter(
            pl.col("shown").str.contains(r"\S")
        )
        for (row,), group in shown.sort("row", "col").group_by(["row"], maintain_order=True):
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
        f"{path}, sheet {source.sheet!r} is empty: it has no header row",
        hint="the first row must hold the column names; or choose another [input] sheet",
    )
