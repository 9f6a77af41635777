"""The input's header line: where it is, the separator, and the column names."""

from __future__ import annotations

import csv
from pathlib import Path

from batch.errors import InputError

#: Tried in this order when the separator is detected; the most fields in the header wins.
SEPARATOR_CANDIDATES = (";", ",", "\t")
#: Extra columns of every batch; the input's own columns keep their header names.
LINE_COLUMN = "_line"  # Int64: the record's first physical line in the file (header: 1)
CSV_ERROR_COLUMN = "_csv_error"  # String, null when the line is well-formed
RESERVED = (LINE_COLUMN, CSV_ERROR_COLUMN)  # so no input column may be called so
#: The outcome columns of a results file read back are called so (``results_layout``).
RESERVED_PREFIX = "_result:"


def read_header(path: Path, separator: str | None) -> tuple[int, list[str], str]:
    """The header's physical line number, its cells, and the separator."""
    number = 0
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        for raw in handle:
            number += 1
            if raw.strip():
                break
        else:
            raise InputError(
                f"{path} is empty: it has no header line",
                hint="the first line must hold the column names",
            )
    if raw.endswith("\r") or ("\r" in raw.rstrip("\r\n")):
        raise InputError(
            f"{path} uses old Mac line endings (CR only)",
            hint="save it again with Windows (CRLF) or Unix (LF) line endings",
        )
    if raw.count('"') % 2:
        raise InputError(
            f"{path}: the header (line {number}) has an unbalanced quote",
            hint="column names must be on one line; fix the quotes in the first line",
        )
    chosen = separator if separator is not None else _detect_separator(raw)
    cells = next(csv.reader([raw], delimiter=chosen))
    return number, cells, chosen


def _detect_separator(header: str) -> str:
    counts = {
        candidate: len(next(csv.reader([header], delimiter=candidate)))
        for candidate in SEPARATOR_CANDIDATES
    }
    return max(SEPARATOR_CANDIDATES, key=lambda candidate: counts[candidate])


def column_names(cells: list[str], path: Path) -> list[str]:
    """Header names as the file spells them; an empty one is called column_N."""
    names = [cell if cell.strip() else f"column_{index}" for index, cell in enumerate(cells, 1)]
    seen: dict[str, int] = {}
    for index, name in enumerate(names, 1):
        check_not_reserved(name, path)
        if name in seen:
            raise InputError(
                f"{path}: column {name!r} appears twice in the header "
                f"(columns {seen[name]} and {index})",
                hint="rename one of them",
            )
        seen[name] = index
    return names


def check_not_reserved(name: str, path: Path) -> None:
    if name in RESERVED or name.startswith(RESERVED_PREFIX):
        raise InputError(f"{path}: column name {name!r} is reserved", hint="rename it")


def show_separator(separator: str) -> str:
    return "tab" if separator == "\t" else repr(separator)
