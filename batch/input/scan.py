"""The data lines in chunks of whole lines, and which of them the fast reader can take.

polars' CSV reader is fast but cannot say which physical line a record came from. That
is only a problem when a record is not exactly one line: a quoted value with a line
break in it, a broken quote that swallows the next lines, a line with too many or too
few fields. So the file is read in chunks of whole lines (a few MB; reading them
ourselves also keeps polars from memory-mapping the whole file, so memory stays flat)
and each chunk is checked before polars parses it:

- the common case costs three byte counts: no quote, no CR other than CRLF, and as
  many separators as ``(columns - 1) x lines``. With no line over the count (polars
  refuses those), that means every line has exactly the right count;
- otherwise each line of the chunk is checked (vectorised) and the first irregular one
  found. Blank lines are fine: polars yields them as records of empty cells.

Every line before the first irregular one is one record, so a record's line is its
chunk's first line plus its index. From the first irregular line on, ``input_exact``
parses with Python's csv module and counts lines one by one: exact, slower, and only
for damaged files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl

CHUNK_BYTES = 8 << 20
#: At most this many lines a chunk too: a damaged line becomes a row with a reason of a
#: couple of hundred characters (``plain_damage``), so a chunk of very short damaged lines
#: ("A\n") would otherwise make millions of them at once. An export's lines are longer
#: than 64 bytes: its chunks are still ``CHUNK_BYTES``.
CHUNK_LINES = 1 << 17
#: A byte no CSV export uses, so that each physical line reads as a single field.
_LINE_FIELD_SEPARATOR = "\x1f"
_QUOTED = r'"(?:[^"]|"")*"'


def chunks(path: Path, skip_lines: int) -> Iterator[tuple[int, bytes, int]]:
    """(number of the first line, whole lines, how many) for the lines after ``skip_lines``.

    The last chunk may end without a line break; every other one ends with one. A line
    longer than a chunk is never read whole: the chunks stop with an empty one, (its
    line, b"", 0), which says "the exact reader takes over at this line" (it refuses
    the line without holding it: see ``input_exact``)."""
    with path.open("rb") as handle:
        for _ in range(skip_lines):
            handle.readline()
        number = skip_lines + 1
        while block := handle.read(CHUNK_BYTES):
            cut = block.rfind(b"\n") + 1
            if cut == 0 and len(block) == CHUNK_BYTES:
                yield number, b"", 0  # a line longer than a chunk: far over any IO limit
                return
            cut = _at_most_lines(block, cut)
            if 0 < cut < len(block):
                handle.seek(cut - len(block), 1)  # the partial line starts the next chunk
                block = block[:cut]
            lines = line_count(block)
            yield number, block, lines
            number += lines


def _at_most_lines(block: bytes, cut: int) -> int:
    """``cut`` (the end of the block's whole lines), moved back to a line end so that at
    most ``CHUNK_LINES`` lines come before it: cut in proportion, a few passes at most."""
    while (lines := block.count(b"\n", 0, cut)) > CHUNK_LINES:
        cut = block.rfind(b"\n", 0, cut * CHUNK_LINES // lines) + 1
        if cut == 0:
            return block.find(b"\n") + 1  # one very long line, then short ones: that line
    return cut


def line_count(chunk: bytes) -> int:
    return chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)


def line_offset(chunk: bytes, index: int) -> int:
    """Where line ``index`` (0 = the chunk's first) starts in ``chunk``."""
    offset = 0
    for _ in range(index):
        offset = chunk.index(b"\n", offset) + 1
    return offset


def looks_regular(chunk: bytes, separator: str, columns: int, lines: int) -> bool:
    """The byte-count test: true means every line is a plain record of the right width,
    provided no line has too many fields (which polars refuses when parsing)."""
    if b'"' in chunk:
        return False
    if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
        return False
    return chunk.count(separator.encode()) == (columns - 1) * lines


def first_irregular(chunk: bytes, separator: str, columns: int) -> int | None:
    """Index of the first line in ``chunk`` that is not a well-formed one-line record."""
    table = line_table(chunk, separator, columns)
    if table is None:
        return 0  # e.g. a line holding our private separator: the exact reader decides
    bad = table.filter(pl.col("exact") | pl.col("damaged")).get_column("i")
    return int(bad.min()) if bad.len() else None  # type: ignore[arg-type]


def line_table(chunk: bytes, separator: str, columns: int) -> pl.DataFrame | None:
    """Each line of ``chunk``: ``i`` (its index), ``l`` (its text, without its line end),
    ``blank``, ``exact`` (only the exact reader can read it: a quote polars would read
    otherwise, a CR that is no line end) and ``damaged`` (no quote, but more or fewer
    fields than the header: a ``blank`` one is no row). None: polars cannot split the
    chunk into lines."""
    try:
        lines = pl.read_csv(
            io.BytesIO(chunk),
            has_header=False,
            separator=_LINE_FIELD_SEPARATOR,
            quote_char=None,
            schema={"l": pl.String},
            empty_string_is_null=False,
            raise_if_empty=False,
            missing_columns="insert",
        ).with_row_index("i")
    except (pl.exceptions.PolarsError, OSError):  # OSError: a chunk polars took for zlib
        return None
    flags = lines.select("i", "l", *_line_flags(separator))
    # The quote check is a regex: run only on the lines that have a quote.
    quoted = flags.filter(pl.col("quoted"))
    quoted_bad = quoted.filter(_quoted_bad(separator, columns)).get_column("i")
    return flags.select(
        "i",
        "l",
        "blank",
        (pl.col("i").is_in(quoted_bad.implode()) | pl.col("cr")).alias("exact"),
        (~pl.col("quoted") & ~pl.col("cr") & _wrong_count(columns)).alias("damaged"),
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


def _wrong_count(columns: int) -> pl.Expr:
    """More fields than the header, or fewer on a line that is not blank (a blank line is
    a record of empty cells to polars, and no row)."""
    expected = columns - 1
    separators = pl.col("separators")
    return (separators > expected) | ((separators < expected) & ~pl.col("blank"))


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
