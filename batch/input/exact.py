"""The exact reader: Python's csv module, one record at a time, with physical line numbers.

Used from the first line the fast path cannot take (see ``input_scan``) to the end of
the file. It knows where every record starts, and it recovers from damage instead of
stopping: a line with the wrong number of fields becomes an invalid row
(``csv.field_count``), and a quote that is never closed (which would otherwise swallow
the rest of the file) is reported on its own line (``csv.quote``) and reading starts
again on the next line, so one bad line never hides the rows after it.

A quoted value that runs over line ends is one record only where the job allows it
(``input.multiline_columns``). Anywhere else it is what a stray quote does: it glues
the next lines, other citizens' rows, into one value. The record is refused on its
first line (``csv.multiline``, naming its first and last lines) and the lines it took
are read again as records of their own, so every line still gets its own outcome.

Memory stays bounded whatever the file: a line is read at most ``LONGEST_LINE``
characters at a time (a longer one is skipped to its end and refused as
``csv.too_long``), and so is a record over several lines.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from batch.errors import InputError
from batch.input.header import FORCE_SEPARATOR, show_separator
from batch.input.limits import LONGEST_LINE, cap_cells

#: A quoted value longer than this many lines is taken as a quote that was never closed.
MAX_RECORD_LINES = 200

FIELD_COUNT = "csv.field_count"
QUOTE = "csv.quote"
FORMAT = "csv.format"
MULTILINE = "csv.multiline"

#: (first physical line, cells (exactly ``columns`` of them), "code: message" or None)
Record = tuple[int, list[str], str | None]


class _RecordTooLongError(Exception):
    pass


class _LineTooLongError(Exception):
    """A physical line longer than ``LONGEST_LINE``: skipped to its end, its start kept."""

    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start


class _LongLine(str):
    """A placeholder given back for a line that was too long, so it is refused again in
    its own place when the records before it are read again."""


class _Lines:
    """Physical lines for csv.reader; remembers what the current record took."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._pending: deque[str] = deque()
        self.taken: list[str] = []
        self.characters = 0  # of the current record
        self.hit_end = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._pending.popleft() if self._pending else self._read()
        self.taken.append(line)
        if isinstance(line, _LongLine):
            raise _LineTooLongError(line)
        if len(self.taken) > MAX_RECORD_LINES:
            raise _RecordTooLongError
        self.characters += len(line)
        if self.characters > LONGEST_LINE:
            raise _RecordTooLongError
        return line

    def _read(self) -> str:
        line = self._handle.readline(LONGEST_LINE)
        if not line:
            self.hit_end = True
            raise StopIteration
        if len(line) == LONGEST_LINE and not line.endswith("\n"):
            while (rest := self._handle.readline(LONGEST_LINE)) and not rest.endswith("\n"):
                pass  # skipped: only the start of an over-long line is kept
            return _LongLine(line[:200])
        return line

    def start_record(self) -> None:
        self.taken = []
        self.characters = 0
        self.hit_end = False

    def give_back(self, lines: list[str]) -> None:
        self._pending.extendleft(reversed(lines))


def records(
    path: Path,
    *,
    first_line: int,
    separator: str,
    names: list[str],
    multiline: frozenset[int] = frozenset(),
) -> Iterator[Record]:
    """Every record from physical line ``first_line`` (1-based) on; blank ones left out.

    ``names`` are the header's columns; ``multiline`` the indexes of those whose values
    may hold a line break."""
    # A cell may be as long as a line: csv's default limit (128 Ki characters) would turn
    # a long cell into csv.format instead of csv.too_long.
    csv.field_size_limit(max(csv.field_size_limit(), LONGEST_LINE))
    try:
        # newline="\n": a line ends at LF only (as for polars and `wc -l`); csv handles CRLF.
        with path.open(encoding="utf-8", newline="\n") as handle:
            for _ in range(first_line - 1):
                if not handle.readline():
                    return
            yield from _Parser(handle, separator, names, multiline).parse(first_line)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not valid UTF-8: {exc.reason}") from None


