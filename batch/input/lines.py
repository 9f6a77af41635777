"""Physical lines for the exact reader's ``csv.reader``, never more than a bound held.

``Lines`` hands ``csv.reader`` one line at a time and remembers the lines of the
current record (``taken``), so that a refused record's lines can be given back and read
again as records of their own. A record may hold at most ``MAX_RECORD_LINES`` lines
and ``LONGEST_LINE`` characters (``RecordTooLongError`` past either); a physical line
longer than ``LONGEST_LINE`` is never read whole: it is skipped to its end and only its
start kept (``LongLine``). ``following`` and ``checkpoint``/``restore`` let the reader
follow a longer record to its end without holding it, and come back if it must.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import IO

from batch.input import limits

#: A quoted value longer than this many lines is never one record that can be sent.
MAX_RECORD_LINES = 200


class RecordTooLongError(Exception):
    """The current record passed ``MAX_RECORD_LINES`` lines or ``LONGEST_LINE`` characters."""


class LineTooLongError(Exception):
    """A physical line longer than ``LONGEST_LINE``: skipped to its end, its start kept."""

    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start


class LongLine(str):
    """A placeholder given back for a line that was too long, so it is refused again in
    its own place when the records before it are read again."""


#: Where ``Lines`` stood: the lines given back and not read yet, and the file's position.
Checkpoint = tuple[list[str], int]


class Lines:
    """Physical lines for csv.reader; remembers what the current record took."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._pending: deque[str] = deque()
        self.taken: list[str] = []
        self.characters = 0  # of the current record
        self.hit_end = False

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        line = self._next_line()
        if line is None:
            self.hit_end = True
            raise StopIteration
        self.taken.append(line)
        if isinstance(line, LongLine):
            raise LineTooLongError(line)
        if len(self.taken) > MAX_RECORD_LINES:
            raise RecordTooLongError
        self.characters += len(line)
        if self.characters > limits.LONGEST_LINE:
            raise RecordTooLongError
        return line

    def following(self) -> Iterator[str]:
        """The lines after the current record's, to the end of the file: neither taken
        nor bounded (a ``LongLine`` stands for a line too long to read)."""
        while (line := self._next_line()) is not None:
            yield line

    def checkpoint(self) -> Checkpoint:
        """Where the lines after ``taken`` start, to come back to with ``restore``."""
        return list(self._pending), self._handle.tell()

    def restore(self, checkpoint: Checkpoint) -> None:
        pending, position = checkpoint
        self._handle.seek(position)
        self._pending = deque(pending)

    def _next_line(self) -> str | None:
        return self._pending.popleft() if self._pending else self._read()

    def _read(self) -> str | None:
        longest = limits.LONGEST_LINE
        line = self._handle.readline(longest)
        if not line:
            return None
        if len(line) == longest and not line.endswith("\n"):
            while (rest := self._handle.readline(longest)) and not rest.endswith("\n"):
                pass  # skipped: only the start of an over-long line is kept
            return LongLine(line[:200])
        return line

    def start_record(self) -> None:
        self.taken = []
        self.characters = 0
        self.hit_end = False

    def give_back(self, lines: list[str]) -> None:
        self._pending.extendleft(reversed(lines))
