"""Issue 25, point 9: values over several lines, read so that no citizen gets another's data.

A line of a quoted value that looks like a record of the file (a valid fiscal code, or
the header's field count) makes the value refused in any column, ``multiline_columns``
included (``csv.multiline_record``), and its lines read again as rows of their own; a
properly closed value longer than the bound is one refused row for its length, however
many lines it spans, followed to its end without being held.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.identifiers.fiscal_code import generate
from batch.input import limits as input_limits
from batch.input import lines as input_lines
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.quoted import RecordScan
from batch.input.read import open_input
from batch.input.record_shape import RecordShape

HEADER = "codice_fiscale;nome;importo\n"


def codes(count: int, seed: int = 25) -> list[str]:
    rng = random.Random(seed)
    return [generate(rng) for _ in range(count)]


def read_all(tmp_path: Path, data: str, multiline: tuple[str, ...] = ()) -> pl.DataFrame:
    path = tmp_path / "in.csv"
    path.write_text(data, encoding="utf-8")
    with open_input(InputSpec(path, multiline_columns=multiline), ()) as source:
        frames = list(source.batches())
        empty = pl.DataFrame(
            schema={LINE_COLUMN: pl.Int64, CSV_ERROR_COLUMN: pl.String}
            | dict.fromkeys(source.header, pl.String)
        )
        return pl.concat([empty, *frames])


def outcomes(frame: pl.DataFrame) -> list[tuple[int, str]]:
    return [
        (line, (error or "").split(":")[0])
        for line, error in frame.select(LINE_COLUMN, CSV_ERROR_COLUMN).rows()
    ]


def test_stray_quotes_in_an_allowed_column_never_fold_the_rows_between(tmp_path: Path) -> None:
    """The issue's file: a stray quote on line 5 and one on line 9, ``nome`` allowed."""
    c = codes(8)
    data = HEADER + (
        f"{c[0]};Anna;10,00\n{c[1]};Bruno;11,00\n{c[2]};Carla;12,00\n"
        f'{c[3]};"Dario;13,00\n{c[4]};Elena;14,00\n{c[5]};Fabio;15,00\n'
        f'{c[6]};Gino;16,00\n{c[7]};Ivo";17,00\n'
    )
    frame = read_all(tmp_path, data, multiline=("nome",))
    assert outcomes(frame) == [(n, "") for n in (2, 3, 4)] + [(5, "csv.multiline_record")] + [
        (n, "") for n in (6, 7, 8, 9)
    ]
    assert frame.row(3) == (
        5,
        "csv.multiline_record: a quoted value in column 'nome' runs from line 5 to line 9, "
        "and line 6 looks like a row of the file (it has 3 fields, as the header): a stray "
        "quote would glue other rows into this one, so the value is refused even in a column "
        "of input.multiline_columns; remove the stray quote. Lines 6 to 9 were read as rows "
        "of their own",
        c[3],
        '"Dario',
        "13,00",
    )
    # Every line's citizen keeps its own values.
    assert frame.get_column("codice_fiscale").to_list() == c
    assert frame.row(-1)[2:] == (c[7], 'Ivo"', "17,00")


def test_a_swallowed_line_with_a_fiscal_code_is_a_record_whatever_its_fields(
    tmp_path: Path,
) -> None:
    c = codes(2)
    data = HEADER + f'{c[0]};"Nota\n {c[1]}\nfine";1,00\n'  # 1 field, but a valid code
    frame = read_all(tmp_path, data, multiline=("nome",))
    assert outcomes(frame) == [
        (2, "csv.multiline_record"),
        (3, "csv.field_count"),
        (4, "csv.field_count"),
    ]
    assert "line 3 looks like a row of the file (it holds a valid fiscal code)" in str(
        frame.row(0)[1]
    )


def test_prose_over_several_lines_in_an_allowed_column_is_one_value(tmp_path: Path) -> None:
    c = codes(2)
    data = HEADER + f'{c[0]};"Gentile Anna,\nla rata scade; paga\n\nin app";1,00\n{c[1]};B;2\n'
    frame = read_all(tmp_path, data, multiline=("nome",))
    assert frame.rows() == [
        (2, None, c[0], "Gentile Anna,\nla rata scade; paga\n\nin app", "1,00"),
        (6, None, c[1], "B", "2"),
    ]


def test_the_default_refusal_names_multiline_columns_only_for_prose(tmp_path: Path) -> None:
    c = codes(2)
    data = HEADER + f'{c[0]};"Anna\nMaria";1,00\n{c[1]};B;2\n'
    frame = read_all(tmp_path, data)
    assert outcomes(frame) == [(2, "csv.multiline"), (3, "csv.field_count"), (4, "")]
    assert "allowed only in the columns named by input.multiline_columns" in str(frame.row(0)[1])


def test_a_closed_value_of_a_thousand_lines_is_one_row(tmp_path: Path) -> None:
    c = codes(3)
    body = "riga\n" * 1000
    data = HEADER + f'{c[0]};A;1\n{c[1]};"{body}";2,00\n{c[2]};C;3\n'
    for multiline in ((), ("nome",)):
        frame = read_all(tmp_path, data, multiline=multiline)
        assert frame.rows() == [
            (2, None, c[0], "A", "1"),
            (
                3,
                "csv.too_many_lines: a quoted value in column 'nome' runs from line 3 to line "
                "1003 (1,001 lines); a value may span at most 200 lines. The whole value is "
                "this one row (only its start is kept in the results)",
                c[1],
                body[:100],
                "2,00",
            ),
            (1004, None, c[2], "C", "3"),
        ]


