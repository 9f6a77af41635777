"""One vectorised pass over the input's physical lines: where can the fast reader be trusted?

polars' CSV reader is fast but cannot say which physical line a record came from. That
is only a problem when a record is not exactly one line: a quoted value with a line
break in it, a broken quote that swallows the next lines, a line with too many fields.
This scan reads every physical line as one string (polars, multi-threaded, bounded
memory) and finds the first line that is not a well-formed single-line record. Every
line before it is one record of the fast reader, so a record's line is simply
``first data line + its index``; from that line on, ``input_exact`` parses with
Python's csv module and counts lines exactly. Clean files (the common case) never
leave the fast path.

Blank lines (or lines of separators only) are fine for the fast path: polars yields
them as records of empty cells, which keeps the count aligned, and the reader drops
them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

#: A byte no CSV export uses, so that each physical line reads as a single field.
_LINE_FIELD_SEPARATOR = "\x1f"
_QUOTED = r'"(?:[^"]|"")*"'


@dataclass(frozen=True, slots=True)
class Structure:
    data_lines: int  # physical lines after the header (0 when unknown: see first_irregular)
    first_irregular: int | None  # index (0 = first line after the header) of the first bad line
    blank_lines: int  # lines with nothing but blanks, separators and quotes


class NotUtf8Error(Exception):
    """polars found a byte sequence that is not UTF-8."""


def scan(path: Path, *, skip_lines: int, separator: str, columns: int) -> Structure:
    """Find the first data line that is not a well-formed one-line record."""
    lines = pl.scan_csv(
        path,
        has_header=False,
        skip_lines=skip_lines,
        separator=_LINE_FIELD_SEPARATOR,
        quote_char=None,
        schema={"l": pl.String},
        empty_string_is_null=False,
        raise_if_empty=False,
        missing_columns="insert",
    )
    try:
        found = lines.with_row_index("i").select(_summary(separator, columns)).collect(
            engine="streaming"
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise NotUtf8Error(str(exc)) from None
        return Structure(data_lines=0, first_irregular=0, blank_lines=0)
    except pl.exceptions.PolarsError:
        # e.g. a line holding our private separator: let the exact reader take the file.
        return Structure(data_lines=0, first_irregular=0, blank_lines=0)
    row = found.row(0, named=True)
    firsts = [value for value in (row["first_plain"], row["first_quoted"]) if value is not None]
    return Structure(
        data_lines=int(row["lines"]),
        first_irregular=min(firsts) if firsts else None,
        blank_lines=int(row["blank"] or 0),
    )


def _summary(separator: str, columns: int) -> list[pl.Expr]:
    line = pl.col("l")
    index = pl.col("i")
    expected = columns - 1
    sep = "\\t" if separator == "\t" else separator
    proper = f'^(?:[^"{sep}]*|{_QUOTED})(?:{sep}(?:[^"{sep}]*|{_QUOTED}))*$'

    quoted = line.str.contains('"', literal=True)
    blank = line.str.strip_chars(f' \t{separator}"').str.len_bytes() == 0
    # polars strips the \r of a CRLF ending; any other \r is a line break polars ignores
    # and Python's csv module does not: leave such lines to the exact reader.
    inner_cr = line.str.contains("\r", literal=True)
    plain_seps = line.str.count_matches(separator, literal=True)
    plain_bad = ~quoted & ((plain_seps > expected) | ((plain_seps < expected) & ~blank))

    # Quotes: only standard quoting (whole fields in quotes, "" inside) is left to polars;
    # the regex runs on the lines that have a quote at all, usually few.
    quoted_lines = line.filter(quoted)
    quoted_seps = quoted_lines.str.replace_all(_QUOTED, "").str.count_matches(
        separator, literal=True
    )
    quoted_bad = (
        ~quoted_lines.str.contains(proper)
        | (quoted_seps > expected)
        | ((quoted_seps < expected) & ~blank.filter(quoted))
    )
    return [
        pl.len().alias("lines"),
        blank.sum().alias("blank"),
        index.filter(plain_bad | inner_cr).min().alias("first_plain"),
        index.filter(quoted).filter(quoted_bad).min().alias("first_quoted"),
    ]
