"""Issue 25: the streamed .xlsx reader on the XML spellings writers use, and .xls files
that are not what their extension says."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.read import open_input

CODE = "RSSMRA85T10A562S"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def write_book(
    path: Path,
    sheet_data: str,
    *,
    shared: list[str] = (),  # type: ignore[assignment]
    formats: dict[int, str] | None = None,
    xfs: list[int] = (0,),  # type: ignore[assignment]
    date1904: bool = False,
    application: str = "Microsoft Excel",
    prefix: str = "",
) -> Path:
    """A minimal .xlsx: ``sheet_data`` is the inside of ``<sheetData>``; ``shared`` the
    raw ``<si>`` bodies; ``xfs`` the numFmtId of each cell style."""
    custom = "".join(
        f'<numFmt numFmtId="{key}" formatCode="{code}"/>' for key, code in (formats or {}).items()
    )
    styles = (
        f'<styleSheet {MAIN}><numFmts count="{len(formats or {})}">{custom}</numFmts>'
        f'<cellXfs count="{len(xfs)}">'
        + "".join(f'<xf numFmtId="{fmt}" fontId="0" xfId="0"/>' for fmt in xfs)
        + "</cellXfs></styleSheet>"
    )
    ns = (
        f'xmlns:{prefix[:-1]}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        if prefix
        else MAIN
    )
    pr = f'<workbookPr date1904="{"1" if date1904 else "0"}"/>'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook {MAIN} {RELS}>{pr}<sheets><sheet name="Foglio1" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/styles.xml", styles)
        archive.writestr(
            "xl/sharedStrings.xml",
            f"<sst {MAIN}>" + "".join(f"<si>{body}</si>" for body in shared) + "</sst>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f"<{prefix}worksheet {ns}><{prefix}sheetData>{sheet_data}</{prefix}sheetData>"
            f"</{prefix}worksheet>",
        )
        archive.writestr(
            "docProps/app.xml", f"<Properties><Application>{application}</Application></Properties>"
        )
    return path


def read_all(path: Path, required: list[str]) -> pl.DataFrame:
    with open_input(InputSpec(path), required) as source:
        return pl.concat(list(source.batches()))


def test_shared_strings_rich_text_entities_and_escapes(tmp_path: Path) -> None:
    shared = [
        "<t>codice_fiscale</t>",
        "<t>nome</t>",
        f"<t>{CODE}</t>",
        '<r><rPr><b/></rPr><t xml:space="preserve">Anna </t></r><r><t>D&apos;Amico</t></r>'
        "<rPh><t>ignored</t></rPh>",
        "<t>Rossi &amp; figli_x000D_</t>",
        "<t/>",
    ]
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>4</v></c></row>'
        '<row r="4"><c r="A4" t="s"><v>2</v></c><c r="B4" t="inlineStr"><is><r><t>a&lt;</t>'
        "</r><r><t>b</t></r></is></c></row>"
        '<row r="5"><c r="A5" t="s"><v>2</v></c><c r="B5" t="str"><f>A1</f><v>x&amp;y</v></c>'
        "</row>"
    )
    frame = read_all(write_book(tmp_path / "in.xlsx", rows, shared=shared), ["codice_fiscale"])
    assert frame.get_column("nome").to_list() == ["Anna D'Amico", "Rossi & figli\r", "a<b", "x&y"]


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_unusual_spellings_take_the_general_path(tmp_path: Path, prefix: str) -> None:
    # Attributes in another order (s before r), and namespace prefixes.
    c = f"{prefix}c"
    v = f"{prefix}v"
    rows = (
        f'<{prefix}row r="1"><{c} t="inlineStr" r="A1"><{prefix}is><{prefix}t>codice_fiscale'
        f'</{prefix}t></{prefix}is></{c}><{c} r="B1" t="inlineStr"><{prefix}is><{prefix}t>'
        f"cap</{prefix}t></{prefix}is></{c}></{prefix}row>"
        f'<{prefix}row r="2"><{c} t="inlineStr" r="A2"><{prefix}is><{prefix}t>{CODE}</{prefix}t>'
        f'</{prefix}is></{c}><{c} s="1" r="B2"><{v}>184</{v}></{c}></{prefix}row>'
    )
    path = write_book(
        tmp_path / "in.xlsx", rows, formats={164: "00000"}, xfs=[0, 164], prefix=prefix
    )
    frame = read_all(path, ["codice_fiscale"])
    assert frame.select(LINE_COLUMN, "codice_fiscale", "cap").rows() == [(2, CODE, "00184")]


def test_errors_booleans_and_the_1904_date_system(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>codice_fiscale</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>data</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>ok</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{CODE}</t></is></c>'
        '<c r="B2" s="1"><v>0</v></c><c r="C2" t="b"><v>0</v></c></row>'
        f'<row r="3"><c r="A3" t="inlineStr"><is><t>{CODE}</t></is></c>'
        '<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C3" s="1"/></row>'
    )
    path = write_book(tmp_path / "in.xlsx", rows, xfs=[0, 14], date1904=True)
    frame = read_all(path, ["codice_fiscale", "data"])
    assert frame.select("data", "ok").rows() == [("01/01/1904", "FALSO"), ("#DIV/0!", "")]
    assert frame.get_column(CSV_ERROR_COLUMN).to_list() == [
        None,
        "cell.error: column 'data', cell B3 shows the error #DIV/0!: its formula could not be "
        "calculated, so the cell has no value to send; correct the formula (or type the "
        "value) and save",
    ]


def test_a_header_missing_the_same_name_twice_lists_it_once(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>codice_fiscale</t></is></c></row>'
    path = write_book(tmp_path / "in.xlsx", rows)
    with pytest.raises(InputError) as raised:
        open_input(InputSpec(path), ["codice_fiscale", "Nome", "nome", "Nome"])
    assert "has no column(s) 'Nome'; its columns (row 1" in str(raised.value)


def test_a_shared_string_the_file_lacks_is_a_file_error(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" t="s"><v>7</v></c></row>'
    with pytest.raises(InputError, match="names a shared string it does not have"):
        open_input(InputSpec(write_book(tmp_path / "in.xlsx", rows)), ["codice_fiscale"])


@pytest.mark.parametrize("suffix", [".xls", ".xlsx", ".xlsm"])
def test_a_csv_named_as_a_workbook_is_a_clear_file_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"in{suffix}"
    path.write_text(f"codice_fiscale\n{CODE}\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"is not a readable \{suffix} workbook") as raised:
        open_input(InputSpec(path), ["codice_fiscale"])
    assert "a CSV must be named .csv" in str(raised.value)
