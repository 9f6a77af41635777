"""Text out of spreadsheet XML without an XML tree: chunks cut at element ends, the
character references and ``_xHHHH_`` escapes (ECMA-376 ST_Xstring) undone, whole
columns at once with polars where the text is plain, in Python only where it is not.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from typing import IO

import polars as pl

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PHONETIC = r"(?s)<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>"
_RUN = r"(?s)<(?:\w+:)?t(?:\s[^>]*)?>[^<]*</(?:\w+:)?t>"
_TAG = r"<[^>]*>"


def unescape(text: str) -> str:
    """XML character references and entities, then Excel's ``_xHHHH_`` escapes."""
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), text)
    return text


def unescape_series(values: pl.Series) -> pl.Series:
    """``unescape`` on each value. Only the values with an ``&`` or ``_x`` are touched,
    and each distinct one once (a name written ``Nicol&#242;`` recurs all over a sheet)."""
    touched = values.str.contains_any(["&", "_x"]).fill_null(False)
    if not touched.any():
        return values
    where = touched.arg_true()
    escaped = values.gather(where)
    distinct = escaped.unique().to_list()
    plain = {value: unescape(value) for value in distinct}
    return values.scatter(where, escaped.replace_strict(plain, return_dtype=pl.String))


def runs_text(elements: pl.Series) -> pl.Series:
    """The text of ``<si>``/``<is>`` elements: their ``<t>`` runs joined, phonetic
    guides (``<rPh>``) left out, still escaped; an element without runs is ``""``."""
    return (
        elements.str.replace_all(_PHONETIC, "")
        .str.extract_all(_RUN)
        .list.eval(pl.element().str.replace_all(_TAG, ""))
        .list.join("")
        .fill_null("")
    )


def element_chunks(stream: IO[bytes], end: bytes, size: int) -> Iterator[bytes]:
    """The stream's text in pieces of about ``size`` bytes, each cut just after an
    ``end`` marker (the last one of the piece), so that no element is split."""
    tail = b""
    while True:
        block = stream.read(size)
        if not block:
            break
        data = tail + block
        cut = data.rfind(end)
        if cut < 0:
            tail = data  # an element longer than a piece: read on
            continue
        cut += len(end)
        tail = data[cut:]
        yield data[:cut]
    if tail.strip():
        yield tail


def split_at(xml: bytes, mark: bytes) -> pl.DataFrame:
    """``xml`` as one string column ``xml``, a row per ``mark`` (the mark itself dropped),
    read by polars in one pass: line breaks inside are escaped as XML character
    references first, so each element is one line. What came before the first mark
    (a table's or a row's start) is left out."""
    lines = xml.replace(b"\n", b"&#10;").replace(b"\r", b"&#13;").replace(mark, b"\n")
    return pl.read_csv(
        io.BytesIO(lines),
        has_header=False,
        separator="\x01",  # never in XML 1.0: the whole line is one field
        quote_char=None,
        schema={"xml": pl.String},
    ).slice(1)
