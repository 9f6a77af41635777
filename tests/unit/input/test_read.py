"""Reading the recipient CSV: encodings, separators, headers, exact lines, damage recovery."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input import read
from batch.input import scan as input_scan
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.read import open_input
from batch.input.record_shape import RecordShape


def write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(
    path: Path,
    *,
    encoding: str = "auto",
    separator: str | None = None,
    required: tuple[str, ...] = (),
    batch_size: int = 100_000,
    multiline: tuple[str, ...] = (),
) -> tuple[read.InputFile, pl.DataFrame]:
    with open_input(InputSpec(path, encoding, separator, multiline), required) as source:
        frames = list(source.batches(batch_size))
        empty = pl.DataFrame(
            schema={LINE_COLUMN: pl.Int64, CSV_ERROR_COLUMN: pl.String}
            | dict.fromkeys(source.header, pl.String)
        )
        return source, pl.concat([empty, *frames])


def rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.rows()


# -- encodings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "cp1252"),
        ("utf-16", b"", "utf-16"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, bom: bytes, detected: str) -> None:
    text = "cf;nome\nA;Niccolò €\n"
    path = write(tmp_path, bom + text.encode(encoding))
    source, frame = read_all(path, required=("cf",))
    assert source.encoding == detected
    assert rows(frame) == [(2, None, "A", "Niccolò €")]


def test_latin1_when_a_byte_is_undefined_in_cp1252(tmp_path: Path) -> None:
    path = write(tmp_path, "cf;nome\nA;è\x81\n".encode("latin-1"))
    source, frame = read_all(path)
    assert source.encoding == "latin-1"
    assert rows(frame) == [(2, None, "A", "è\x81")]


def test_a_late_windows_1252_byte_switches_the_whole_file(tmp_path: Path) -> None:
    data = b"cf;nome\n" + b"A;x\n" * 30_000 + "B;Perché\n".encode("cp1252")
    source, frame = read_all(write(tmp_path, data), batch_size=7_000)
    assert source.encoding == "cp1252"
    assert frame.height == 30_001
    assert frame.row(-1) == (30_002, None, "B", "Perché")


def test_explicit_utf8_refuses_other_bytes_with_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;x\nB;\xe8\n")
    with pytest.raises(InputError, match=r"not valid UTF-8 at line 3.*cp1252"):
        read_all(path, encoding="utf-8")


def test_mixed_encodings_are_refused(tmp_path: Path) -> None:
    data = "cf;nome\nA;Niccolò\n".encode() + b"B;" + "è".encode("cp1252") + b"\n"
    with pytest.raises(InputError, match=r"line 3.*mixes encodings"):
        read_all(write(tmp_path, data))


def test_explicit_cp1252_with_an_undefined_byte(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;\x81\n")
    with pytest.raises(InputError, match=r"not valid cp1252 at line 2.*latin-1"):
        read_all(path, encoding="cp1252")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="NUL bytes"):
        read_all(write(tmp_path, b"cf\x00;x\n"))


def test_transcoded_copy_is_private_and_removed(tmp_path: Path) -> None:
    path = write(tmp_path, "cf;nome\nA;è\n".encode("cp1252"))
    with open_input(InputSpec(path), ()) as source:
        copy = source._prepared.path
        assert copy != path
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert copy.read_text("utf-8") == "cf;nome\nA;è\n"
    assert not copy.exists()


# -- separators, header ----------------------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_separators_are_detected(tmp_path: Path, separator: str) -> None:
    path = write(
        tmp_path, f"cf{separator}nome{separator}importo\nA{separator}b{separator}1\n".encode()
    )
    source, frame = read_all(path)
    assert source.separator == separator
    assert rows(frame) == [(2, None, "A", "b", "1")]


def test_header_names_are_matched_ignoring_case_and_blanks(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf Codice  Fiscale ;NOME\nA;b\n")
    with open_input(InputSpec(path), ["codice fiscale", "nome"]) as source:
        assert source.header == [" Codice  Fiscale ", "NOME"]
        assert source.resolve("codice fiscale") == " Codice  Fiscale "
        assert source.resolve("Nome") == "NOME"
        frame = next(source.batches())
        assert frame.columns == [LINE_COLUMN, CSV_ERROR_COLUMN, " Codice  Fiscale ", "NOME"]


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;b\n")
    with pytest.raises(InputError, match=r"no column\(s\) 'importo', 'anno'.*'cf', 'nome'"):
        read_all(path, required=("cf", "importo", "anno"))


def test_no_header_line_is_recognised(tmp_path: Path) -> None:
    path = write(tmp_path, b"RSSMRA85T10A562S;Mario\nBNCGLI70A41H501A;Anna\n")
    with pytest.raises(InputError, match="holds data, not column names"):
        read_all(path, required=("codice_fiscale",))


def test_wrong_explicit_separator_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;b\n")
    with pytest.raises(InputError, match=r"one single column.*separator.*auto"):
        read_all(path, separator=",", required=("cf", "nome"))


def test_ambiguous_column_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"Nome;NOME\nA;b\n")
    with pytest.raises(InputError) as caught:
        read_all(path, required=("nome",))
    assert caught.value.message == (
        f"column 'nome' is ambiguous in {path}: the columns 'Nome' and 'NOME' both match it"
    )
    assert caught.value.hint == "rename or remove one of them in the file"


def test_resolving_an_ambiguous_name_on_an_open_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;Nome;NOME\nA;b;c\n")
    with pytest.raises(InputError) as caught:
        open_input(InputSpec(path), ["cf"]).resolve("nome")
    assert caught.value.message == (
        f"column 'nome' is ambiguous in {path}: the columns 'Nome' and 'NOME' both match it"
    )


def test_duplicate_header_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="appears twice"):
        read_all(write(tmp_path, b"cf;x;x\nA;1;2\n"))


def test_empty_header_names_get_a_name(tmp_path: Path) -> None:
    source, frame = read_all(write(tmp_path, b"cf;;x;\nA;1;2;3\n"))
    assert source.header == ["cf", "column_2", "x", "column_4"]
    assert rows(frame) == [(2, None, "A", "1", "2", "3")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\n  \n", "empty"),
        (b"cf;nome\rA;b\r", "old Mac line endings"),
        (b'cf;"nome\nA;b\n', "unbalanced quote"),
    ],
)
def test_bad_files(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_all(write(tmp_path, data))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_all(tmp_path / "nope.csv")


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    _, frame = read_all(write(tmp_path, b"cf;nome\n"))
    assert frame.height == 0


def test_leading_blank_lines_move_the_header(tmp_path: Path) -> None:
    source, frame = read_all(write(tmp_path, b"\n\ncf;nome\nA;b\n"))
    assert source.header_line == 3
    assert rows(frame) == [(4, None, "A", "b")]


# -- lines, quotes, damage ---------------------------------------------------------------


def test_leading_zeros_and_blanks_survive(tmp_path: Path) -> None:
    _, frame = read_all(write(tmp_path, b"cf;avviso;importo\n A ;002000100000009424;0012\n"))
    assert rows(frame) == [(2, None, " A ", "002000100000009424", "0012")]


def test_crlf_blank_lines_and_separator_rows(tmp_path: Path) -> None:
    data = b"cf;nome\r\nA;1\r\n\r\n  \r\n;\r\n ; \r\nB;2\r\n"
    _, frame = read_all(write(tmp_path, data))
    assert rows(frame) == [(2, None, "A", "1"), (7, None, "B", "2")]


def test_quoted_line_breaks_keep_physical_line_numbers(tmp_path: Path) -> None:
    data = b'cf;note\nA;"one\ntwo\nthree"\nB;"x;y"\nC;"say ""hi"""\r\nD;e\n'
    _, frame = read_all(write(tmp_path, data), batch_size=2, multiline=("note",))
    assert rows(frame) == [
        (2, None, "A", "one\ntwo\nthree"),
        (5, None, "B", "x;y"),
        (6, None, "C", 'say "hi"'),
        (7, None, "D", "e"),
    ]


