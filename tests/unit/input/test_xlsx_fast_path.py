"""Issue 25 point 8: the fast way through an .xlsx (rows all alike read by polars' CSV
reader, a column at a time, in one pass on two threads) reads exactly what the general
way reads, cell for cell, refusal for refusal; and the sheet is parsed once."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input import (
    ods_spool,
    workbook_grid,
    workbook_stream,
    workbook_wide,
    xlsx_dense,
    xlsx_parts,
    xlsx_sheet,
)
from batch.input.read import open_input
from tests.unit.input.test_xlsx_stream import CODE, write_book

FIXTURES = Path(__file__).parents[2] / "fixtures"
WORKBOOKS = [*sorted((FIXTURES / "workbooks").glob("*.xlsx")), FIXTURES / "ods/exclusions.xlsx"]
#: Cell styles of the generated books: General, 0.00, a date, a percentage, text, 00000.
XFS = [0, 2, 14, 10, 49, 164]
FORMATS = {164: "00000"}
SHARED = ["Mario", "Nicol&#242;", "  spazi  ", 'a "b" > c', "x_x0041_y"]


def read_all(path: Path, required: list[str]) -> pl.DataFrame:
    with open_input(InputSpec(path), required) as source:
        return pl.concat(list(source.batches()))


def outcome(path: Path, required: list[str]) -> pl.DataFrame | str:
    try:
        return read_all(path, required)
    except InputError as refused:
        return f"{refused} / {refused.hint}"


@pytest.mark.parametrize("book", WORKBOOKS, ids=lambda path: path.name)
@pytest.mark.parametrize("piece_size", [64, 900, 6000])
def test_every_fixture_reads_the_same_in_pieces_of_any_size(
    book: Path, piece_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small pieces put the rows after the header through the fast way (one row a
    piece: always alike; a few rows: alike or not); whole, the file is one piece. The
    first filled rows (a title's refusal quotes them) are read the general way: two
    here, so that the fixtures' few rows go the fast way."""
    monkeypatch.setattr(workbook_stream, "_TOP_ROWS", 2)
    whole = outcome(book, [])
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", piece_size)
    fast: list[int] = []
    original = xlsx_dense.cells

    def counted(piece: bytes, letters: list[str]) -> object:
        found = original(piece, letters)
        fast.append(found is not None)
        return found

    monkeypatch.setattr(xlsx_dense, "cells", counted)
    pieces = outcome(book, [])
    if isinstance(whole, str):
        assert pieces == whole
    else:
        assert isinstance(pieces, pl.DataFrame)
        assert pieces.equals(whole)
    if book.name == "formats.xlsx" and piece_size == 64:
        assert any(fast), "LibreOffice's rows, one a piece, take the fast way"


def _cell(ref: str, spec: tuple[str, int, int]) -> str:
    kind, style, pick = spec
    values = ["12.5", "538.0700000000001", "46372", "-3", "0.1", "1E+20", "184", "0"]
    if kind == "missing":
        return ""
    if kind == "empty":
        return f'<c r="{ref}" s="{style}"/>'
    if kind == "number":
        return f'<c r="{ref}" s="{style}"><v>{values[pick % len(values)]}</v></c>'
    if kind == "typed number":
        return f'<c r="{ref}" s="{style}" t="n"><v>{values[pick % len(values)]}</v></c>'
    if kind == "shared":
        return f'<c r="{ref}" s="{style}" t="s"><v>{pick % len(SHARED)}</v></c>'
    if kind == "inline":
        return f'<c r="{ref}" t="inlineStr"><is><t>{SHARED[pick % len(SHARED)]}</t></is></c>'
    if kind == "preserve":
        text = SHARED[pick % len(SHARED)]
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if kind == "boolean":
        return f'<c r="{ref}" t="b"><v>{pick % 2}</v></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>{["#N/A", "#DIV/0!", "#VALUE!"][pick % 3]}</v></c>'
    return f'<c r="{ref}" t="str"><f>A1&amp;"x"</f><v>{SHARED[pick % len(SHARED)]}</v></c>'


KINDS = st.sampled_from(
    [
        "missing",
        "empty",
        "number",
        "typed number",
        "shared",
        "inline",
        "preserve",
        "boolean",
        "error",
        "formula",
    ]
)
CELL = st.tuples(KINDS, st.integers(0, len(XFS) - 1), st.integers(0, 20))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    extra=st.booleans(),
    alike=st.booleans(),
)
def test_the_fast_way_shows_what_the_general_way_shows(
    tmp_path: Path, rows: list[list[tuple[str, int, int]]], extra: bool, alike: bool
) -> None:
    """Any mix of cells, rows alike or not: where the fast way reads a piece, its rows
    (texts, problems, line numbers) are the general way's. ``alike``: every row's cells
    of the first row's kinds and styles, their values their own (a list's rows)."""
    if alike:
        rows = [
            [
                (kind, style, value)
                for (kind, style, _), (_, _, value) in zip(rows[0], cells, strict=True)
            ]
            for cells in rows
        ]
    sheet = ""
    for number, cells in enumerate(rows, start=2):
        body = "".join(
            _cell(f"{letter}{number}", spec) for letter, spec in zip("ABC", cells, strict=True)
        )
        if extra:  # a cell right of the header's columns: not read
            body += f'<c r="D{number}"><v>1</v></c>'
        sheet += f'<row r="{number}">{body}</row>'
    path = write_book(
        tmp_path / "in.xlsx",
        sheet,
        shared=[f"<t>{text}</t>" for text in SHARED],
        formats=FORMATS,
        xfs=XFS,
    )
    with zipfile.ZipFile(path) as archive:
        shared = xlsx_parts.shared_strings(archive, path)
        book = xlsx_parts.read_book(archive, path)
        piece = archive.read("xl/worksheets/sheet1.xml")
    styles = workbook_grid.Styles(book.formats)
    names = ["uno", "due", "tre"]
    used = {"uno", "due", "tre"}
    general = xlsx_sheet.cells(piece, shared, path)
    assert isinstance(general, pl.DataFrame)
    expected = workbook_grid.rows(workbook_grid.shown(general, styles), names, used, 1)
    fast = xlsx_sheet.cells(piece, shared, path, ["A", "B", "C"])
    if isinstance(fast, pl.DataFrame):
        assert xlsx_dense.cells(piece, ["A", "B", "C"]) is None
        event("the general way")
        return
    event("the fast way")
    got = workbook_wide.wide_rows(fast, styles, names, used, 1)
    assert got.equals(expected)


