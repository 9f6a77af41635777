"""Issue 12, points 2, 4, 6 and 8: what a file may not do to a message.

Values that span lines (only in ``input.multiline_columns``), text integrity over the
whole file (NUL, lone CR, two encodings, control characters, bidi overrides), the
separator from the header and the data together (and Excel's ``sep=``), and values too
long for any IO message, refused without being held.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.config.job import parse_job
from batch.config.job_sections import InputSpec
from batch.errors import ConfigError, InputError
from batch.input import limits as input_limits
from batch.input import lines as input_lines
from batch.input import scan as input_scan
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.limits import KEPT_CHARACTERS, MAX_CELL_BYTES
from batch.input.read import open_input
from batch.rules import validate
from batch.rules.plan import INVALID_COLUMN, REASON_CODE
from tests.helpers.jobs import parsed_job

CODE = "RSSMRA85T10A562S"


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    return path


def read_all(path: Path, multiline: tuple[str, ...] = (), **spec: Any) -> pl.DataFrame:
    with open_input(InputSpec(path, multiline_columns=multiline, **spec), ()) as source:
        frames = list(source.batches())
        empty = pl.DataFrame(
            schema={LINE_COLUMN: pl.Int64, CSV_ERROR_COLUMN: pl.String}
            | dict.fromkeys(source.header, pl.String)
        )
        return pl.concat([empty, *frames])


def codes(frame: pl.DataFrame) -> list[tuple[int, str]]:
    """(line, reason code or "") of every record."""
    return [
        (line, (error or "").split(":")[0])
        for line, error in frame.select(LINE_COLUMN, CSV_ERROR_COLUMN).rows()
    ]


# -- 2. a value that spans lines ---------------------------------------------------------


def test_a_stray_quote_never_glues_other_rows_into_one(tmp_path: Path) -> None:
    data = b'cf;nome;note\nA;"Rossi;x\nB;Verdi;y\nC;Neri;z\nD;Bianchi";w\nE;Gialli;v\n'
    frame = read_all(write(tmp_path, data))
    assert codes(frame) == [(2, "csv.multiline_record"), (3, ""), (4, ""), (5, ""), (6, "")]
    first = frame.row(0)
    # Not "allow it in input.multiline_columns": its lines are rows, so that would not help.
    assert first[1] == (
        "csv.multiline_record: a quoted value in column 'nome' runs from line 2 to line 5, "
        "and line 3 looks like a row of the file (it has 3 fields, as the header): a stray "
        "quote would glue other rows into this one, so the value is refused even in a column "
        "of input.multiline_columns; remove the stray quote. Lines 3 to 5 were read as rows "
        "of their own"
    )
    assert first[2:] == ("A", '"Rossi', "x")  # the line's own cells, nobody else's
    assert frame.get_column("cf").to_list() == ["A", "B", "C", "D", "E"]
    assert frame.row(3)[2:] == ("D", 'Bianchi"', "w")


def test_a_line_break_in_a_named_column_is_one_record(tmp_path: Path) -> None:
    data = b'cf;nome;note\r\nA;Rosa;"uno\r\ndue"\r\nB;"Carlo\r\nRossi";fine\r\n'
    frame = read_all(write(tmp_path, data), multiline=("NOTE",))
    assert codes(frame) == [(2, ""), (4, "csv.multiline"), (5, "csv.field_count")]
    assert frame.row(0)[2:] == ("A", "Rosa", "uno\ndue")  # the file's CRLF is a line end
    assert frame.row(1)[1] == (
        "csv.multiline: a quoted value in column 'nome' runs from line 4 to line 5, so these "
        "lines would be glued into one row (a stray quote?); a line break is allowed only in "
        "the columns named by input.multiline_columns. Line 5 was read as a row of its own"
    )


def test_multiline_columns_must_be_in_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;b\n")
    with pytest.raises(InputError, match=r"input\.multiline_columns names 'note'"):
        open_input(InputSpec(path, multiline_columns=("note",)), ())


def test_multiline_columns_in_the_job_file(tmp_path: Path) -> None:
    def job(value: object) -> Any:
        raw = {
            "input": {"path": "in.csv", "multiline_columns": value},
            "output": {"path": "out.csv"},
            "message": {"subject": "Avviso per {nome}", "markdown": "m" * 80},
            "target": {"kind": "sandbox"},
        }
        return parse_job(raw, source=tmp_path / "job.toml")

    assert job(["note", "indirizzo"]).input.multiline_columns == ("note", "indirizzo")
    with pytest.raises(ConfigError, match="multiline_columns must be a list"):
        job("note")
    with pytest.raises(ConfigError, match="multiline_columns must be a list of column names"):
        job(["note", 3])


# -- 2 and 4. lone CR, NUL, two encodings: file errors over the whole file -----------------


def test_lone_carriage_returns_stop_the_file_with_a_plain_message(tmp_path: Path) -> None:
    records = "\r".join(f"{n};x" for n in range(8))
    path = write(tmp_path, f"cf;nome\nA;1\n{records}\nB;2\n".encode())
    with pytest.raises(InputError) as raised:
        read_all(path)
    message = str(raised.value)
    assert "line 3 holds a carriage return (CR) that is not followed by a line feed" in message
    assert "universal-newline" not in message


def test_a_nul_byte_far_into_the_file_stops_it(tmp_path: Path) -> None:
    body = b"".join(b"A;%d\n" % n for n in range(30_000))  # well past the first 64 KiB
    path = write(tmp_path, b"cf;nome\n" + body + b"B;Nu\x00ll\n")
    assert path.stat().st_size > 1 << 17
    with pytest.raises(InputError, match=r"contains a NUL byte .* on line 30002"):
        read_all(path)


def test_windows_1252_then_utf8_is_a_mixed_file(tmp_path: Path) -> None:
    data = "cf;nome\nA;Niccolò\n".encode("cp1252") + "B;Niccolò\n".encode()
    with pytest.raises(InputError, match=r"mixes encodings: line 2 is Windows-1252 .* line 3 is"):
        read_all(write(tmp_path, data))
    # Named by the operator, the encoding is the operator's word.
    assert read_all(write(tmp_path, data), encoding="cp1252").get_column("nome").to_list() == [
        "Niccolò",
        "NiccolÃ²",
    ]


# -- 4. control characters and bidi overrides in values that reach a message --------------


#: A job with a third-party id, a remote content and the ``note`` column in its body.
INTEGRITY_JOB = {
    "columns": {"third_party_id": "pratica"},
    "message": {
        "markdown": "{nome} {note}" + "m" * 80,
        "has_remote_content": True,
        "configuration_id": "01HQRD0Z5V4NXJ8T0XWJ7Y3K2M",
    },
}


def check(job: Any, rows: list[tuple[str, str, str]]) -> list[tuple[str | None, str | None]]:
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series(range(2, 2 + len(rows)), dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None] * len(rows), dtype=pl.String),
            "cf": [CODE] * len(rows),
            "nome": [row[0] for row in rows],
            "note": [row[1] for row in rows],
            "pratica": [row[2] for row in rows],
        }
    )
    out = validate.validate_batch(frame, job, HeaderColumns(list(frame.columns[2:])))
    return out.select(REASON_CODE, INVALID_COLUMN).rows()


@pytest.mark.parametrize(
    ("nome", "note", "pratica", "expected"),
    [
        ("Mario", "", "P1", (None, None)),
        ("Ma\trio", "a\tb", "P1", (None, None)),  # tab: blank space, harmless
        ("Ma\x07rio", "", "P1", ("text.control", "nome")),
        ("Mario", "a\x1bb", "P1", ("text.control", "note")),
        ("Mario", "", "P\x7f1", ("text.control", "pratica")),  # DEL, in third_party_data.id
        ("Ma\x85rio", "", "P1", ("text.control", "nome")),  # C1 NEXT LINE
        ("Ma\x9brio", "", "P1", ("text.control", "nome")),  # C1 CSI
        ("Ma\u2028rio", "", "P1", ("text.control", "nome")),
        ("Ma\nrio", "", "P1", ("text.control", "nome")),  # a line break: not a named column
        ("Evil\u202etxt.exe", "", "P1", ("text.bidi", "nome")),
        ("Mario", "\u2066x\u2069", "P1", ("text.bidi", "note")),
        ("Mario", "", "\u202aP1", ("text.bidi", "pratica")),
    ],
)
def test_invisible_characters_make_the_row_invalid(
    nome: str, note: str, pratica: str, expected: tuple[str | None, str | None]
) -> None:
    assert check(parsed_job(Path("job.toml"), **INTEGRITY_JOB), [(nome, note, pratica)]) == [
        expected
    ]


def test_a_line_break_is_allowed_in_a_multiline_column_only() -> None:
    job = parsed_job(
        Path("job.toml"), input={"multiline_columns": list(("note",))}, **INTEGRITY_JOB
    )
    assert check(job, [("Mario", "uno\ndue", "P1"), ("Mario", "uno\rdue", "P1")]) == [
        (None, None),
        ("text.control", "note"),  # a CR inside a value is not a line break
    ]


# -- 6. the separator --------------------------------------------------------------------


def test_commas_in_a_header_name_do_not_make_a_semicolon_file_comma_separated(
    tmp_path: Path,
) -> None:
    data = "cf;nome;Indirizzo, CAP, Città, Provincia\nA;Rossi;Via Roma 1\nB;Verdi;Via Po 2\n"
    with open_input(InputSpec(write(tmp_path, data.encode())), ("cf", "nome")) as source:
        assert source.separator == ";"
        assert source.header == ["cf", "nome", "Indirizzo, CAP, Città, Provincia"]


def test_excel_sep_line_names_the_separator_and_lines_stay_physical(tmp_path: Path) -> None:
    data = b"sep=,\ncf,nome;cognome\nA,Rossi;Mario\nB,Verdi;Anna\n"
    path = write(tmp_path, data)
    with open_input(InputSpec(path), ("cf",)) as source:
        assert (source.separator, source.header_line) == (",", 2)
    frame = read_all(path)
    assert frame.select(LINE_COLUMN, "cf", "nome;cognome").rows() == [
        (3, "A", "Rossi;Mario"),
        (4, "B", "Verdi;Anna"),
    ]


def test_missing_columns_name_the_separator_and_how_to_force_another(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf,nome\nA,1\n")
    with pytest.raises(InputError) as raised:
        open_input(InputSpec(path, separator=";"), ("cf",))
    assert "with separator ';'" in str(raised.value)
    path = write(tmp_path, b"cf,nome,x\nA,1,2\n")
    with pytest.raises(InputError) as raised:
        open_input(InputSpec(path), ("codice_fiscale",))
    assert "(read with separator ',')" in str(raised.value)
    assert "--separator" in str(raised.value)


# -- 8. values too long for any IO message -----------------------------------------------


def test_a_cell_over_the_cap_is_refused_and_cut_on_both_readers(tmp_path: Path) -> None:
    long = "x" * (MAX_CELL_BYTES + 1)
    fits = "é" * (MAX_CELL_BYTES // 2)  # exactly the cap in bytes
    data = f'cf;note\nA;{long}\nB;{fits}\nC;"{long}\nrest"\nD;ok\n'.encode()
    frame = read_all(write(tmp_path, data), multiline=("note",))
    assert codes(frame) == [(2, "csv.too_long"), (3, ""), (4, "csv.too_long"), (6, "")]
    notes = frame.get_column("note").to_list()
    assert notes[0] == "x" * KEPT_CHARACTERS and notes[2] == "x" * KEPT_CHARACTERS
    assert notes[1] == fits
    assert frame.row(0)[1] == (
        "csv.too_long: the value in column 'note' is 32769 bytes long; no IO message field "
        "takes more than 32,768 (the markdown at most 10,000 characters)"
    )


def test_a_line_longer_than_a_chunk_is_refused_without_being_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 1 << 12)
    monkeypatch.setattr(input_limits, "LONGEST_LINE", 1 << 10)
    huge = "y" * 50_000
    data = f"cf;note\nA;1\nB;{huge}\nC;3\n".encode()
    read_lines: list[int] = []
    original = input_lines.Lines._read

    def spy(self: Any) -> str | None:
        line = original(self)
        read_lines.append(len(line or ""))
        return line

    monkeypatch.setattr(input_lines.Lines, "_read", spy)
    frame = read_all(write(tmp_path, data))
    assert codes(frame) == [(2, ""), (3, "csv.too_long"), (4, "")]
    assert frame.row(1)[2:] == ("B", "y" * (200 - 2))  # only the line's start is kept
    assert max(read_lines) <= 1 << 10  # never more than a line limit held at once


line_text = st.text(alphabet='ab;"', min_size=0, max_size=8)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line_text, min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_no_line_is_ever_merged_into_another_row(
    tmp_path: Path, lines: list[str], ending: str
) -> None:
    """Whatever quotes a file holds, with no multi-line column every line that holds a
    letter is a row of its own, and no value holds a line break."""
    data = ending.join(["cf;nome", *lines]) + ending
    frame = read_all(write(tmp_path, data.encode()))
    with_letters = [number for number, line in enumerate(lines, 2) if any(c in line for c in "ab")]
    assert set(with_letters) <= set(frame.get_column(LINE_COLUMN).to_list())
    assert frame.get_column(LINE_COLUMN).is_unique().all()
    for name in ("cf", "nome"):
        assert not frame.get_column(name).str.contains("[\r\n]").any()
