"""A CSV file read a few megabytes at a time, each piece parsed by polars.

Polars' own scanners map the whole file into memory (a 3M-row results file is 430 MB
of resident pages) and read ahead of the consumer. Here the file is read with plain
``read`` calls, cut at the last record boundary of each block (a newline outside
quotes: a field may hold newlines, and a quote inside a field is doubled, so the
quotes before a boundary are always even in number), and only the columns asked for
are kept. Memory: about two blocks and the frame of one, whatever the file's size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import polars as pl

from batch.errors import InputError
from batch.i18n import _

BLOCK_BYTES = 2 << 20
_BOM = b"\xef\xbb\xbf"


def csv_chunks(
    path: Path, columns: Sequence[str], *, what: str, block_bytes: int = BLOCK_BYTES
) -> Iterator[pl.DataFrame]:
    """The ``columns`` of the file, as strings (an empty cell: null), a piece at a time;
    ``InputError`` when the file cannot be read or lacks one of them."""
    try:
        with path.open("rb") as handle:
            yield from _pieces(handle, columns, what=what, path=path, block_bytes=block_bytes)
    except FileNotFoundError:
        raise InputError(_("{what} not found: {path}").format(what=what, path=path)) from None
    except (OSError, UnicodeDecodeError, pl.exceptions.PolarsError) as exc:
        raise InputError(
            _("cannot read {what} {path}: {error}").format(what=what, path=path, error=exc)
        ) from None


def _pieces(
    handle: io.BufferedReader,
    columns: Sequence[str],
    *,
    what: str,
    path: Path,
    block_bytes: int,
) -> Iterator[pl.DataFrame]:
    carry = b""
    picked: dict[int, str] | None = None
    while True:
        block = handle.read(block_bytes)
        data = carry + block
        if picked is None:
            data = data.removeprefix(_BOM)
            end = _record_end(data, last=False)
            if end < 0 and block:
                carry = data  # a header longer than a block: read on
                continue
            end = len(data) if end < 0 else end
            picked = _pick(data[:end], columns, what=what, path=path)
            data = data[end:]
        if block:
            cut = _record_end(data, last=True)
            piece, carry = (b"", data) if cut < 0 else (data[:cut], data[cut:])
        else:
            piece, carry = data, b""
        if piece.strip():
            yield _parse(piece, picked, columns)
        if not block:
            return


def _record_end(data: bytes, *, last: bool) -> int:
    """Just past the first (``last``: the last) newline outside quotes; -1: none.
    ``data`` starts at a record boundary."""
    if not last:
        quotes, position = 0, 0
        while (newline := data.find(b"\n", position)) >= 0:
            quotes += data.count(b'"', position, newline)
            if quotes % 2 == 0:
                return newline + 1
            position = newline + 1
        return -1
    quotes = data.count(b'"')
    position = len(data)
    while (newline := data.rfind(b"\n", 0, position)) >= 0:
        quotes -= data.count(b'"', newline, position)
        if quotes % 2 == 0:
            return newline + 1
        position = newline
    return -1


def _pick(header_bytes: bytes, columns: Sequence[str], *, what: str, path: Path) -> dict[int, str]:
    """Column index -> name, for the ``columns`` asked for."""
    header = next(csv.reader(io.StringIO(header_bytes.decode("utf-8"))), [])
    where = {name: index for index, name in reversed(list(enumerate(header)))}
    missing = [name for name in columns if name not in where]
    if missing:
        raise InputError(
            _("{path} is not an io-batch {what} (no {columns} column)").format(
                path=path, what=what, columns=", ".join(missing)
            )
        )
    return {where[name]: name for name in columns}


def _parse(piece: bytes, picked: dict[int, str], columns: Sequence[str]) -> pl.DataFrame:
    indexes = sorted(picked)
    frame = pl.read_csv(
        io.BytesIO(piece),
        has_header=False,
        columns=indexes,
        infer_schema=False,
        truncate_ragged_lines=True,
    )
    # Without a header polars names the columns column_1, column_2...: by position.
    names = [picked[index] for index in indexes]
    named = frame.rename(dict(zip(frame.columns, names, strict=True)))
    return named.select(*columns)