def test_damaged_lines_become_invalid_rows_and_hide_nothing(tmp_path: Path) -> None:
    data = b'cf;nome\nA;1\nB;2;extra\nC\nD;"never closed\nE;5\nF;6\n'
    _, frame = read_all(write(tmp_path, data))
    errors = {line: (error or "").split(":")[0] for line, error, *_ in rows(frame)}
    assert errors == {
        2: "",
        3: "csv.field_count",
        4: "csv.field_count",
        5: "csv.quote",
        6: "",
        7: "",
    }
    assert frame.filter(pl.col(LINE_COLUMN) == 3).row(0) == (
        3,
        "csv.field_count: 3 fields where the header has 2 with separator ';'; is a value with "
        "the separator not in quotes? If the file uses another separator, force another with "
        '--separator or input.separator (",", ";" or "tab")',
        "B",
        "2",
    )


def test_a_quote_running_to_the_end_of_the_file_is_broken(tmp_path: Path) -> None:
    _, frame = read_all(write(tmp_path, b'cf;nome\nA;"x\nB;y\n'))
    assert [(line, (error or "")[:9]) for line, error, *_ in rows(frame)] == [
        (2, "csv.quote"),
        (3, ""),
    ]


def test_a_closed_value_longer_than_the_limit_is_one_refused_row(tmp_path: Path) -> None:
    body = "\n".join(f"line {n}" for n in range(300))
    data = f'cf;nome\nA;"{body}"\nZ;1\n'.encode()
    _, frame = read_all(write(tmp_path, data))
    assert rows(frame) == [
        (
            2,
            "csv.too_many_lines: a quoted value in column 'nome' runs from line 2 to line 301 "
            "(300 lines); a value may span at most 200 lines. The whole value is this one row "
            "(only its start is kept in the results)",
            "A",
            body[:100],
        ),
        (302, None, "Z", "1"),
    ]


