"""An ``.ods`` sheet's layout: which sheet is read, and what it hides.

The sheet is ``[input] sheet`` (a name as the office spells it, apostrophes included,
or a 1-based index), by default the first visible one. While its rows are read
(``ods_sheet``), ``Layout`` gathers its first filled rows (the header is the first; the
others tell a title row above the header from a missing column) and everything that
makes the sheet show something other than what it holds: hidden rows (hidden by hand,
``collapse``, or by a filter, ``filter``), hidden columns and merged cells, each with
the rows, columns or ranges that ``refusal`` names.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from batch.errors import InputError
from batch.i18n import _
from batch.input import ods_xml
from batch.input.ods_cells import column_letter
from batch.input.workbook_base import hidden_refusal, no_such_sheet

#: The filled rows kept from the top of the sheet: enough to find a header under a title.
EARLY_ROWS = 10
#: Hidden rows or merged ranges named in a message; the count says how many more.
SHOWN = 5


@dataclass
class Layout:
    """The chosen sheet and what the pass found in it."""

    sheet: str
    #: The first filled rows: (sheet row number, the cells' shown text).
    early_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    #: (first, last, how): sheet rows hidden while holding values; how: collapse / filter.
    hidden_rows: list[tuple[int, int, str]] = field(default_factory=list)
    #: (first, last) 0-based column indices hidden.
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    #: Merged ranges, A1-style (``B3:C4``).
    merged: list[str] = field(default_factory=list)


def find_sheet(walk: ods_xml.Walk, path: Path, wanted: str | int | None) -> ods_xml.Table:
    """Move ``walk`` to the start of the sheet ``wanted`` (or the first visible one)."""
    seen: list[str] = []
    for table in walk.tables():
        seen.append(table.name)
        if _is_wanted(table, wanted):
            return table
    raise no_such_sheet(path, wanted, seen)


def open_walk(path: Path) -> ods_xml.Walk:
    try:
        return ods_xml.Walk(path)
    except ods_xml.OdsFormatError as exc:
        raise not_readable(path, str(exc)) from None
    except (OSError, ValueError, NotImplementedError, zipfile.BadZipFile) as exc:
        raise not_readable(path, str(exc).splitlines()[0] if str(exc) else "not a zip") from None


def not_readable(path: Path, why: str) -> InputError:
    return InputError(
        _("{path} is not a readable .ods workbook ({why})").format(path=path, why=why),
        hint=_(
            "open it in LibreOffice or Excel and save it again as .ods; a CSV must be named .csv"
        ),
    )


def _is_wanted(table: ods_xml.Table, wanted: str | int | None) -> bool:
    if isinstance(wanted, int):
        return table.index == wanted
    if isinstance(wanted, str):
        return table.name == wanted
    return table.visible


def note_merge(layout: Layout, cell: etree._Element, row: int, column: int) -> None:
    rows = ods_xml.repeat(cell, ods_xml.ROWS_SPANNED)
    columns = ods_xml.repeat(cell, ods_xml.COLUMNS_SPANNED)
    if rows == 1 and columns == 1:
        return
    first = f"{column_letter(column)}{row}"
    last = f"{column_letter(column + columns - 1)}{row + rows - 1}"
    layout.merged.append(f"{first}:{last}")


def note_hidden(layout: Layout, first: int, last: int, how: str) -> None:
    rows = layout.hidden_rows
    if rows and rows[-1][1] == first - 1 and rows[-1][2] == how:
        rows[-1] = (rows[-1][0], last, how)
    else:
        rows.append((first, last, how))


def refusal(path: Path, layout: Layout, names: list[str]) -> InputError | None:
    """The refusal of a sheet that hides rows or columns or merges cells, naming them;
    ``names``: the header's column names (a hidden column beyond them holds nothing read)."""
    parts: list[str] = []
    hints: list[str] = []
    manual = [(a, b) for a, b, how in layout.hidden_rows if how != "filter"]
    filtered = [(a, b) for a, b, how in layout.hidden_rows if how == "filter"]
    if manual:
        parts.append(_("hidden rows ({rows})").format(rows=_ranges(manual)))
        hints.append(
            _(
                "unhide the rows (select all, Format > Rows > Show) and delete the ones "
                "meant to be left out"
            )
        )
    if filtered:
        parts.append(_("rows hidden by a filter ({rows})").format(rows=_ranges(filtered)))
        hints.append(
            _(
                "remove the filter (Data > More Filters > Reset Filter) and delete the "
                "rows meant to be left out"
            )
        )
    columns = _hidden_named(layout.hidden_columns, names)
    if columns:
        parts.append(_("hidden columns ({columns})").format(columns=", ".join(columns)))
        hints.append(
            _(
                "unhide the columns (select all, Format > Columns > Show) and delete the "
                "ones meant to be left out"
            )
        )
    if layout.merged:
        more = len(layout.merged) - SHOWN
        shown = ", ".join(layout.merged[:SHOWN])
        if more > 0:
            shown = _("{cells} and {more} more").format(cells=shown, more=more)
        parts.append(_("merged cells ({cells})").format(cells=shown))
        hints.append(
            _(
                "unmerge the cells (Format > Merge and Unmerge Cells > Unmerge Cells) "
                "and fill each row's own cell"
            )
        )
    if not parts:
        return None
    return hidden_refusal(path, layout.sheet, parts, hints)


def _ranges(rows: list[tuple[int, int]]) -> str:
    shown = [str(a) if a == b else f"{a}-{b}" for a, b in rows[:SHOWN]]
    more = len(rows) - SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _hidden_named(hidden: list[tuple[int, int]], names: list[str]) -> list[str]:
    found: list[str] = []
    for first, last in hidden:
        for index in range(first, min(last, len(names) - 1) + 1):
            found.append(f"{column_letter(index)} {names[index]!r}")
    return found
