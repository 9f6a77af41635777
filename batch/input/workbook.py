"""Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``) as input, through polars' calamine
engine (the ``fastexcel`` package), wherever a CSV works.

``WorkbookInput`` is an ``InputFile``: the same header rules (forgiving names, missing
and ambiguous columns), the same batches (``_line``, ``_csv_error``, then every column
as text), so validation, sending, the results, rerun and the error report need no
workbook of their own. Differences, all documented in the README:

- the sheet is ``[input] sheet`` (a name, or a 1-based index), else the first visible one;
- line numbers are the sheet's row numbers (the header is the first row with a value);
- cells are the text the user sees (``workbook_cells``); a number cell that cannot hold
  its digits is a row problem, ``cell.imprecise_number``;
- hidden rows or columns and merged cells refuse the sheet (``workbook_layout``);
- a file that is not the workbook its extension says is a clear file error.

calamine reads a whole sheet at once: memory grows with the sheet (see the benchmark in
the README), unlike the CSV reader's flat chunks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import fastexcel
import polars as pl
from fastexcel import DType

from batch.config.job import InputSpec
from batch.errors import InputError
from batch.input import header, ods_reader, workbook_cells, workbook_layout
from batch.input.columns import HeaderColumns
from batch.input.encoding import head_bytes
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import cap_frame
from batch.input.read import Chunk, InputFile
from batch.rules import fiscal_code

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
_TEXT_HINT = "format the column as text (Format Cells > Text) and type the digits again"


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def open_workbook(spec: InputSpec, required: Sequence[str]) -> InputFile:
    """The sheet's reader: ``.ods`` has its own streamed one (``ods_reader``)."""
    if ods_reader.is_ods(spec.path):
        return ods_reader.OdsInput(spec, required)
    return WorkbookInput(spec, required)