class _Parser:
    def __init__(
        self, handle: IO[str], separator: str, names: list[str], multiline: frozenset[int]
    ) -> None:
        self._lines = _Lines(handle)
        self._separator = separator
        self._names = names
        self._columns = len(names)
        self._multiline = multiline
        self._reader = self._new_reader()

    def _new_reader(self) -> Iterator[list[str]]:
        # Cells keep their blanks, exactly as the fast reader gives them.
        return csv.reader(self._lines, delimiter=self._separator)

    def _alone(self, number: int, error: str) -> Record:
        """The record's first line refused on its own; the lines after it are read again."""
        lines = self._lines
        lines.give_back(lines.taken[1:])
        self._reader = self._new_reader()  # its state is mid-record: start clean
        first = lines.taken[0]
        return number, self._split(first), error

    def parse(self, number: int) -> Iterator[Record]:
        lines = self._lines
        while True:
            lines.start_record()
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except _LineTooLongError as exc:
                if len(lines.taken) > 1:  # a record in progress met it: refuse that first
                    yield self._alone(number, _problem(QUOTE, None))
                else:
                    self._reader = self._new_reader()
                    yield number, self._split(exc.start), _too_long_line()
                number += 1
                continue
            except (csv.Error, _RecordTooLongError) as exc:
                code = QUOTE if isinstance(exc, _RecordTooLongError) else FORMAT
                yield self._alone(number, _problem(code, exc))
                number += 1
                continue
            taken = lines.taken
            # A value with a line end in it ran over lines (or, on the last line, into the
            # end of the file).
            ran_over = len(taken) > 1 or any("\n" in cell for cell in cells)
            if ran_over and (lines.hit_end or len(cells) != self._columns):
                # A quote ran over line ends and did not make a proper record: it is broken.
                yield self._alone(number, _problem(QUOTE, None))
                number += 1
                continue
            if len(taken) > 1:
                refused = self._multiline_problem(cells, number, number + len(taken) - 1)
                if refused is not None:
                    yield self._alone(number, refused)
                    number += 1
                    continue
                cells = [cell.replace("\r\n", "\n") for cell in cells]  # the file's line end
            if all(not cell.strip() for cell in cells):
                number += len(taken)
                continue
            error = None
            if len(cells) != self._columns:
                error = (
                    f"{FIELD_COUNT}: {len(cells)} fields where the header has {self._columns} "
                    f"with separator {show_separator(self._separator)}; is a value with the "
                    f"separator not in quotes? If the file uses another separator, "
                    f"{FORCE_SEPARATOR}"
                )
                cells = _fit(cells, self._columns)
            cells, too_long = cap_cells(cells, self._names)
            yield number, cells, error or too_long
            number += len(taken)

    def _multiline_problem(self, cells: list[str], first: int, last: int) -> str | None:
        spread = [
            self._names[index]
            for index, cell in enumerate(cells)
            if ("\n" in cell or "\r" in cell) and index not in self._multiline
        ]
        if not spread:
            return None
        return (
            f"{MULTILINE}: a quoted value in column {spread[0]!r} runs from line {first} to "
            f"line {last}, so these lines would be glued into one row (a stray quote?); a "
            "line break is allowed only in the columns named by input.multiline_columns. "
            f"Lines {first + 1} to {last} were read as rows of their own"
        )

    def _split(self, line: str) -> list[str]:
        """The cells of a line that is not valid CSV, as well as they can be told apart."""
        cells = _fit(line.rstrip("\r\n").split(self._separator), self._columns)
        return cap_cells(cells, self._names)[0]


def _too_long_line() -> str:
    return (
        f"csv.too_long: the line is longer than {LONGEST_LINE:,} characters; no IO message "
        "can hold it (only its start is kept in the results)"
    )


def _problem(code: str, exc: Exception | None) -> str:
    if code == QUOTE:
        return (
            f"{QUOTE}: a quote opened on this line is never closed properly; "
            "the line was read alone so that the next lines are not lost"
        )
    return f"{FORMAT}: not a valid CSV line ({exc})"


def _fit(cells: list[str], columns: int) -> list[str]:
    if len(cells) >= columns:
        return cells[:columns]
    return cells + [""] * (columns - len(cells))