def test_a_quote_never_closed_past_the_limit_is_broken(tmp_path: Path) -> None:
    body = "\n".join(f"line {n}" for n in range(300))
    _, frame = read_all(write(tmp_path, f'cf;nome\nA;"{body}\n'.encode()))
    assert frame.height == 300  # the line alone, then each line of the "value" on its own
    assert str(frame.row(0)[1]).startswith("csv.quote: a quote opened on this line is never")
    assert frame.row(0)[2:] == ("A", '"line 0')
    assert frame.get_column(LINE_COLUMN).to_list() == list(range(2, 302))


def test_batches_can_be_read_again(tmp_path: Path) -> None:
    path = write(tmp_path, b"cf;nome\nA;1\nB;2\nC;3\n")
    with open_input(InputSpec(path), ()) as source:
        first = [frame.rows() for frame in source.batches(2)]
        again = [frame.rows() for frame in source.batches(2)]
    assert first == again
    assert sum(len(batch) for batch in first) == 3


def test_fast_and_exact_readers_agree(tmp_path: Path) -> None:
    clean = b"".join(f"C{n};{n:05d};x\n".encode() for n in range(500))
    damaged = b"cf;n;x\n" + clean + b"bad;line\n" + clean
    _, frame = read_all(write(tmp_path, damaged), batch_size=64)
    lines = frame.get_column(LINE_COLUMN).to_list()
    assert lines == list(range(2, 1003))
    assert frame.filter(pl.col(CSV_ERROR_COLUMN).is_not_null()).get_column(
        LINE_COLUMN
    ).to_list() == [502]
    assert frame.filter(pl.col(LINE_COLUMN) == 503).row(0) == (503, None, "C0", "00000", "x")


@pytest.mark.parametrize(
    ("chunk", "regular", "first"),
    [
        (b"1;2\n3;4\n", True, None),
        (b"1;2\r\n3;4", True, None),
        (b"1;2\n3;4\n5\n6;7\n", False, 2),
        (b"1;2\n\n ; \n6;7\n", False, None),  # blank lines are fine
        (b'"1";"2;3"\n"x"y;1\n', False, 1),  # text after a closing quote
        (b'1;"a\n', False, 0),  # a quote still open at the end of the line
        (b"1;2\n3;4\r5\n", False, 1),  # a CR inside a line
        (b"1;2;3\n4\n", True, None),  # balanced counts: polars refuses the long line
    ],
)
def test_chunk_checks(chunk: bytes, regular: bool, first: int | None) -> None:
    assert input_scan.looks_regular(chunk, ";", 2, input_scan.line_count(chunk)) is regular
    if not regular:
        assert input_scan.first_irregular(chunk, ";", 2) == first


