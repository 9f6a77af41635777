"""An ``.ods`` workbook as input, streamed: memory holds one batch, whatever the sheet.

``OdsInput`` is an ``InputSource`` like the CSV reader and ``WorkbookInput``: the same
header rules, the same batches (``_line``, ``_csv_error``, then every column as text), so
validation, sending, the results, rerun and the error report need nothing of their own.

When opened, one streamed pass over ``content.xml`` (``ods_sheet``) finds the sheet and
its header, reads every row and checks what the sheet hides; a sheet that hides rows or
columns or merges cells is refused (``ods_layout``) before any row is used. The rows
are kept in a private spool (``ods_spool``) that every ``batches()`` reads back. Cells
are the text the sheet shows, with the exceptions in ``ods_cells`` (the amount to pay,
the due date, error cells). Line numbers are the sheet's row numbers; empty rows are
skipped, as blank CSV lines are.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.i18n import _
from batch.identifiers import fiscal_code
from batch.input import header, ods_layout, ods_xml
from batch.input.columns import HeaderColumns
from batch.input.encoding import head_bytes
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import cap_frame
from batch.input.ods_sheet import Columns, Row, SheetPass
from batch.input.ods_spool import Spool
from batch.input.sheet_input import SheetInput
from batch.input.source import BATCH_ROWS


class OdsInput(SheetInput):
    """One sheet of an ``.ods``, handed out in batches like a CSV's."""

    def __init__(self, spec: InputSpec, required: Sequence[str]) -> None:
        super().__init__(spec.path)
        self.separator = ""
        self.is_results = False
        self._spec = spec
        self._required = list(required)
        self._spool = Spool()
        try:
            self._read(spec)
        except BaseException:
            self.close()
            raise

    @property
    def encoding(self) -> str:
        return f"ods workbook, sheet {self.sheet!r}"

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        return self._spool.frames(batch_size)

    def close(self) -> None:
        self._spool.discard()

    # -- internals -----------------------------------------------------------------------

    def _read(self, spec: InputSpec) -> None:
        head_bytes(spec.path, 1)  # a missing file, a folder: the input's own clear errors
        walk = ods_layout.open_walk(spec.path)
        try:
            table = ods_layout.find_sheet(walk, spec.path, spec.sheet)
            self.sheet = table.name
            layout = ods_layout.Layout(table.name)
            sheet = SheetPass(layout, self._on_header, self._on_missing)
            self._spool_rows(sheet.rows(walk))
            layout.hidden_columns = table.hidden_columns
        except ods_xml.OdsFormatError as exc:
            raise ods_layout.not_readable(spec.path, str(exc)) from None
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:  # a damaged zip, read late
            raise ods_layout.not_readable(spec.path, f"the zip is damaged: {exc}") from None
        finally:
            walk.close()
        if not layout.early_rows:
            raise InputError(
                _("{path}, sheet {sheet} is empty: it has no header row").format(
                    path=spec.path, sheet=repr(self.sheet)
                ),
                hint=_("the first row must hold the column names; or choose another [input] sheet"),
            )
        refusal = ods_layout.refusal(spec.path, layout, self.columns)
        if refusal is not None:
            raise refusal

    def _spool_rows(self, rows: Iterator[Row]) -> None:
        lines: list[int] = []
        errors: list[str | None] = []
        texts: list[list[str]] = []
        for line, cells, problem in rows:
            lines.append(line)
            errors.append(problem)
            texts.append(cells)
            if len(lines) >= BATCH_ROWS:
                self._spool.add(self._frame(lines, errors, texts))
                lines, errors, texts = [], [], []
        if lines:
            self._spool.add(self._frame(lines, errors, texts))

    def _frame(
        self, lines: list[int], errors: list[str | None], rows: list[list[str]]
    ) -> pl.DataFrame:
        data: dict[str, pl.Series] = {
            LINE_COLUMN: pl.Series(LINE_COLUMN, lines, dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series(CSV_ERROR_COLUMN, errors, dtype=pl.String),
        }
        for index, name in enumerate(self.columns):
            data[name] = pl.Series(name, [row[index] for row in rows], dtype=pl.String)
        return cap_frame(pl.DataFrame(data), self.columns, CSV_ERROR_COLUMN)

    def _on_header(self, line: int, cells: list[str]) -> Columns | None:
        """The header is known: the columns, or None when the job's are missing."""
        self.header_line = line
        names = header.column_names(cells, self.path)
        self.columns = names
        self.header = names
        self.header_columns = HeaderColumns(names, f"{self.path}, sheet {self.sheet!r}")
        if any(name not in self.header_columns for name in self._required):
            return None
        for name in self._required:
            self.resolve(name)  # raises on an ambiguous name
        self.multiline = self._multiline(self._spec.multiline_columns)
        used = {names.index(self.resolve(name)) for name in self._required}
        return Columns(
            names,
            frozenset(used),
            self._role(self._spec.amount_column),
            self._role(self._spec.due_date_column),
        )

    def _role(self, name: str | None) -> int | None:
        """The column of the job's amount or due date, if the job reads it."""
        if name is None or name not in self._required:
            return None
        return self.columns.index(self.resolve(name))

    def _on_missing(self, early_rows: list[tuple[int, list[str]]]) -> None:
        """The job's columns are not in the header: say why, as precisely as the first
        rows allow (a title above the names, data instead of names, another file)."""
        missing = [name for name in self._required if name not in self.header_columns]
        where = f"{self.path}, sheet {self.sheet!r}"
        names = ", ".join(repr(name) for name in missing)
        for number, cells in early_rows[1:]:
            below = HeaderColumns(cells)
            if all(name in below for name in self._required):
                raise header.header_not_first(where, self.header_line, number, cells)
        if any(fiscal_code.is_valid(fiscal_code.normalise(cell)) for cell in self.header):
            raise InputError(
                _(
                    "{where}: row {row} holds data, not column names (missing column(s) {names})"
                ).format(where=where, row=self.header_line, names=names),
                hint=_("add a first row with the column names the job uses"),
            )
        raise InputError(
            _("{where} has no column(s) {names}; its columns are: {columns}").format(
                where=where, names=names, columns=self.header_columns.listing()
            ),
            hint=_(
                "rename the columns in the sheet, choose another with [input] sheet, or "
                "change [columns] / the templates in the job"
            ),
        )


def is_ods(path: Path) -> bool:
    return path.suffix.lower() == ".ods"
