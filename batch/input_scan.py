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
_CHUNK_BYTES = 1 << 22


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
    ).with_row_index("i")
    try:
        if _plain_bytes(path):
            # No quote, no lone CR: counting separators per line is all it takes.
            counts = pl.col("l").str.count_matches(separator, literal=True)
            found = lines.select(
                pl.len().alias("lines"), (counts != columns - 1).any().alias("bad")
            ).collect(engine="streaming")
            if not found.item(0, "bad"):
                return Structure(int(found.item(0, "lines")), None, 0)
        return _full_scan(lines, separator, columns)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise NotUtf8Error(str(exc)) from None
        return Structure(data_lines=0, first_irregular=0, blank_lines=0)
    except pl.exceptions.PolarsError:
        # e.g. a line holding our private separator: let the exact reader take the file.
        return Structure(data_lines=0, first_irregular=0, blank_lines=0)


def _plain_bytes(path: Path) -> bool:
    """No quote and no CR outside CRLF (C-speed byte searches, chunk by chunk).

    Blank lines need no search here: they have too few separators for the count.
    """
    previous = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            if b'"' in chunk:
                return False
            if b"\r" in chunk:
                joined = previous + chunk  # a CRLF may straddle two chunks
                if chunk.count(b"\r") != joined.count(b"\r\n") - previous.count(b"\r\n"):
                    return False
            previous = chunk[-1:]
    return True


def _full_scan(lines: pl.LazyFrame, separator: str, columns: int) -> Structure:
    found = (
        lines.select("i", *_line_flags(separator))
        .select(_plain_summary(columns))
        .collect(engine="streaming")
    )
    row = found.row(0, named=True)
    first_plain = None
    if row["bad"]:
        # Where exactly: a second pass, only for files that have such a line.
        first_plain = (
            lines.select("i", *_line_flags(separator))
            .filter(_plain_bad(columns))
            .select(pl.col("i").min())
            .collect(engine="streaming")
            .item()
        )
    first_quoted = None
    if row["quoted"]:
        # Second pass only for files with quotes at all, over those lines only.
        first_quoted = (
            lines.filter(pl.col("l").str.contains('"', literal=True))
            .filter(_quoted_bad(separator, columns))
            .select(pl.col("i").min())
            .collect(engine="streaming")
            .item()
        )
    firsts = [value for value in (first_plain, first_quoted) if value is not None]
    return Structure(
        data_lines=int(row["lines"]),
        first_irregular=min(firsts) if firsts else None,
        blank_lines=int(row["blank"] or 0),
    )


def _blank(separator: str) -> pl.Expr:
    # Unanchored: it stops at the first character that is not blank, so it is cheap.
    sep = "\\t" if separator == "\t" else separator
    return ~pl.col("l").str.contains(f'[^ \\t{sep}"]')


def _line_flags(separator: str) -> list[pl.Expr]:
    line = pl.col("l")
    return [
        line.str.contains('"', literal=True).alias("quoted"),
        _blank(separator).alias("blank"),
        # polars strips the \r of a CRLF ending; any other \r is a line break polars
        # ignores and Python's csv module does not: leave such lines to the exact reader.
        line.str.contains("\r", literal=True).alias("cr"),
        line.str.count_matches(separator, literal=True).alias("separators"),
    ]


def _plain_summary(columns: int) -> list[pl.Expr]:
    # Over the flag columns (the streaming engine does not share sub-expressions, so
    # each flag is computed once, in a projection, and only combined here).
    return [
        pl.len().alias("lines"),
        pl.col("blank").sum().alias("blank"),
        pl.col("quoted").any().alias("quoted"),
        _plain_bad(columns).any().alias("bad"),
    ]


def _plain_bad(columns: int) -> pl.Expr:
    expected = columns - 1
    separators, blank, quoted = pl.col("separators"), pl.col("blank"), pl.col("quoted")
    return (~quoted & ((separators > expected) | ((separators < expected) & ~blank))) | pl.col("cr")


def _quoted_bad(separator: str, columns: int) -> pl.Expr:
    """Only standard quoting (whole fields in quotes, "" inside) is left to polars."""
    line = pl.col("l")
    expected = columns - 1
    sep = "\\t" if separator == "\t" else separator
    proper = f'^(?:[^"{sep}]*|{_QUOTED})(?:{sep}(?:[^"{sep}]*|{_QUOTED}))*$'
    separators = line.str.replace_all(_QUOTED, "").str.count_matches(separator, literal=True)
    return (
        ~line.str.contains(proper)
        | (separators > expected)
        | ((separators < expected) & ~_blank(separator))
    )