def test_rows_alike_take_the_fast_way_and_rows_that_differ_do_not() -> None:
    alike = (
        '<sheetData><row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" s="1"><v>12.5</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" s="1"><v>3</v></c></row>'
    )
    read = xlsx_dense.cells(alike.encode(), ["A", "B"])
    assert read is not None
    rows, columns = read
    assert rows.to_list() == [2, 3]
    assert columns[0].type == "s" and columns[0].value.to_list() == ["0", "1"]
    assert columns[1].type == "n" and columns[1].style.to_list() == [1, 1]
    for other in (
        alike.replace('<c r="B3" s="1"><v>3</v></c>', ""),  # a missing cell
        alike.replace('<c r="A3"', '<c r="C3"'),  # another column
        alike.replace('<c r="A3"', '<c r="AA3"'),  # a column whose name starts alike
        alike.replace("<v>3</v>", "<is><r><t>3</t></r></is>"),  # rich text
        alike.replace("<v>3</v>", "<v>3</v><extLst/>"),  # another element in the last cell
        alike.replace("<v>1</v>", "<v>1\n</v>"),  # a line break
        alike.replace('<row r="3">', "<row>"),  # a row without its number
    ):
        assert xlsx_dense.cells(other.encode(), ["A", "B"]) is None, other


def test_shared_strings_in_single_runs_read_like_the_general_way() -> None:
    items = [
        "<si><t>Mario</t></si>",
        '<si><t xml:space="preserve">  Nicol&#242; </t></si>',
        '<si><t>a "b" &gt; c &amp; d</t></si>',
        "<si><t></t></si>",
    ]
    chunk = ("".join(items)).encode()
    fast = xlsx_parts._plain_strings(chunk)
    assert fast is not None
    assert fast.to_list() == ["Mario", "  Nicol&#242; ", 'a "b" &gt; c &amp; d', ""]
    rich = chunk + b"<si><r><t>Ro</t></r><r><t>ssi</t></r></si>"
    assert xlsx_parts._plain_strings(rich) is None
    assert xlsx_parts._strings(rich).to_list()[-1] == "Rossi"


def _long_sheet(path: Path, rows: int, hidden: int | None) -> Path:
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>codice_fiscale</t></is></c></row>'
    mark = ' hidden="1"'
    body = "".join(
        f'<row r="{n}"{mark if n == hidden else ""}>'
        f'<c r="A{n}" t="inlineStr"><is><t>{CODE}</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    return write_book(path, header + body)


@pytest.mark.parametrize("piece_size", [4 << 20, 2000])
def test_a_row_hidden_deep_in_the_sheet_refuses_it_before_any_row_is_used(
    tmp_path: Path, piece_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", piece_size)
    path = _long_sheet(tmp_path / "in.xlsx", 3000, hidden=2500)
    with pytest.raises(InputError, match=r"hidden rows \(2500\)"):
        open_input(InputSpec(path), ["codice_fiscale"])


def test_a_hidden_row_is_named_before_a_header_that_lacks_the_jobs_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header is refused before the pass ends: the sheet is scanned for what it
    hides all the same, which is named first (it may be why the header looks wrong)."""
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", 2000)
    path = _long_sheet(tmp_path / "in.xlsx", 3000, hidden=2500)
    with pytest.raises(InputError, match=r"hidden rows \(2500\)"):
        open_input(InputSpec(path), ["nome"])
    clean = _long_sheet(tmp_path / "clean.xlsx", 3000, hidden=None)
    with pytest.raises(InputError, match=r"has no column\(s\) 'nome'"):
        open_input(InputSpec(clean), ["nome"])


def test_the_sheet_is_parsed_once_and_read_back_from_a_private_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", 2000)
    path = _long_sheet(tmp_path / "in.xlsx", 3000, hidden=None)
    passes: list[str] = []
    original = xlsx_sheet.pieces

    def counted(archive: zipfile.ZipFile, part: str, where: Path) -> object:
        passes.append(part)
        return original(archive, part, where)

    monkeypatch.setattr(xlsx_sheet, "pieces", counted)
    spools: list[ods_spool.Spool] = []
    monkeypatch.setattr(ods_spool.Spool, "__init__", _recording(ods_spool.Spool.__init__, spools))
    with open_input(InputSpec(path), ["codice_fiscale"]) as source:
        first = pl.concat(list(source.batches(700)))
        again = pl.concat(list(source.batches()))
        folder = spools[0]._folder
        assert folder.stat().st_mode & 0o777 == 0o700
    assert passes == ["xl/worksheets/sheet1.xml"]
    assert first.equals(again)
    assert first.height == 3000
    assert first.get_column("_line").to_list() == list(range(2, 3002))
    assert not folder.exists()


def _recording(init: object, spools: list[ods_spool.Spool]) -> object:
    def record(self: ods_spool.Spool) -> None:
        init(self)  # type: ignore[operator]
        spools.append(self)

    return record
