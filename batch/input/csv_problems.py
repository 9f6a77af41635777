"""The exact reader's reason codes for a damaged line, and their messages.

Each message says what is wrong with the line, and what io-batch did about the lines
around it, so that an office worker can find and fix it in the file.
"""

from __future__ import annotations

from batch.input.header import FORCE_SEPARATOR, show_separator
from batch.input.limits import LONGEST_LINE, MAX_CELL_BYTES, TOO_LONG
from batch.input.lines import MAX_RECORD_LINES

FIELD_COUNT = "csv.field_count"
QUOTE = "csv.quote"
FORMAT = "csv.format"
MULTILINE = "csv.multiline"
MULTILINE_RECORD = "csv.multiline_record"
TOO_MANY_LINES = "csv.too_many_lines"


def field_count_template(columns: int, separator: str) -> str:
    """``field_count``'s message with ``{}`` where the line's field count goes."""
    return (
        f"{FIELD_COUNT}: {{}} fields where the header has {columns} "
        f"with separator {show_separator(separator)}; is a value with the "
        f"separator not in quotes? If the file uses another separator, "
        f"{FORCE_SEPARATOR}"
    )


def field_count(fields: int, columns: int, separator: str) -> str:
    return field_count_template(columns, separator).replace("{}", str(fields), 1)


def quote() -> str:
    return (
        f"{QUOTE}: a quote opened on this line is never closed properly; "
        "the line was read alone so that the next lines are not lost"
    )


def csv_format(exc: Exception) -> str:
    return f"{FORMAT}: not a valid CSV line ({exc})"


def too_long_line() -> str:
    return (
        f"{TOO_LONG}: the line is longer than {LONGEST_LINE:,} characters; no IO message "
        "can hold it (only its start is kept in the results)"
    )


def _read_again(first: int, last: int | None) -> str:
    if last is None:
        return f"The lines after line {first} were read as rows of their own"
    if last == first + 1:
        return f"Line {last} was read as a row of its own"
    return f"Lines {first + 1} to {last} were read as rows of their own"


def multiline(column: str, first: int, last: int) -> str:
    """A line break in a column that does not allow one; the lines are no records."""
    return (
        f"{MULTILINE}: a quoted value in column {column!r} runs from line {first} to "
        f"line {last}, so these lines would be glued into one row (a stray quote?); a "
        "line break is allowed only in the columns named by input.multiline_columns. "
        f"{_read_again(first, last)}"
    )


def multiline_record(column: str, first: int, last: int | None, record: int, why: str) -> str:
    """A quoted value whose lines look like records of the file: a stray quote, refused in
    any column. ``last`` None: the value was not followed to its end."""
    runs = (
        f"line {first} to line {last}" if last is not None else f"line {first} past line {record}"
    )
    return (
        f"{MULTILINE_RECORD}: a quoted value in column {column!r} runs from {runs}, and line "
        f"{record} looks like a row of the file ({why}): a stray quote would glue other rows "
        "into this one, so the value is refused even in a column of input.multiline_columns; "
        f"remove the stray quote. {_read_again(first, last)}"
    )


def too_many_lines(column: str, first: int, last: int) -> str:
    return (
        f"{TOO_MANY_LINES}: a quoted value in column {column!r} runs from line {first} to "
        f"line {last} ({last - first + 1:,} lines); a value may span at most "
        f"{MAX_RECORD_LINES} lines. The whole value is this one row (only its start is kept "
        "in the results)"
    )


def too_long_value(column: str, first: int, last: int, characters: int) -> str:
    return (
        f"{TOO_LONG}: a quoted value in column {column!r} runs from line {first} to line "
        f"{last} and is {characters:,} characters long; no IO message field takes more "
        f"than {MAX_CELL_BYTES:,} bytes. The whole value is this one row (only its start is "
        "kept in the results)"
    )