def test_balanced_damage_is_still_found(tmp_path: Path) -> None:
    """A long and a short line whose separator counts add up to the right total."""
    _, frame = read_all(write(tmp_path, b"a;b\n1;2\n3;4;5\n6\n7;8\n"))
    errors = [(line, (error or "")[:15]) for line, error, *_ in frame.rows()]
    assert errors == [(2, ""), (3, "csv.field_count"), (4, "csv.field_count"), (5, "")]


def test_chunks_hold_whole_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 7)
    path = write(tmp_path, b"h\nabc\nde\nfg\nm\nlast")
    assert list(input_scan.chunks(path, 1)) == [
        (2, b"abc\nde\n", 2),
        (4, b"fg\nm\n", 2),
        (6, b"last", 1),
    ]


def test_a_line_longer_than_a_chunk_is_never_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 7)
    path = write(tmp_path, b"h\nabc\ndefghijkl\nm\nlast")
    # The chunks stop with an empty one at that line: the exact reader takes over there.
    assert list(input_scan.chunks(path, 1)) == [(2, b"abc\n", 1), (3, b"", 0)]


def test_lines_stay_exact_across_many_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 64)
    body = b"".join(f"C{n};{n}\n".encode() if n % 7 else b"\n" for n in range(1, 300))
    data = b"cf;n\n" + body + b'X;"a\nb"\nY;1\n'
    _, frame = read_all(write(tmp_path, data), batch_size=5, multiline=("n",))
    expected = [n + 1 for n in range(1, 300) if n % 7] + [301, 303]
    assert frame.get_column(LINE_COLUMN).to_list() == expected
    assert frame.row(-2)[3] == "a\nb"


# -- round trip: what the csv module writes, we read back ----------------------------------

# No lone CR: the csv module writes a cell ending in \r unquoted when lines end in \n, and
# then `0\r\n` is a CRLF to any reader.
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff")
    | st.sampled_from([",", ";", "\t", '"', "\n", " "]),
    max_size=12,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=8),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_round_trip(
    tmp_path: Path, table: list[list[str]], separator: str, encoding: str, ending: str
) -> None:
    if encoding == "cp1252":
        table = [
            [cell.encode("cp1252", "replace").decode("cp1252") for cell in row] for row in table
        ]
    # A row whose cells are all blank is no row; a first cell with a line break is kept.
    kept = [row for row in table if any(cell.strip() for cell in row)]
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=separator, lineterminator=ending, quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow(["cf", "nome", "note"])
    # A line of a value that looks like a record is refused (test_input_integrity): here
    # only values whose lines do not.
    shape = RecordShape(separator, 3)
    for row in table:
        start = buffer.tell()
        writer.writerow(row)
        physical = buffer.getvalue()[start:].split("\n")[1:-1]
        assume(all(shape.why_a_record(line) is None for line in physical))
    path = tmp_path / "round.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    # cp1252 is named: random cp1252 text can be valid UTF-8 too (C2 A0 is "Â " in cp1252
    # and a no-break space in UTF-8), which no detector can tell apart; the detection of real
    # exports is tested above.
    named = "cp1252" if encoding == "cp1252" else "auto"
    _, frame = read_all(path, separator=separator, encoding=named, multiline=("cf", "nome", "note"))
    got = [list(row[2:]) for row in frame.rows()]
    # csv quotes a cell with \r\n, and the value comes back with \r\n inside: the same text.
    assert got == kept
    assert frame.get_column(CSV_ERROR_COLUMN).null_count() == frame.height


@pytest.mark.parametrize("start", ["x^", "x\x01", "x\x9c", "x\xda"])
def test_a_row_that_starts_like_zlib_is_read_as_text(tmp_path: Path, start: str) -> None:
    # polars takes bytes that start with a zlib magic number for a compressed stream
    # ("corrupt deflate stream"); the exact reader reads that batch instead.
    path = tmp_path / "zlib.csv"
    path.write_text(f"cf,nome,note\n{start}4,,\nRSSMRA85T10A562S,Mario,ok\n", encoding="utf-8")
    _, frame = read_all(path, separator=",", encoding="utf-8", multiline=())
    assert [list(row[2:]) for row in frame.rows()] == [
        [f"{start}4", "", ""],
        ["RSSMRA85T10A562S", "Mario", "ok"],
    ]
