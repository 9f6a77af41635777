"""The exact reader: Python's csv module, one record at a time, with physical line numbers.

Used from the first line the fast path cannot take (see ``input_scan``) to the end of
the file. It knows where every record starts, and it recovers from damage instead of
stopping: a line with the wrong number of fields becomes an invalid row
(``csv.field_count``), and a quote that is never closed (which would otherwise swallow
the rest of the file) is reported on its own line (``csv.quote``) and reading starts
again on the next line, so one bad line never hides the rows after it.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from batch.errors import InputError

#: A quoted value longer than this many lines is taken as a quote that was never closed.
MAX_RECORD_LINES = 200

FIELD_COUNT = "csv.field_count"
QUOTE = "csv.quote"
FORMAT = "csv.format"

#: (first physical line, cells (exactly ``columns`` of them), "code: message" or None)
Record = tuple[int, list[str], str | None]


class _RecordTooLongError(Exception):
    pass


class _Lines:
    """Physical lines for csv.reader; remembers what the current record took."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._pending: deque[str] = deque()
        self.taken: list[str] = []
        self.hit_end = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.popleft()
        else:
            try:
                line = next(self._handle)
            except StopIteration:
                self.hit_end = True
                raise
        self.taken.append(line)
        if len(self.taken) > MAX_RECORD_LINES:
            raise _RecordTooLongError
        return line

    def start_record(self) -> None:
        self.taken = []
        self.hit_end = False

    def give_back(self, lines: list[str]) -> None:
        self._pending.extendleft(reversed(lines))


def records(path: Path, *, first_line: int, separator: str, columns: int) -> Iterator[Record]:
    """Every record from physical line ``first_line`` (1-based) on; blank ones left out."""
    try:
        # newline="\n": a line ends at LF only (as for polars and `wc -l`); csv handles CRLF.
        with path.open(encoding="utf-8", newline="\n") as handle:
            for _ in range(first_line - 1):
                if not handle.readline():
                    return
            yield from _parse(handle, first_line, separator, columns)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not valid UTF-8: {exc.reason}") from None


def _parse(handle: IO[str], number: int, separator: str, columns: int) -> Iterator[Record]:
    lines = _Lines(handle)

    def new_reader() -> Iterator[list[str]]:
        # Cells keep their blanks, exactly as the fast reader gives them.
        return csv.reader(lines, delimiter=separator)

    reader = new_reader()
    while True:
        lines.start_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RecordTooLongError) as exc:
            taken = lines.taken
            lines.give_back(taken[1:])
            reader = new_reader()  # its state is mid-record: start clean on the next line
            code = QUOTE if isinstance(exc, _RecordTooLongError) else FORMAT
            yield number, _split(taken[0], separator, columns), _problem(code, columns, exc)
            number += 1
            continue
        taken = lines.taken
        if len(taken) > 1 and (lines.hit_end or len(cells) != columns):
            # A quote ran over line ends and did not make a proper record: it is broken.
            lines.give_back(taken[1:])
            yield number, _split(taken[0], separator, columns), _problem(QUOTE, columns, None)
            number += 1
            continue
        if all(not cell.strip() for cell in cells):
            number += len(taken)
            continue
        error = None
        if len(cells) != columns:
            error = f"{FIELD_COUNT}: {len(cells)} fields where the header has {columns}"
            error += "; is a value with the separator not in quotes?"
            cells = _fit(cells, columns)
        yield number, cells, error
        number += len(taken)


def _problem(code: str, columns: int, exc: Exception | None) -> str:
    if code == QUOTE:
        return (
            f"{QUOTE}: a quote opened on this line is never closed properly; "
            "the line was read alone so that the next lines are not lost"
        )
    return f"{FORMAT}: not a valid CSV line ({exc})"


def _split(line: str, separator: str, columns: int) -> list[str]:
    """The cells of a line that is not valid CSV, as well as they can be told apart."""
    return _fit(line.rstrip("\r\n").split(separator), columns)


def _fit(cells: list[str], columns: int) -> list[str]:
    if len(cells) >= columns:
        return cells[:columns]
    return cells + [""] * (columns - len(cells))