class WorkbookInput(InputFile):
    """One sheet of a workbook, read whole, handed out in batches like a CSV's."""

    def __init__(self, spec: InputSpec, required: Sequence[str]) -> None:
        self.path = spec.path
        self.row_filter = None
        head_bytes(spec.path, 1)  # a missing file, a folder: the input's own clear errors
        reader = _open(spec.path)
        self.sheet, text = _choose_sheet(reader, spec.sheet, spec.path)
        _refuse_hidden(spec.path, self.sheet)
        header_index = _header_index(text, spec.path, self.sheet)
        self.separator = ""
        self.header_line = header_index + 1
        cells = ["" if value is None else str(value) for value in text.row(header_index)]
        while cells and not cells[-1].strip():
            cells.pop()  # empty cells right of the last name are no columns
        names = header.column_names(cells, spec.path)
        self.columns = names
        self.header = names
        self.is_results = False
        self.header_columns = HeaderColumns(names, f"{spec.path}, sheet {self.sheet!r}")
        self._check_required(required, spec)
        self.multiline = self._multiline(spec.multiline_columns)
        used = {self.resolve(name) for name in required}
        self._frame = _frame(
            reader,
            sheet=self.sheet,
            text=text,
            names=names,
            used=used,
            header_index=header_index,
            path=spec.path,
        )

    @property
    def encoding(self) -> str:
        return f"{self.path.suffix.lower().lstrip('.')} workbook, sheet {self.sheet!r}"

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        for start in range(0, self._frame.height, batch_size):
            yield self._frame.slice(start, batch_size)

    # The dry run's three-step reading: a workbook has no byte chunks, so its one "chunk"
    # hands every row to the exact path, which is ``batches``.

    def chunks(self) -> Iterator[Chunk]:
        yield (self.header_line + 1, b"", 0)

    def chunk_frames(self, chunk: Chunk, batch_size: int) -> tuple[list[pl.DataFrame], int | None]:
        return [], chunk[0]

    def exact_batches(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        return self.batches(batch_size)

    def close(self) -> None:
        self._frame = self._frame.clear()

    def _check_required(self, required: Sequence[str], spec: InputSpec) -> None:
        missing = [name for name in required if name not in self.header_columns]
        for name in required:
            if name not in missing:
                self.resolve(name)  # raises on an ambiguous name
        if not missing:
            return
        names = ", ".join(repr(name) for name in missing)
        if any(fiscal_code.is_valid(fiscal_code.normalise(cell)) for cell in self.header):
            raise InputError(
                f"{self.path}, sheet {self.sheet!r}: row {self.header_line} holds data, not "
                f"column names (missing column(s) {names})",
                hint="add a first row with the column names the job uses",
            )
        raise InputError(
            f"{self.path}, sheet {self.sheet!r} has no column(s) {names}; its columns are: "
            f"{self.header_columns.listing()}",
            hint="rename the columns in the sheet, choose another with [input] sheet, or "
            "change [columns] / the templates in the job",
        )


def _open(path: Path) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(str(path))
    except fastexcel.FastExcelError as exc:
        kind = path.suffix.lower()
        raise InputError(
            f"{path} is not a readable {kind} workbook ({str(exc).splitlines()[0]})",
            hint=f"open it in Excel or LibreOffice and save it again as {kind}; a CSV must "
            "be named .csv",
        ) from None


def _choose_sheet(
    reader: fastexcel.ExcelReader, wanted: str | int | None, path: Path
) -> tuple[str, pl.DataFrame]:
    """The sheet's name and its cells as text (calamine reads a whole sheet per load, so
    the default's visibility is learnt from the load that is needed anyway)."""
    names = list(reader.sheet_names)
    listing = ", ".join(repr(name) for name in names)
    if isinstance(wanted, int):
        if wanted > len(names):
            raise InputError(
                f"{path} has {len(names)} sheet(s) ({listing}); input.sheet = {wanted}",
                hint="sheets are counted from 1; or name the sheet",
            )
        name = names[wanted - 1]
        return name, _load(reader, name, "string", path)[1]
    if isinstance(wanted, str):
        if wanted not in names:
            raise InputError(
                f"{path} has no sheet {wanted!r}; its sheets are: {listing}",
                hint="set [input] sheet to one of them (a name, or a number from 1)",
            )
        return wanted, _load(reader, wanted, "string", path)[1]
    for name in names:
        visible, text = _load(reader, name, "string", path)
        if visible:
            return name, text
    raise InputError(f"{path} has no visible sheet", hint="unhide the sheet with the recipients")


def _refuse_hidden(path: Path, sheet: str) -> None:
    found = workbook_layout.scan(str(path), path.suffix.lower(), sheet)
    if not found:
        return
    parts = []
    if found.rows:
        parts.append(f"hidden rows ({', '.join(found.rows)}{'...' if len(found.rows) > 2 else ''})")
    if found.columns:
        parts.append("hidden columns")
    if found.merged:
        parts.append(f"merged cells ({', '.join(found.merged)})")
    raise InputError(
        f"{path}, sheet {sheet!r} has {' and '.join(parts)}: io-batch reads every cell a "
        "sheet holds, so it will not guess what was meant to be left out or shared",
        hint="unhide and delete the rows meant to be left out (filters included), unmerge "
        "merged cells and fill each row, then save",
    )


def _load(
    reader: fastexcel.ExcelReader,
    sheet: str,
    dtype: DType | dict[str | int, DType],
    path: Path,
    columns: list[int] | None = None,
) -> tuple[bool, pl.DataFrame]:
    """Whether the sheet is visible, and its cells read as ``dtype``."""
    try:
        loaded = reader.load_sheet(
            sheet,
            header_row=None,
            skip_rows=0,  # row i of the frame is the sheet's row i + 1
            dtypes=dtype,
            use_columns=columns,
        )
        frame: pl.DataFrame = loaded.to_polars()
        return loaded.visible == "visible", frame
    except fastexcel.FastExcelError as exc:
        raise InputError(
            f"{path}, sheet {sheet!r} cannot be read ({str(exc).splitlines()[0]})",
            hint="open it in Excel or LibreOffice and save it again",
        ) from None


def _header_index(text: pl.DataFrame, path: Path, sheet: str) -> int:
    if text.width:
        filled = text.select(
            pl.any_horizontal(pl.all().fill_null("").str.contains(r"\S")).arg_true()
        ).to_series()
        if filled.len():
            return int(filled[0])
    raise InputError(
        f"{path}, sheet {sheet!r} is empty: it has no header row",
        hint="the first row must hold the column names; or choose another [input] sheet",
    )


def _frame(
    reader: fastexcel.ExcelReader,
    *,
    sheet: str,
    text: pl.DataFrame,
    names: list[str],
    used: set[str],
    header_index: int,
    path: Path,
) -> pl.DataFrame:
    """The data rows: line, csv_error, then every column as text; blank rows dropped."""
    width = len(names)
    text = text.select(text.columns[:width]) if text.width >= width else text
    # One load tells the types: durations (non-null for date cells) in the columns whose
    # text looks like calamine's dates, booleans (non-null for number and boolean cells)
    # in the others; then one more for the numbers' values, where there are numbers.
    by_date = [
        i
        for i in range(min(width, text.width))
        if workbook_cells.might_hold_dates(text.to_series(i))
    ]
    present = list(range(min(width, text.width)))
    kinds: dict[str | int, DType] = {i: "duration" if i in by_date else "boolean" for i in present}
    typed = _load(reader, sheet, kinds, path, present)[1] if present else pl.DataFrame()
    by_number = [i for i in present if i not in by_date and typed.to_series(i).is_not_null().any()]
    numbers = _load(reader, sheet, "float", path, by_number)[1] if by_number else None
    nothing = pl.Series([None] * text.height, dtype=pl.Boolean)
    columns: dict[str, pl.Series] = {}
    problem = pl.Series(CSV_ERROR_COLUMN, [None] * text.height, dtype=pl.String)
    for index, name in reversed(list(enumerate(names))):
        raw = text.to_series(index) if index < text.width else pl.Series([None] * text.height)
        as_number = _column(numbers, by_number, index)
        as_duration = typed.to_series(index) if index in by_date else None
        cell_types = nothing if index in by_date or index not in present else typed.to_series(index)
        text_cells = raw.cast(pl.String)
        columns[name] = workbook_cells.render(text_cells, cell_types, as_number, as_duration)
        if name in used:
            bad = workbook_cells.imprecise(cell_types, text_cells, as_number)
            if bool(bad.any()):
                message = (
                    f"{workbook_cells.IMPRECISE}: column {name!r} holds a number cell with "
                    "more digits than a number cell keeps (15): "
                )
                problem = pl.select(
                    pl.when(bad)
                    .then(pl.lit(message) + raw + pl.lit(f"; {_TEXT_HINT}"))
                    .otherwise(problem)
                ).to_series()
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.int_range(1, text.height + 1, dtype=pl.Int64, eager=True),
            CSV_ERROR_COLUMN: problem,
            **{name: columns[name].alias(name) for name in names},
        }
    ).slice(header_index + 1)
    frame = cap_frame(frame, names, CSV_ERROR_COLUMN)
    blank = pl.all_horizontal(~pl.col(name).str.contains(r"\S") for name in names)
    return frame.filter(~blank)


def _column(frame: pl.DataFrame | None, indices: list[int], index: int) -> pl.Series | None:
    """Column ``index`` of the sheet in ``frame``, which holds only ``indices``."""
    if frame is None or index not in indices:
        return None
    return frame.to_series(indices.index(index))
