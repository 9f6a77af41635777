"""Issue 25, point 8: lines a field short (or long) are read by polars, as the exact
reader would read them, so that a file of 2M such lines is read at the fast speed."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.input import scan as input_scan
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.read import open_input


def both_readers(path: Path, separator: str = ";") -> tuple[pl.DataFrame, pl.DataFrame]:
    """(what ``batches`` gives, what the exact reader alone gives from the first line)."""
    with open_input(InputSpec(path, separator=separator), ()) as source:
        schema = {LINE_COLUMN: pl.Int64, CSV_ERROR_COLUMN: pl.String}
        empty = pl.DataFrame(schema=schema | dict.fromkeys(source.columns, pl.String))
        fast = pl.concat([empty, *source.batches(7)])
        exact = pl.concat([empty, *source.exact_batches(source.header_line + 1, 7)])
    return fast, exact


def test_lines_a_field_short_are_rows_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("cf;nome;note\nA;1;x\nB;2\n;;\nC;3;y;z\n   \nD\n;;;;\nE;5;\n", "utf-8")
    fast, exact = both_readers(path)
    assert fast.equals(exact)
    reason = (
        "csv.field_count: {} fields where the header has 3 with separator ';'; is a value "
        "with the separator not in quotes? If the file uses another separator, force another "
        'with --separator or input.separator (",", ";" or "tab")'
    )
    assert fast.rows() == [
        (2, None, "A", "1", "x"),
        (3, reason.format(2), "B", "2", ""),
        (5, reason.format(4), "C", "3", "y"),
        (7, reason.format(1), "D", "", ""),
        (9, None, "E", "5", ""),
    ]


def test_the_exact_reader_takes_over_only_at_a_quote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 64)
    body = "".join(f"C{n};{n}\n" if n % 3 else f"C{n}\n" for n in range(60))
    path = tmp_path / "in.csv"
    path.write_text(f'cf;n\n{body}Q;"a\nb"\nZ;1\n', "utf-8")
    fast, exact = both_readers(path)
    assert fast.equals(exact)
    assert fast.height == 63  # Q's line break is refused: "b\"" is a row of its own
    assert fast.row(-1) == (64, None, "Z", "1")


plain_line = st.text(alphabet="ab;, \t", max_size=9)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(plain_line, min_size=1, max_size=15),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from([";", ",", "\t"]),
)
def test_polars_and_the_exact_reader_agree_on_lines_without_quotes(
    tmp_path: Path, lines: list[str], ending: str, separator: str
) -> None:
    path = tmp_path / "in.csv"
    header = separator.join(["cf", "nome", "note"])
    path.write_bytes(ending.join([header, *lines]).encode() + ending.encode())
    fast, exact = both_readers(path, separator)
    assert fast.rows() == exact.rows()


def test_chunks_hold_at_most_chunk_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Very short damaged lines would make a huge number of rows, each with its reason,
    from one chunk: a chunk holds at most CHUNK_LINES lines, whatever their length."""
    monkeypatch.setattr(input_scan, "CHUNK_LINES", 10)
    path = tmp_path / "in.csv"
    path.write_text(
        "cf;nome\n" + "".join(f"{n}\n" for n in range(35)) + "x;" * 30 + "\nZ;1", "utf-8"
    )
    chunks = list(input_scan.chunks(path, 1))
    assert [lines for _, _, lines in chunks] == [10, 10, 10, 6, 1]  # the last has no line end
    assert [first for first, _, _ in chunks] == [2, 12, 22, 32, 38]
    fast, exact = both_readers(path)
    assert fast.equals(exact)
    assert fast.get_column(LINE_COLUMN).to_list() == list(range(2, 39))
