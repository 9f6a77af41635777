"""The exact reader's reason codes for a damaged line, and their messages.

Each message says what is wrong with the line, and what io-batch did about the lines
around it, so that an office worker can find and fix it in the file.
"""

from __future__ import annotations

from batch.i18n import _, format_number
from batch.input.header import show_separator
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
    explained = _(
        "{fields} fields where the header has {columns} with separator {separator}; is a "
        "value with the separator not in quotes? If the file uses another separator, "
        'force another with --separator or input.separator (",", ";" or "tab")'
    )
    shown = explained.format(
        fields="{}", columns=format_number(columns), separator=show_separator(separator)
    )
    return f"{FIELD_COUNT}: {shown}"


def field_count(fields: int, columns: int, separator: str) -> str:
    return field_count_template(columns, separator).replace("{}", str(fields), 1)


def quote() -> str:
    explained = _(
        "a quote opened on this line is never closed properly; "
        "the line was read alone so that the next lines are not lost"
    )
    return f"{QUOTE}: {explained}"


def csv_format(exc: Exception) -> str:
    return f"{FORMAT}: " + _("not a valid CSV line ({error})").format(error=exc)


def too_long_line() -> str:
    explained = _(
        "the line is longer than {limit} characters; no IO message can hold it (only its "
        "start is kept in the results)"
    )
    return f"{TOO_LONG}: " + explained.format(limit=format_number(LONGEST_LINE))


def _read_again(first: int, last: int | None) -> str:
    if last is None:
        return _("The lines after line {first} were read as rows of their own").format(first=first)
    if last == first + 1:
        return _("Line {line} was read as a row of its own").format(line=last)
    return _("Lines {first} to {last} were read as rows of their own").format(
        first=first + 1, last=last
    )


def multiline(column: str, first: int, last: int) -> str:
    """A line break in a column that does not allow one; the lines are no records."""
    explained = _(
        "a quoted value in column {column} runs from line {first} to line {last}, so these "
        "lines would be glued into one row (a stray quote?); a line break is allowed only "
        "in the columns named by input.multiline_columns."
    ).format(column=repr(column), first=first, last=last)
    return f"{MULTILINE}: {explained} {_read_again(first, last)}"


def multiline_record(column: str, first: int, last: int | None, record: int, why: str) -> str:
    """A quoted value whose lines look like records of the file: a stray quote, refused in
    any column. ``last`` None: the value was not followed to its end."""
    if last is not None:
        explained = _(
            "a quoted value in column {column} runs from line {first} to line {last}, and "
            "line {record} looks like a row of the file ({why}): a stray quote would glue "
            "other rows into this one, so the value is refused even in a column of "
            "input.multiline_columns; remove the stray quote."
        )
    else:
        explained = _(
            "a quoted value in column {column} runs from line {first} past line {record}, "
            "and line {record} looks like a row of the file ({why}): a stray quote would "
            "glue other rows into this one, so the value is refused even in a column of "
            "input.multiline_columns; remove the stray quote."
        )
    shown = explained.format(column=repr(column), first=first, last=last, record=record, why=why)
    return f"{MULTILINE_RECORD}: {shown} {_read_again(first, last)}"


def too_many_lines(column: str, first: int, last: int) -> str:
    explained = _(
        "a quoted value in column {column} runs from line {first} to line {last} ({count} "
        "lines); a value may span at most {limit} lines. The whole value is this one row "
        "(only its start is kept in the results)"
    ).format(
        column=repr(column),
        first=first,
        last=last,
        count=format_number(last - first + 1),
        limit=format_number(MAX_RECORD_LINES),
    )
    return f"{TOO_MANY_LINES}: {explained}"


def too_long_value(column: str, first: int, last: int, characters: int) -> str:
    explained = _(
        "a quoted value in column {column} runs from line {first} to line {last} and is "
        "{characters} characters long; no IO message field takes more than {limit} bytes. "
        "The whole value is this one row (only its start is kept in the results)"
    ).format(
        column=repr(column),
        first=first,
        last=last,
        characters=format_number(characters),
        limit=format_number(MAX_CELL_BYTES),
    )
    return f"{TOO_LONG}: {explained}"
