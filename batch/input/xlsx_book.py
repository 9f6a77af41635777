"""An ``.xlsx``/``.xlsm`` sheet as a ``workbook_stream.SheetSource``: the zip opened once,
its small parts read (``xlsx_parts``), the sheet's XML streamed in pieces
(``xlsx_sheet``), each piece's cells parsed on its own (so pieces can be parsed on
several threads) and its hidden rows, hidden columns and merged cells noted on the way
(``workbook_layout``): one pass over the sheet finds everything."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from batch.input import workbook_layout, xlsx_parts, xlsx_sheet
from batch.input.workbook_base import choose_sheet
from batch.input.workbook_grid import Styles
from batch.input.workbook_layout import Hidden
from batch.input.xlsx_sheet import Wide


class XlsxSheet:
    def __init__(self, path: Path, wanted: str | int | None) -> None:
        self._path = path
        self._archive = xlsx_parts.open_zip(path)
        self._hidden = Hidden()
        self._read_whole = False
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

    def pieces(self) -> Iterator[bytes]:
        """The sheet's XML in pieces of whole rows, what it hides noted on the way."""
        for piece in xlsx_sheet.pieces(self._archive, self._part, self._path):
            workbook_layout.note_piece(self._hidden, piece)
            yield piece
        self._read_whole = True

    def cells(self, piece: bytes, letters: Sequence[str] | None) -> pl.DataFrame | Wide:
        return xlsx_sheet.cells(piece, self._shared, self._path, letters)

    def hidden(self) -> Hidden | None:
        """What ``pieces()`` found, once it has gone through the sheet; before that (a
        refusal of the header stops the pass early), a scan of the sheet's XML."""
        if self._read_whole:
            return self._hidden
        return workbook_layout.scan(str(self._path), ".xlsx", self.sheet)

    def close(self) -> None:
        self._archive.close()
        self._shared = self._shared.clear()  # a million strings: not kept while validating
