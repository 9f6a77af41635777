"""What every workbook input shares, whatever reads its cells: the ``InputSource`` face
(batches of ``_line``, ``_csv_error`` and every column as text; one "chunk" for the dry
run's three-step reading), the sheet's choice, and the refusals an office worker can act
on (missing columns, a title row above the header, hidden rows and columns, merged
cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.i18n import _, ngettext
from batch.identifiers import fiscal_code
from batch.input.names import normalise_name
from batch.input.sheet_input import SheetInput
from batch.input.workbook_layout import Hidden


def choose_sheet(
    names: Sequence[str], visible: Sequence[bool], wanted: str | int | None, path: Path
) -> int:
    """The index of ``[input] sheet`` (a name, or a number from 1), else of the first
    visible sheet."""
    if isinstance(wanted, int):
        if wanted > len(names) or wanted < 1:
            raise no_such_sheet(path, wanted, names)
        return wanted - 1
    if isinstance(wanted, str):
        if wanted not in names:
            raise no_such_sheet(path, wanted, names)
        return list(names).index(wanted)
    for index, shown in enumerate(visible):
        if shown:
            return index
    raise no_such_sheet(path, wanted, names)


def no_such_sheet(path: Path, wanted: str | int | None, names: Sequence[str]) -> InputError:
    """The refusal of an ``[input] sheet`` the workbook does not have (a number out of
    range, a name it lacks), or of a workbook with no visible sheet when it names none."""
    listing = ", ".join(repr(name) for name in names)
    if isinstance(wanted, int):
        return InputError(
            ngettext(
                "{path} has {count} sheet(s) ({sheets}); input.sheet = {wanted}",
                "{path} has {count} sheet(s) ({sheets}); input.sheet = {wanted}",
                len(names),
            ).format(path=path, count=len(names), sheets=listing, wanted=wanted),
            hint=_("sheets are counted from 1; or name the sheet"),
        )
    if isinstance(wanted, str):
        return InputError(
            _("{path} has no sheet {wanted}; its sheets are: {sheets}").format(
                path=path, wanted=repr(wanted), sheets=listing
            ),
            hint=_("set [input] sheet to one of them (a name, or a number from 1)"),
        )
    return InputError(
        _("{path} has no visible sheet").format(path=path),
        hint=_("unhide the sheet with the recipients"),
    )


def refuse_hidden(path: Path, sheet: str, found: Hidden | None) -> None:
    """Hidden rows and columns and merged cells stop the job, each named, each with the
    way to fix it."""
    if not found:
        return
    parts, hints = [], []
    if found.rows:
        more = "..." if len(found.rows) > 2 else ""
        parts.append(_("hidden rows ({rows})").format(rows=", ".join(found.rows) + more))
        hints.append(
            _(
                "show the hidden rows (remove any filter: Data > AutoFilter) and delete the "
                "rows meant to be left out"
            )
        )
    if found.columns:
        letters = getattr(found, "column_letters", [])
        parts.append(
            _("hidden columns ({columns})").format(columns=", ".join(letters))
            if letters
            else _("hidden columns")
        )
        hints.append(
            _("show the hidden columns (select all, Format > Columns > Show) or delete them")
        )
    if found.merged:
        parts.append(_("merged cells ({cells})").format(cells=", ".join(found.merged)))
        hints.append(_("unmerge the merged cells and fill every row's cell"))
    raise hidden_refusal(path, sheet, parts, hints)


def hidden_refusal(path: Path, sheet: str, parts: list[str], hints: list[str]) -> InputError:
    """A sheet that hides rows or columns, or merges cells: each named, with its fix."""
    listed = parts[0]
    for part in parts[1:]:
        listed = _("{left} and {right}").format(left=listed, right=part)
    return InputError(
        _(
            "{path}, sheet {sheet} has {problems}: io-batch reads every cell a "
            "sheet holds, so it will not guess what was meant to be left out or shared"
        ).format(path=path, sheet=repr(sheet), problems=listed),
        hint=_("{fixes}; then save").format(fixes="; ".join(hints)),
    )


class WorkbookInput(SheetInput):
    """One sheet of a workbook, handed out in batches like a CSV's."""

    sheet: str
    #: The first filled rows from the header on (their cells as shown): what a refusal
    #: of the header quotes.
    top_rows: list[tuple[int, list[str]]]

    @property
    def encoding(self) -> str:
        return f"{self.path.suffix.lower().lstrip('.')} workbook, sheet {self.sheet!r}"

    def _check_required(self, required: Sequence[str], spec: InputSpec) -> None:
        # Each missing column once, however many spellings of it the job uses.
        missing: list[str] = []
        seen: set[str] = set()
        for name in required:
            key = normalise_name(name)
            if key not in seen and name not in self.header_columns:
                missing.append(name)
            seen.add(key)
        for name in required:
            if name in self.header_columns:
                self.resolve(name)  # raises on an ambiguous name
        if not missing:
            return
        names = ", ".join(repr(name) for name in missing)
        where = f"{self.path}, sheet {self.sheet!r}"
        if any(fiscal_code.is_valid(fiscal_code.normalise(cell)) for cell in self.header):
            raise InputError(
                _(
                    "{where}: row {row} holds data, not column names (missing column(s) {names})"
                ).format(where=where, row=self.header_line, names=names),
                hint=_("add a first row with the column names the job uses"),
            )
        below = self._names_below(missing)
        if below is not None:
            filled = [
                cell for cell in self.header if cell.strip() and not cell.startswith("column_")
            ]
            raise InputError(
                _(
                    "{where}: the column names are on row {below}, but the header is the "
                    "sheet's first filled row, row {row} ({cells})"
                ).format(
                    where=where,
                    below=below,
                    row=self.header_line,
                    cells=", ".join(repr(cell) for cell in filled[:3]),
                ),
                hint=_(
                    "delete the rows above row {below} (titles, notes), so that the column "
                    "names are the first filled row, then save"
                ).format(below=below),
            )
        raise InputError(
            _(
                "{where} has no column(s) {names}; its columns (row {row}, the "
                "first filled row) are: {columns}"
            ).format(
                where=where,
                names=names,
                row=self.header_line,
                columns=self.header_columns.listing(),
            ),
            hint=_(
                "rename the columns in the sheet, choose another with [input] sheet, or "
                "change [columns] / the templates in the job"
            ),
        )

    def _names_below(self, missing: Sequence[str]) -> int | None:
        """The row under the header that has a missing column's name, if any: the header
        was a title."""
        wanted = {normalise_name(name) for name in missing}
        for number, cells in self.top_rows[1:]:
            if wanted & {normalise_name(cell) for cell in cells}:
                return number
        return None
