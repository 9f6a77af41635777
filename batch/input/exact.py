"""The exact reader: Python's csv module, one record at a time, with physical line numbers.

Used from the first line the fast path cannot take (see ``input_scan``) to the end of
the file. It knows where every record starts, and it recovers from damage instead of
stopping: a line with the wrong number of fields becomes an invalid row
(``csv.field_count``), and a quote that is never closed (which would otherwise swallow
the rest of the file) is reported on its own line (``csv.quote``) and reading starts
again on the next line, so one bad line never hides the rows after it.

A quoted value that runs over line ends is what a stray quote does: it glues the next
lines, other citizens' rows, into one value. So such a record is refused on its first
line, and the lines it took are read again as records of their own, so that every line
still gets its own outcome, when

- a line of the value looks like a record of the file (``record_shape``): refused in
  any column (``csv.multiline_record``), ``input.multiline_columns`` included;
- the value is in a column that does not allow line breaks (``csv.multiline``).

A properly closed value longer than ``MAX_RECORD_LINES`` lines (or ``LONGEST_LINE``
characters) is one record all the same: it is followed to its end without being held
(``quoted.RecordScan``) and refused as one row (``csv.too_many_lines``, ``csv.too_long``).

Memory stays bounded whatever the file: a line is read at most ``LONGEST_LINE``
characters at a time (a longer one is skipped to its end and refused as
``csv.too_long``), and so is a record over several lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import IO

from batch.errors import InputError
from batch.i18n import _
from batch.input import csv_problems as problems
from batch.input.limits import LONGEST_LINE, cap_cells
from batch.input.lines import (
    MAX_RECORD_LINES,
    Checkpoint,
    Lines,
    LineTooLongError,
    LongLine,
    RecordTooLongError,
)
from batch.input.quoted import RecordScan
from batch.input.record_shape import RecordShape

#: (first physical line, cells (exactly ``columns`` of them), "code: message" or None)
Record = tuple[int, list[str], str | None]


def records(
    path: Path,
    *,
    first_line: int,
    separator: str,
    names: list[str],
    multiline: frozenset[int] = frozenset(),
    ours: frozenset[int] = frozenset(),
) -> Iterator[Record]:
    """Every record from physical line ``first_line`` (1-based) on; blank ones left out.

    ``names`` are the header's columns; ``multiline`` the indexes of those whose values
    may hold a line break; ``ours`` those of the multiline fields io-batch wrote itself
    (IO's reason in a results file), whose lines are not checked for records."""
    # A cell may be as long as a line: csv's default limit (128 Ki characters) would turn
    # a long cell into csv.format instead of csv.too_long.
    csv.field_size_limit(max(csv.field_size_limit(), LONGEST_LINE))
    try:
        # newline="\n": a line ends at LF only (as for polars and `wc -l`); csv handles CRLF.
        with path.open(encoding="utf-8", newline="\n") as handle:
            for _skipped in range(first_line - 1):
                if not handle.readline():
                    return
            yield from _Parser(handle, separator, names, multiline, ours).parse(first_line)
    except UnicodeDecodeError as exc:
        raise InputError(
            _("{path} is not valid UTF-8: {reason}").format(path=path, reason=exc.reason)
        ) from None


class _Parser:
    def __init__(
        self,
        handle: IO[str],
        separator: str,
        names: list[str],
        multiline: frozenset[int],
        ours: frozenset[int],
    ) -> None:
        self._lines = Lines(handle)
        self._separator = separator
        self._names = names
        self._columns = len(names)
        self._multiline = multiline
        self._ours = ours
        self._shape = RecordShape(separator, len(names))
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
            except LineTooLongError as exc:
                if len(lines.taken) > 1:  # a record in progress met it: refuse that first
                    yield self._alone(number, problems.quote())
                else:
                    self._reader = self._new_reader()
                    yield number, self._split(exc.start), problems.too_long_line()
                number += 1
                continue
            except RecordTooLongError:
                record, spanned = self._long_record(number)
                yield record
                number += spanned
                continue
            except csv.Error as exc:
                yield self._alone(number, problems.csv_format(exc))
                number += 1
                continue
            taken = lines.taken
            # A value with a line end in it ran over lines (or, on the last line, into the
            # end of the file).
            ran_over = len(taken) > 1 or any("\n" in cell for cell in cells)
            if ran_over and (lines.hit_end or len(cells) != self._columns):
                # A quote ran over line ends and did not make a proper record: it is broken.
                yield self._alone(number, problems.quote())
                number += 1
                continue
            if len(taken) > 1:
                refused = self._multiline_problem(cells, taken, number)
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
                error = problems.field_count(len(cells), self._columns, self._separator)
                cells = _fit(cells, self._columns)
            cells, too_long = cap_cells(cells, self._names)
            yield number, cells, error or too_long
            number += len(taken)

    def _multiline_problem(self, cells: list[str], taken: list[str], first: int) -> str | None:
        last = first + len(taken) - 1
        spread = [index for index, cell in enumerate(cells) if "\n" in cell or "\r" in cell]
        if not spread:
            return None
        if any(index not in self._ours for index in spread):
            for offset, line in enumerate(taken[1:], 1):
                why = self._shape.why_a_record(line)
                if why is not None:
                    column = self._names[spread[0]]
                    return problems.multiline_record(column, first, last, first + offset, why)
        refused = [index for index in spread if index not in self._multiline]
        if refused:
            return problems.multiline(self._names[refused[0]], first, last)
        return None

    def _long_record(self, number: int) -> tuple[Record, int]:
        """A record past the line or character bound, followed to its end without being
        held: (the record, how many lines it spans). Its first line alone, the next ones
        read again, unless it is a proper record (one refused row, for its length)."""
        lines = self._lines
        checkpoint = lines.checkpoint()
        scan = RecordScan(self._separator)
        spanned = 0
        for line in chain(lines.taken, lines.following()):
            if isinstance(line, LongLine):
                break  # a line too long to read inside the value: it cannot be followed
            open_field = len(scan.fields)
            if spanned and open_field not in self._ours:
                why = self._shape.why_a_record(line)
                if why is not None:
                    column = self._column(open_field)
                    error = problems.multiline_record(column, number, None, number + spanned, why)
                    return self._restored(number, checkpoint, error), 1
            scan.feed(line)
            spanned += 1
            if scan.ended:
                break
        if not scan.ended or len(scan.fields) != self._columns:
            return self._restored(number, checkpoint, problems.quote()), 1
        self._reader = self._new_reader()
        index = scan.spanning if scan.spanning is not None else 0
        column, last = self._names[index], number + spanned - 1
        if spanned > MAX_RECORD_LINES:
            error = problems.too_many_lines(column, number, last)
        else:
            error = problems.too_long_value(column, number, last, scan.lengths[index])
        return (number, scan.fields, error), spanned

    def _restored(self, number: int, checkpoint: Checkpoint, error: str) -> Record:
        self._lines.restore(checkpoint)
        return self._alone(number, error)

    def _column(self, index: int) -> str:
        return self._names[min(index, self._columns - 1)]

    def _split(self, line: str) -> list[str]:
        """The cells of a line that is not valid CSV, as well as they can be told apart."""
        cells = _fit(line.rstrip("\r\n").split(self._separator), self._columns)
        return cap_cells(cells, self._names)[0]


def _fit(cells: list[str], columns: int) -> list[str]:
    if len(cells) >= columns:
        return cells[:columns]
    return cells + [""] * (columns - len(cells))
