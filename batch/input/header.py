"""The input's header line: where it is, the separator, and the column names.

The separator is detected from the header AND the first data lines together: the one
under which the data lines have as many fields as the header wins (then the one that
gives the header more fields). The header alone misleads: ``Indirizzo, CAP, Città`` in
a ';' file has more commas than semicolons. Excel's ``sep=;`` first line names the
separator; the header is then the next line, and line numbers stay the physical ones.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from batch.errors import InputError
from batch.i18n import N_, _, format_number
from batch.input.limits import LONGEST_LINE

#: Tried in this order when the separator is detected; the most fields in the header wins.
SEPARATOR_CANDIDATES = (";", ",", "\t")
#: Extra columns of every batch; the input's own columns keep their header names.
LINE_COLUMN = "_line"  # Int64: the record's first physical line in the file (header: 1)
CSV_ERROR_COLUMN = "_csv_error"  # String, null when the line is well-formed
RESERVED = (LINE_COLUMN, CSV_ERROR_COLUMN)  # so no input column may be called so
#: The outcome columns of a results file read back are called so (``output.results_layout``).
RESERVED_PREFIX = "_result:"
_SAMPLE_CUT = 4096
#: Data lines read after the header to detect the separator.
SAMPLE_LINES = 50
FORCE_SEPARATOR = N_('force another with --separator or input.separator (",", ";" or "tab")')
_EXCEL_HINT = re.compile(r'^"?sep=(.)"?$', re.IGNORECASE)


def read_header(path: Path, separator: str | None) -> tuple[int, list[str], str]:
    """The header's physical line number, its cells, and the separator."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        lines = _numbered(handle)
        number, raw = _first_nonblank(lines, path)
        hinted = _excel_hint(raw, path)
        if hinted is not None:
            number, raw = _first_nonblank(lines, path)
            separator = separator if separator is not None else hinted
        _check_header_line(raw, number, path)
        if separator is None:
            sample = [text for _, text in itertools.islice(lines, SAMPLE_LINES)]
            separator = detect_separator(raw, sample)
    cells = next(csv.reader([raw], delimiter=separator))
    return number, cells, separator


def _numbered(handle: IO[str]) -> Iterator[tuple[int, str]]:
    """The lines with their numbers, each cut at ``LONGEST_LINE`` characters so that a
    huge value on an early line is never read whole (a cut line is its own line here,
    which only matters for the header, and a header that long is refused below)."""
    number = 0
    while line := handle.readline(LONGEST_LINE):
        number += 1
        yield number, line


def _first_nonblank(lines: Iterator[tuple[int, str]], path: Path) -> tuple[int, str]:
    for number, raw in lines:
        if raw.strip():
            return number, raw
    raise InputError(
        _("{path} is empty: it has no header line").format(path=path),
        hint=_("the first line must hold the column names"),
    )


def _excel_hint(raw: str, path: Path) -> str | None:
    """The separator named by Excel's ``sep=;`` first line, or None if there is none."""
    found = _EXCEL_HINT.match(raw.rstrip("\r\n"))
    if found is None:
        return None
    if found.group(1) not in SEPARATOR_CANDIDATES:
        raise InputError(
            _(
                "{path}: the first line {line} names the separator {separator}, "
                "which io-batch does not read"
            ).format(path=path, line=repr(raw.strip()), separator=repr(found.group(1))),
            hint=_('save the file with ",", ";" or tab as separator'),
        )
    return found.group(1)


def _check_header_line(raw: str, number: int, path: Path) -> None:
    if len(raw) >= LONGEST_LINE:
        raise InputError(
            _("{path}: the header (line {line}) is longer than {most} characters").format(
                path=path, line=number, most=format_number(LONGEST_LINE)
            ),
            hint=_("the first line must hold the column names"),
        )
    if raw.endswith("\r") or ("\r" in raw.rstrip("\r\n")):
        raise InputError(
            _("{path} uses old Mac line endings (CR only)").format(path=path),
            hint=_("save it again with Windows (CRLF) or Unix (LF) line endings"),
        )
    if raw.count('"') % 2:
        raise InputError(
            _("{path}: the header (line {line}) has an unbalanced quote").format(
                path=path, line=number
            ),
            hint=_("column names must be on one line; fix the quotes in the first line"),
        )


def detect_separator(header: str, sample: list[str]) -> str:
    """Among the candidates that split the header at all, the one under which most sample
    records have the header's field count; ties go to the one that gives the header more
    fields, then to the order of the candidates."""

    # A huge value counts as much as a short one: only the lines' starts are looked at.
    sample = [line if len(line) <= _SAMPLE_CUT else line[:_SAMPLE_CUT] + "\n" for line in sample]

    def score(candidate: str) -> tuple[bool, float, int]:
        fields = len(next(csv.reader([header], delimiter=candidate)))
        counts = []
        try:
            for record in csv.reader(sample, delimiter=candidate):
                if any(cell.strip() for cell in record):
                    counts.append(len(record))
        except csv.Error:
            pass  # a quote running on for pages: the records before it say enough
        agreeing = sum(count == fields for count in counts) / len(counts) if counts else 1.0
        return fields > 1, agreeing, fields

    scores = {candidate: score(candidate) for candidate in SEPARATOR_CANDIDATES}
    return max(SEPARATOR_CANDIDATES, key=lambda candidate: scores[candidate])


def column_names(cells: list[str], path: Path) -> list[str]:
    """Header names as the file spells them; an empty one is called column_N."""
    names = [cell if cell.strip() else f"column_{index}" for index, cell in enumerate(cells, 1)]
    seen: dict[str, int] = {}
    for index, name in enumerate(names, 1):
        check_not_reserved(name, path)
        if name in seen:
            raise InputError(
                _(
                    "{path}: column {name} appears twice in the header "
                    "(columns {first} and {second})"
                ).format(path=path, name=repr(name), first=seen[name], second=index),
                hint=_("rename one of them"),
            )
        seen[name] = index
    return names


def check_not_reserved(name: str, path: Path) -> None:
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise InputError(
            _("{path}: column name {name} is reserved").format(path=path, name=repr(name)),
            hint=_("rename it"),
        )


def show_separator(separator: str) -> str:
    return "tab" if separator == "\t" else repr(separator)


def header_not_first(where: str, first: int, found: int, names: list[str]) -> InputError:
    """A sheet (or file) whose column names are below a title or a note: the header is
    its first filled row (``first``), and the names are on row ``found``."""
    shown = ", ".join(repr(name) for name in names if name.strip())
    return InputError(
        _(
            "{where}: the column names ({names}) are on row {found}, but row {first} above "
            "them is filled: the header must be the first filled row"
        ).format(where=where, names=shown, found=found, first=first),
        hint=_(
            "delete rows {first} to {last} (a title, notes) so that the column "
            "names come first, then save"
        ).format(first=first, last=found - 1),
    )
