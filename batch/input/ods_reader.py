"""An ``.ods`` workbook as input, streamed: memory holds one batch, whatever the sheet.

``OdsInput`` is an ``InputFile`` like the CSV reader and ``WorkbookInput``: the same
header rules, the same batches (``_line``, ``_csv_error``, then every column as text), so
validation, sending, the results, rerun and the error report need nothing of their own.

Two streamed passes over ``content.xml``: when opened, ``ods_layout`` finds the sheet,
its header and what it hides (refused before any call); each ``batches()`` then reads
the rows again, one at a time, into batches. Cells are the text the sheet shows, with
the exceptions in ``ods_cells`` (the amount to pay, the due date, error cells). Line
numbers are the sheet's row numbers; empty rows are skipped, as blank CSV lines are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl
from xml.etree.ElementTree import Element

from batch.config.job import InputSpec
from batch.errors import InputError
from batch.input import header, ods_cells, ods_layout, ods_xml
from batch.input.columns import HeaderColumns
from batch.input.encoding import head_bytes
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import cap_frame
from batch.input.read import Chunk, InputFile
from batch.rules import fiscal_code


class OdsInput(InputFile):
    """One sheet of an ``.ods``, handed out in batches like a CSV's."""

    def __init__(self, spec: InputSpec, required: Sequence[str]) -> None:
        self.path = spec.path
        self.row_filter = None
        head_bytes(spec.path, 1)  # a missing file, a folder: the input's own clear errors
        layout = ods_layout.scan(spec.path, spec.sheet)
        self.sheet = layout.sheet
        if not layout.early_rows:
            raise InputError(
                f"{spec.path}, sheet {self.sheet!r} is empty: it has no header row",
                hint="the first row must hold the column names; or choose another "
                "[input] sheet",
            )
        self.separator = ""
        self.header_line, cells = layout.early_rows[0]
        names = header.column_names(cells, spec.path)
        self.columns = names
        self.header = names
        self.is_results = False
        self.header_columns = HeaderColumns(names, f"{spec.path}, sheet {self.sheet!r}")
        self._check_required(required, spec, layout)
        refusal = ods_layout.refusal(spec.path, layout, names)
        if refusal is not None:
            raise refusal
        self.multiline = self._multiline(spec.multiline_columns)
        self._used = frozenset(self.resolve(name) for name in required)
        self._amount = self._role(spec.amount_column, required)
        self._due_date = self._role(spec.due_date_column, required)

    @property
    def encoding(self) -> str:
        return f"ods workbook, sheet {self.sheet!r}"

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        width = len(self.columns)
        lines: list[int] = []
        errors: list[str | None] = []
        columns: list[list[str]] = [[] for _ in range(width)]
        for number, texts, problem in self._rows():
            lines.append(number)
            errors.append(problem)
            for column, text in zip(columns, texts, strict=True):
                column.append(text)
            if len(lines) >= batch_size:
                yield self._frame(lines, errors, columns)
                lines, errors, columns = [], [], [[] for _ in range(width)]
        if lines:
            yield self._frame(lines, errors, columns)

    # The dry run's three-step reading: an .ods has no byte chunks, so its one "chunk"
    # hands every row to the exact path, which is ``batches``.

    def chunks(self) -> Iterator[Chunk]:
        yield (self.header_line + 1, b"", 0)

    def chunk_frames(self, chunk: Chunk, batch_size: int) -> tuple[list[pl.DataFrame], int | None]:
        return [], chunk[0]

    def exact_batches(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        return self.batches(batch_size)

    def close(self) -> None:
        """Nothing is held open between batches."""

    # -- internals -----------------------------------------------------------------------

    def _role(self, name: str | None, required: Sequence[str]) -> int | None:
        """The column index of the job's amount or due-date column, if the job reads it."""
        if name is None or name not in required:
            return None
        return self.columns.index(self.resolve(name))

    def _rows(self) -> Iterator[tuple[int, list[str], str | None]]:
        """(sheet row, the cells as text, the row's problem) of every filled data row."""
        walk = ods_xml.Walk(self.path)
        try:
            for table in walk.tables():
                if table.name != self.sheet:
                    continue
                for number, count, row in walk.rows():
                    if number + count - 1 <= self.header_line:
                        continue
                    cells = self._cells(row)
                    if cells is None:
                        continue
                    first = max(number, self.header_line + 1)
                    for line in range(first, number + count):
                        texts, problem = self._texts(cells, line)
                        yield line, texts, problem
                return
        except ods_xml.OdsFormatError as exc:
            raise ods_layout.not_readable(self.path, str(exc)) from None
        finally:
            walk.close()

    def _cells(
        self, row: Element
    ) -> list[tuple[str, ods_cells.Typed | None]] | None:
        """The row's cells up to the header's width, or None when they are all empty."""
        width = len(self.columns)
        cells: list[tuple[str, ods_cells.Typed | None]] = []
        filled = False
        for cell in row:
            tag = cell.tag
            if tag != ods_xml.CELL and tag != ods_xml.COVERED_CELL:
                continue
            count = min(ods_xml.repeat(cell, ods_xml.COLUMNS_REPEATED), width - len(cells))
            shown = ods_xml.cell_text(cell) if tag == ods_xml.CELL else ""
            kind = ods_cells.typed(cell, shown) if tag == ods_xml.CELL else None
            if shown or kind is not None:
                filled = filled or bool(shown.strip())
            cells.extend([(shown, kind)] * count)
            if len(cells) >= width:
                break
        if not filled:
            return None
        cells.extend([("", None)] * (width - len(cells)))
        return cells

    def _texts(
        self, cells: list[tuple[str, ods_cells.Typed | None]], line: int
    ) -> tuple[list[str], str | None]:
        texts: list[str] = []
        problem: str | None = None
        for index, (shown, kind) in enumerate(cells):
            text = shown
            if kind is not None:
                name = self.columns[index]
                where = f"{ods_cells.column_letter(index)}{line}"
                value_type, value = kind
                if value_type == "error":
                    if problem is None and name in self._used:
                        problem = ods_cells.error_problem(where, name, shown)
                elif index == self._amount:
                    problem = problem or ods_cells.amount_problem(
                        where, name, shown, value_type, value
                    )
                elif index == self._due_date and value_type == "date":
                    text = ods_cells.due_date_text(value, shown)
            texts.append(text)
        return texts, problem

    def _frame(
        self, lines: list[int], errors: list[str | None], columns: list[list[str]]
    ) -> pl.DataFrame:
        data: dict[str, pl.Series] = {
            LINE_COLUMN: pl.Series(LINE_COLUMN, lines, dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series(CSV_ERROR_COLUMN, errors, dtype=pl.String),
        }
        for name, values in zip(self.columns, columns, strict=True):
            data[name] = pl.Series(name, values, dtype=pl.String)
        return cap_frame(pl.DataFrame(data), self.columns, CSV_ERROR_COLUMN)

    def _check_required(
        self, required: Sequence[str], spec: InputSpec, layout: ods_layout.Layout
    ) -> None:
        missing = [name for name in required if name not in self.header_columns]
        for name in required:
            if name not in missing:
                self.resolve(name)  # raises on an ambiguous name
        if not missing:
            return
        where = f"{self.path}, sheet {self.sheet!r}"
        names = ", ".join(repr(name) for name in missing)
        for number, cells in layout.early_rows[1:]:
            below = HeaderColumns(cells)
            if all(name in below for name in required):
                raise header.header_not_first(where, self.header_line, number, cells)
        if any(fiscal_code.is_valid(fiscal_code.normalise(cell)) for cell in self.header):
            raise InputError(
                f"{where}: row {self.header_line} holds data, not column names (missing "
                f"column(s) {names})",
                hint="add a first row with the column names the job uses",
            )
        raise InputError(
            f"{where} has no column(s) {names}; its columns are: "
            f"{self.header_columns.listing()}",
            hint="rename the columns in the sheet, choose another with [input] sheet, or "
            "change [columns] / the templates in the job",
        )


def is_ods(path: Path) -> bool:
    return path.suffix.lower() == ".ods"