def test_a_long_value_that_runs_into_records_is_read_again(tmp_path: Path) -> None:
    c = codes(3)
    body = "testo\n" * 300
    data = HEADER + f'{c[0]};"{body}{c[1]};B;2\n{c[2]};C";3\n'
    frame = read_all(tmp_path, data, multiline=("nome",))
    lines = frame.get_column(LINE_COLUMN).to_list()
    assert lines == list(range(2, 304))  # the first line alone, then every line its own
    assert outcomes(frame)[0] == (2, "csv.multiline_record")
    assert "runs from line 2 past line 302, and line 302 looks like a row" in str(frame.row(0)[1])
    assert frame.row(-2)[2:] == (c[1], "B", "2")
    assert frame.row(-1)[2:] == (c[2], 'C"', "3")


def test_a_value_over_the_character_bound_is_one_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_limits, "LONGEST_LINE", 1 << 10)
    c = codes(2)
    body = ("x" * 99 + "\n") * 20  # 2,000 characters over 21 lines
    frame = read_all(tmp_path, HEADER + f'{c[0]};"{body}";1\n{c[1]};B;2\n', multiline=("nome",))
    assert outcomes(frame) == [(2, "csv.too_long"), (23, "")]
    assert str(frame.row(0)[1]).startswith(
        "csv.too_long: a quoted value in column 'nome' runs from line 2 to line 22 and is "
        "2,000 characters long"
    )


def test_a_long_value_is_followed_without_being_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan past the bound keeps nothing of the lines it reads: the reader's record
    never holds more than the bound's lines."""
    held: list[int] = []
    original = input_lines.Lines.__next__

    def spy(self: Any) -> str:
        line = original(self)
        held.append(len(self.taken))
        return line

    monkeypatch.setattr(input_lines.Lines, "__next__", spy)
    c = codes(1)
    body = "riga\n" * 20_000
    frame = read_all(tmp_path, HEADER + f'{c[0]};"{body}";1\n', multiline=("nome",))
    assert outcomes(frame) == [(2, "csv.too_many_lines")]
    assert max(held) <= input_lines.MAX_RECORD_LINES


# -- the scan agrees with csv.reader ---------------------------------------------------------

record_text = st.text(alphabet='ab;"\n ', max_size=30)


@settings(max_examples=300)
@given(record_text)
def test_record_scan_ends_where_csv_reader_does(text: str) -> None:
    import csv  # noqa: PLC0415

    physical = text.split("\n")
    physical = [line + "\n" for line in physical[:-1]] + ([physical[-1]] if physical[-1] else [])
    if not physical or not physical[0].strip("\n"):
        return  # a record starts with something: csv gives [] for a blank line
    reader = csv.reader(iter(physical), delimiter=";")
    try:
        expected = next(reader)
    except (StopIteration, csv.Error):
        return
    scan = RecordScan(";")
    used = 0
    for line in physical:
        scan.feed(line)
        used += 1
        if scan.ended:
            break
    if not scan.ended:
        return  # ran into the end of the text inside quotes: csv.Error or a record ended by EOF
    assert [field for field in scan.fields] == [field[:100] for field in expected]
    assert scan.lengths == [len(field) for field in expected]
    assert used == reader.line_num


# -- hostile files: whatever the quotes, no citizen's line is swallowed --------------------------

junk_line = st.text(alphabet='ab;" ', max_size=10)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(st.tuples(st.just("row"), junk_line), st.tuples(st.just("junk"), junk_line)),
        min_size=1,
        max_size=14,
    ),
    st.sampled_from([(), ("nome",), ("codice_fiscale", "nome", "importo")]),
)
def test_no_citizen_line_is_ever_folded_into_another_row(
    tmp_path: Path, lines: list[tuple[str, str]], multiline: tuple[str, ...]
) -> None:
    """Every line that starts with a fiscal code is a row of its own at its own line,
    and no row holds another line's fiscal code: whatever quotes the file has, and
    whichever columns may span lines."""
    rng = random.Random(len(lines))
    written: dict[int, str] = {}
    text = HEADER
    for number, (kind, junk) in enumerate(lines, 2):
        if kind == "row":
            code = generate(rng)
            written[number] = code
            text += f"{code};{junk}\n"
        else:
            text += f"{junk}\n"
    frame = read_all(tmp_path, text, multiline=multiline)
    by_line = {row[0]: row for row in frame.rows()}
    for number, code in written.items():
        assert by_line[number][2] == code
    for row in frame.rows():
        values = "\n".join(str(cell) for cell in row[2:])
        others = [code for number, code in written.items() if number != row[0]]
        assert not any(code in values for code in others)


def test_record_shape() -> None:
    shape = RecordShape(";", 3)
    code = codes(1)[0]
    assert shape.why_a_record("a;b;c\n") == "it has 3 fields, as the header"
    assert shape.why_a_record(f" {code.lower()} e basta\r\n") is None  # not a field of its own
    assert shape.why_a_record(f"x; {code.lower()} \n") == "it holds a valid fiscal code"
    assert shape.why_a_record("Gentile cliente, la rata\n") is None
