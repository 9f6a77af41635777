"""An ``.xlsx``/``.xlsm`` sheet as a ``workbook_stream.SheetSource``: the zip opened once,
its small parts read (``xlsx_parts``), the sheet's cells streamed (``xlsx_sheet``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from batch.input import workbook_layout, xlsx_parts, xlsx_sheet
from batch.input.workbook_base import choose_sheet
from batch.input.workbook_grid import Styles
from batch.input.workbook_layout import Hidden


class XlsxSheet:
    def __init__(self, path: Path, wanted: str | int | None) -> None:
        self._path = path
        self._archive = xlsx_parts.open_zip(path)
        try:
            book = xlsx_parts.read_book(self._archive, path)
            if not book.sheets:
                raise xlsx_parts.not_readable(path, "it names no sheet")
            names = [sheet.name for sheet in book.sheets]
            chosen = book.sheets[
                choose_sheet(names, [s.visible for s in book.sheets], wanted, path)
            ]
            if chosen.part is None:
                raise xlsx_parts.not_readable(path, f"sheet {chosen.name!r} has no part")
            self.sheet = chosen.name
            self._part = chosen.part
            self.styles = Styles(book.formats, book.date1904, book.libreoffice)
            self._shared = xlsx_parts.shared_strings(self._archive, path)
        except BaseException:
            self._archive.close()
            raise

    def cell_frames(self) -> Iterator[pl.DataFrame]:
        return xlsx_sheet.cell_frames(self._archive, self._part, self._shared, self._path)

    def hidden(self) -> Hidden | None:
        return workbook_layout.scan(str(self._path), ".xlsx", self.sheet)

    def close(self) -> None:
        self._archive.close()
