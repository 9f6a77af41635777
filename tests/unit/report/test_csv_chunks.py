"""The report's CSV reader: any cell (newlines, quotes, commas) read back whole, however
the file is cut into blocks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.errors import InputError
from batch.report.csv_chunks import csv_chunks

HEADER = ["line", "status", "input.note", "reason"]
# No "\r" in a cell: polars drops one that ends a quoted last cell, as it did before the
# report read in blocks (whole-file reads); no column a report uses ever holds one.
cells = st.text(alphabet=st.sampled_from('ab,"\n é;'), max_size=12)


def _write(path: Path, rows: list[list[str]], *, bom: bool = False, crlf: bool = False) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def _read(path: Path, columns: list[str], block_bytes: int) -> list[list[str]]:
    found: list[list[str]] = []
    for piece in csv_chunks(path, columns, what="results file", block_bytes=block_bytes):
        found.extend([cell or "" for cell in row] for row in piece.iter_rows())
    return found


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(cells, min_size=4, max_size=4), max_size=25),
    st.integers(min_value=1, max_value=64),
    st.booleans(),
    st.booleans(),
)
def test_every_cell_comes_back_whole_whatever_the_block_size(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    block_bytes: int,
    bom: bool,
    crlf: bool,
) -> None:
    rows = [[str(index + 2), *row[1:]] for index, row in enumerate(rows)]
    path = tmp_path_factory.mktemp("chunks") / "results.csv"
    _write(path, rows, bom=bom, crlf=crlf)
    expected = [[row[3], row[1], row[0]] for row in rows]
    got = _read(path, ["reason", "status", "line"], block_bytes)
    assert got == expected


def test_a_missing_column_is_an_input_error(tmp_path: Path) -> None:
    _write(tmp_path / "results.csv", [["2", "sent", "", ""]])
    with pytest.raises(InputError, match="no sent_at column"):
        _read(tmp_path / "results.csv", ["line", "sent_at"], 1 << 20)
