"""A legacy ``.xls`` (BIFF8) sheet as a ``workbook_stream.SheetSource``, read by xlrd.

xlrd reads every record io-batch needs: each cell's style (XF) and its number
format, the date system, hidden rows and columns, merged cells. An ``.xls`` sheet holds
at most 65,536 rows by 256 columns, so reading it whole is bounded (xlrd keeps it as
Python lists: a full sheet of 6 columns is a few hundred MB at worst); the cells are
then handed out in frames as an ``.xlsx``'s are.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl
import xlrd

from batch.input.number_builtin import BUILTIN
from batch.input.workbook_base import choose_sheet
from batch.input.workbook_grid import Styles
from batch.input.workbook_layout import Hidden
from batch.input.xlsx_parts import not_readable
from batch.input.xlsx_sheet import CELL_SCHEMA, Wide, column_letters

_ROWS_PER_FRAME = 20_000
_KIND = {
    xlrd.XL_CELL_TEXT: "s",
    xlrd.XL_CELL_NUMBER: "n",
    xlrd.XL_CELL_DATE: "n",
    xlrd.XL_CELL_BOOLEAN: "b",
    xlrd.XL_CELL_ERROR: "e",
}


class XlsSheet:
    def __init__(self, path: Path, wanted: str | int | None) -> None:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
        except Exception as exc:  # xlrd raises many kinds (struct, index, assertion) on junk
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise not_readable(path, first) from None
        self._book = book
        try:
            names = book.sheet_names()
            visible = [book.sheet_by_index(i).visibility == 0 for i in range(len(names))]
            index = choose_sheet(names, visible, wanted, path)
            self._sheet = book.sheet_by_index(index)
        except xlrd.XLRDError as exc:
            book.release_resources()
            raise not_readable(path, str(exc)) from None
        self.sheet = names[index]
        # LibreOffice signs the WRITEACCESS record "Calc" (Excel: the user's name).
        self.styles = Styles(_formats(book), book.datemode == 1, book.user_name == "Calc")

    def pieces(self) -> Iterator[range]:
        """The sheet's rows (0-based) in ranges, a frame of cells each."""
        rows = self._sheet.nrows
        for start in range(0, rows, _ROWS_PER_FRAME):
            yield range(start, min(start + _ROWS_PER_FRAME, rows))

    def cells(self, piece: range, letters: Sequence[str] | None) -> pl.DataFrame | Wide:
        sheet = self._sheet
        rows: list[int] = []
        cols: list[int] = []
        kinds: list[str] = []
        texts: list[str] = []
        styles: list[int] = []
        for row in piece:
            types = sheet.row_types(row)
            values = sheet.row_values(row)
            for col, (cell_type, value) in enumerate(zip(types, values, strict=True)):
                kind = _KIND.get(cell_type)
                if kind is None:
                    continue  # empty or blank (formatted, no value)
                rows.append(row + 1)
                cols.append(col)
                kinds.append(kind)
                texts.append(_text(kind, value))
                styles.append(sheet.cell_xf_index(row, col))
        return pl.DataFrame(
            {"row": rows, "col": cols, "kind": kinds, "text": texts, "style": styles},
            schema=CELL_SCHEMA,
        )

    def hidden(self) -> Hidden:
        sheet = self._sheet
        found = Hidden()
        for row in sorted(sheet.rowinfo_map):
            if sheet.rowinfo_map[row].hidden and len(found.rows) < 3:
                found.rows.append(str(row + 1))
        for col in sorted(sheet.colinfo_map):
            if sheet.colinfo_map[col].hidden:
                found.columns += 1
                if len(found.column_letters) < 3:
                    found.column_letters.append(column_letters(col))
        for low_row, high_row, low_col, high_col in sheet.merged_cells[:3]:
            # xlrd's ranges are half-open: rows low_row..high_row-1, the same for columns.
            first = f"{column_letters(low_col)}{low_row + 1}"
            found.merged.append(f"{first}:{column_letters(high_col - 1)}{high_row}")
        return found

    def close(self) -> None:
        self._book.release_resources()


def _text(kind: str, value: object) -> str:
    if kind == "s":
        return str(value)
    if kind == "n":
        return repr(float(value))  # type: ignore[arg-type]
    if kind == "b":
        return "1" if value else "0"
    return str(xlrd.error_text_from_code.get(value, "#ERR"))


def _formats(book: xlrd.book.Book) -> list[str]:
    """The format code of each XF; built-in ids as ``number_format.BUILTIN`` shows them
    (xlrd's own are the US ones: m/d/yy for the short date)."""
    out = []
    for xf in book.xf_list:
        key = xf.format_key
        if key in BUILTIN:
            out.append(BUILTIN[key])
        elif key in book.format_map:
            out.append(book.format_map[key].format_str)
        else:
            out.append("General")
    return out
