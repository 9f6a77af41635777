"""One record followed line by line as Python's csv module reads it, holding almost nothing.

``csv.reader`` (the exact reader's parser) needs a record's lines in memory, so the
exact reader stops it after ``MAX_RECORD_LINES`` lines or ``LONGEST_LINE`` characters.
What then? A properly closed value of a thousand lines is one record (to be refused as
one row, for its length), while a quote that is never closed, or that "closes" on a
later stray quote, is damage whose lines must be read again as rows of their own.
``RecordScan`` tells the two apart by following the record to its end the way
``csv.reader`` would (the excel dialect with its defaults: ``"`` quotes, ``""`` is a
quote inside a quoted value, text after a closing quote is kept), keeping of each field
only its first ``KEPT_CHARACTERS`` characters and its length.
"""

from __future__ import annotations

from enum import Enum, auto

from batch.input.limits import KEPT_CHARACTERS

_QUOTE = '"'


class _State(Enum):
    START_FIELD = auto()
    IN_FIELD = auto()
    IN_QUOTED = auto()
    QUOTE_IN_QUOTED = auto()  # a quote inside a quoted value: the end of it, or ""
    ENDED = auto()


class RecordScan:
    """Feed a record's physical lines (their ends included) until ``ended``."""

    def __init__(self, separator: str) -> None:
        self._separator = separator
        self._state = _State.START_FIELD
        self._field: list[str] = []  # the current field's first characters
        self._kept = 0
        self._length = 0
        #: The fields so far: each one's first ``KEPT_CHARACTERS`` characters...
        self.fields: list[str] = []
        #: ...and each one's full length in characters.
        self.lengths: list[int] = []
        #: The index of the first field whose quoted value ran over a line end.
        self.spanning: int | None = None

    @property
    def ended(self) -> bool:
        return self._state is _State.ENDED

    @property
    def in_quotes(self) -> bool:
        """Inside a quoted value: the next line continues it."""
        return self._state is _State.IN_QUOTED

    def feed(self, line: str) -> None:
        """One more physical line of the record; the record may end with it."""
        if self.ended:
            raise ValueError("the record has ended")
        if self.in_quotes:
            if self.spanning is None:
                self.spanning = len(self.fields)
            if _QUOTE not in line:  # most lines of a long value: plain text, still in quotes
                self._take(line)
                return
        index, size = 0, len(line)
        while index < size and not self.ended:
            if self._state is _State.IN_QUOTED:
                index = self._quoted(line, index)
                continue
            char = line[index]
            index += 1
            self._step(char)
        if not self.ended and not self.in_quotes:
            self._end()  # csv.reader ends a record at the end of a line outside quotes

    def _quoted(self, line: str, index: int) -> int:
        """Inside quotes: jump to the next quote (most of a long value is plain text)."""
        found = line.find(_QUOTE, index)
        stop = len(line) if found < 0 else found
        self._take(line[index:stop])
        if found < 0:
            return stop
        self._state = _State.QUOTE_IN_QUOTED
        return found + 1

    def _step(self, char: str) -> None:
        state = self._state
        if char in "\r\n" and state is not _State.IN_QUOTED:
            self._end()
        elif char == self._separator:
            self._close_field()
        elif state is _State.START_FIELD and char == _QUOTE:
            self._state = _State.IN_QUOTED
        elif state is _State.QUOTE_IN_QUOTED and char == _QUOTE:
            self._take(_QUOTE)  # "" inside a quoted value is one quote
            self._state = _State.IN_QUOTED
        else:
            self._take(char)  # after a closing quote too: csv keeps it (strict=False)
            self._state = _State.IN_FIELD

    def _take(self, text: str) -> None:
        self._length += len(text)
        room = KEPT_CHARACTERS - self._kept
        if room > 0:
            self._field.append(text[:room])
            self._kept += min(room, len(text))

    def _close_field(self) -> None:
        self.fields.append("".join(self._field))
        self.lengths.append(self._length)
        self._field, self._kept, self._length = [], 0, 0
        self._state = _State.START_FIELD

    def _end(self) -> None:
        self._close_field()
        self._state = _State.ENDED
