"""``.ods`` workbooks through polars' calamine engine (the ``fastexcel`` package), as
io-batch read every workbook before its own ``.xlsx`` and ``.xls`` readers.

calamine reads a whole sheet at once (memory grows with the sheet) and gives values
only, no number formats: cells are shown by ``workbook_cells``' rules (numbers as the
formula bar shows them, dates ISO). Hidden rows and columns and merged cells refuse the
sheet (``workbook_layout``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import fastexcel
import polars as pl
from fastexcel import DType

from batch.config.job import InputSpec
from batch.errors import InputError
from batch.input import header, workbook_cells, workbook_layout
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import cap_frame
from batch.input.workbook_base import WorkbookInput, choose_sheet, refuse_hidden

_TEXT_HINT = "format the column as text (Format Cells > Text) and type the digits again"


class CalamineWorkbook(WorkbookInput):
    """One sheet of a workbook, read whole, handed out in batches like a CSV's."""

    def __init__(self, spec: InputSpec, required: Sequence[str]) -> None:
        self.path = spec.path
        self.row_filter = None
        reader = _open(spec.path)
        self.sheet, text = _choose_sheet(reader, spec.sheet, spec.path)
        refuse_hidden(
            spec.path, self.sheet, workbook_layout.scan(str(spec.path), ".ods", self.sheet)
        )
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
        self.top_rows = _top_rows(text, header_index)
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

    def _read_batches(self, batch_size: int) -> Iterator[pl.DataFrame]:
        for start in range(0, self._frame.height, batch_size):
            yield self._frame.slice(start, batch_size)

    def close(self) -> None:
        self._frame = self._frame.clear()


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
    if wanted is not None:
        name = names[choose_sheet(names, [True] * len(names), wanted, path)]
        return name, _load(reader, name, "string", path)[1]
    for name in names:
        visible, text = _load(reader, name, "string", path)
        if visible:
            return name, text
    raise InputError(f"{path} has no visible sheet", hint="unhide the sheet with the recipients")


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


def _top_rows(text: pl.DataFrame, header_index: int) -> list[tuple[int, list[str]]]:
    """The header row and the few rows under it, as text (for the header's refusal)."""
    top = text.slice(header_index, 10)
    return [
        (header_index + 1 + offset, ["" if cell is None else str(cell) for cell in row])
        for offset, row in enumerate(top.iter_rows())
    ]


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
