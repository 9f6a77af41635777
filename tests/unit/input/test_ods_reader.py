"""The streamed .ods reader: repeats, shown text, roles, errors, layout, spool."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.ods_cells import amount_problem, column_letter
from batch.input.ods_reader import OdsInput
from batch.input.ods_xml import _SpanSpotter
from batch.input.read import open_input

CODE = "RSSMRA85T10A562S"
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def t(value: str, extra: str = "") -> str:
    return f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p></table:table-cell>'  # noqa: E501


def n(value: str, shown: str, kind: str = "float") -> str:
    return (
        f'<table:table-cell office:value-type="{kind}" office:value="{value}">'
        f"<text:p>{shown}</text:p></table:table-cell>"
    )


def d(value: str, shown: str) -> str:
    return (
        f'<table:table-cell office:value-type="date" office:date-value="{value}">'
        f"<text:p>{shown}</text:p></table:table-cell>"
    )


def err(shown: str, calcext: bool = True) -> str:
    marker = ' calcext:value-type="error"' if calcext else ""
    return (
        f'<table:table-cell table:formula="of:=NA()" office:value-type="string" '
        f'office:string-value=""{marker}><text:p>{shown}</text:p></table:table-cell>'
    )


def row(*cells: str, attributes: str = "") -> str:
    return f"<table:table-row{attributes}>{''.join(cells)}</table:table-row>"


def sheet(name: str, *rows: str, columns: str = "", style: str = "") -> str:
    styled = f' table:style-name="{style}"' if style else ""
    return f'<table:table table:name="{name}"{styled}>{columns}{"".join(rows)}</table:table>'


def ods(path: Path, *tables: str, manifest: str = "") -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS}>'
        '<office:automatic-styles><style:style style:name="hid" style:family="table">'
        '<style:table-properties table:display="false"/></style:style>'
        "</office:automatic-styles><office:body><office:spreadsheet>"
        f"{''.join(tables)}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        if manifest:
            archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def read(path: Path, required: tuple[str, ...] = ("codice_fiscale",), **spec) -> pl.DataFrame:
    with open_input(InputSpec(path, **spec), list(required)) as source:
        assert isinstance(source, OdsInput)
        return pl.concat(list(source.batches(2)))


def test_repeated_rows_and_cells_count_as_the_sheet_shows_them(tmp_path: Path) -> None:
    path = ods(
        tmp_path / "in.ods",
        sheet(
            "Foglio1",
            row(t("codice_fiscale"), t("a"), t("b")),
            row(t(CODE), t("x", ' table:number-columns-repeated="2"'),
                attributes=' table:number-rows-repeated="3"'),
            row('<table:table-cell table:number-columns-repeated="3"/>',
                attributes=' table:number-rows-repeated="2"'),
            row(t(CODE), t("y")),
            # LibreOffice's formatted empty rows down to the sheet's end: one step.
            row('<table:table-cell table:number-columns-repeated="1024"/>',
                attributes=' table:number-rows-repeated="1048000"'),
        ),
    )  # fmt: skip
    frame = read(path)
    assert frame.select(LINE_COLUMN, "codice_fiscale", "a", "b").rows() == [
        (2, CODE, "x", "x"),
        (3, CODE, "x", "x"),
        (4, CODE, "x", "x"),
        (7, CODE, "y", ""),
    ]


def test_a_cell_is_its_shown_text_spaces_spans_and_paragraphs_included(tmp_path: Path) -> None:
    rich = (
        '<table:table-cell office:value-type="string"><text:p>Via<text:s text:c="2"/>'
        '<text:span text:style-name="T1">Roma</text:span></text:p><text:p>int. 3'
        "<text:tab/>b</text:p></table:table-cell>"
    )
    comment = (
        '<table:table-cell office:value-type="string"><office:annotation><text:p>nota'
        "</text:p></office:annotation><text:p>Ada &amp; Bice</text:p></table:table-cell>"
    )
    path = ods(
        tmp_path / "in.ods",
        sheet(
            "Foglio1",
            row(t("codice_fiscale"), t("indirizzo"), t("nome"), t("iscritto"), t("cap")),
            row(t(CODE), rich, comment, n("true", "VERO", "boolean"), n("184", "00184")),
        ),
    )
    frame = read(path)
    assert frame.row(0)[2:] == (CODE, "Via  Roma\nint. 3\tb", "Ada & Bice", "VERO", "00184")


def test_the_sheet_by_index_by_name_with_an_apostrophe_or_the_first_visible(
    tmp_path: Path,
) -> None:
    path = ods(
        tmp_path / "in.ods",
        sheet("Note", row(t("nothing")), style="hid"),
        sheet("Contribuenti dell&apos;anno", row(t("codice_fiscale")), row(t(CODE))),
        sheet("Altro", row(t("codice_fiscale")), row(t("RSSMRA85T10A562X"))),
    )
    for wanted, expected in ((None, "Contribuenti dell'anno"), (3, "Altro"),
                             ("Contribuenti dell'anno", "Contribuenti dell'anno")):  # fmt: skip
        with open_input(InputSpec(path, sheet=wanted), ["codice_fiscale"]) as source:
            assert isinstance(source, OdsInput)
            assert source.sheet == expected
            assert source.encoding == f"ods workbook, sheet {expected!r}"
    with pytest.raises(InputError, match=r"has no sheet 'Foglio1'; its sheets are: 'Note', "):
        open_input(InputSpec(path, sheet="Foglio1"), ["codice_fiscale"])
    with pytest.raises(InputError, match=r"has 3 sheet\(s\)"):
        open_input(InputSpec(path, sheet=4), ["codice_fiscale"])


def test_roles_amount_refused_unless_plain_due_date_from_the_date(tmp_path: Path) -> None:
    path = ods(
        tmp_path / "in.ods",
        sheet(
            "Foglio1",
            row(t("codice_fiscale"), t("importo"), t("scadenza"), t("nota")),
            row(t(CODE), n("12.5", "12,50"), d("2026-12-16T00:00:00", "mer 16 dic 2026"),
                d("2026-12-16", "16/12/2026")),
            row(t(CODE), n("1234.5", "1.234,50"), d("2026-03-29T10:30:00", "29/03/26 10:30"),
                t("x")),
            row(t(CODE), t("12,50"), t("16/12/2026"), t("x")),
            row(t(CODE), n("184", "00184"), t("16/12/2026"), t("x")),
            row(t(CODE), n("0.5", "50%", "percentage"), t("16/12/2026"), t("x")),
            row(t(CODE), n("12.5", "12,50 €", "currency"), t("16/12/2026"), t("x")),
            row(t(CODE), n("12.345", "12,35"), t("16/12/2026"), t("x")),
            row(t(CODE), d("2026-12-16", "16/12/2026"), t("16/12/2026"), t("x")),
        ),
    )  # fmt: skip
    frame = read(
        path,
        required=("codice_fiscale", "importo", "scadenza"),
        amount_column="importo",
        due_date_column="scadenza",
    )
    assert frame.select("importo", "scadenza", "nota").rows()[:4] == [
        ("12,50", "2026-12-16", "16/12/2026"),  # an unused date column stays as shown
        ("1.234,50", "2026-03-29 10:30:00", "x"),
        ("12,50", "16/12/2026", "x"),  # text cells are their text, as in a CSV
        ("00184", "16/12/2026", "x"),
    ]
    errors = frame.get_column(CSV_ERROR_COLUMN).to_list()
    assert errors[:3] == [None, None, None]
    assert errors[3].startswith("cell.format: cell B5 (column 'importo') shows '00184', a number")
    assert errors[4].startswith("cell.format: cell B6 (column 'importo') shows '50%', a percent")
    assert errors[5].startswith("cell.format: cell B7 (column 'importo') shows '12,50 €', a curr")
    assert "(it holds 12.345)" in errors[6]
    assert errors[7].startswith("cell.format: cell B9 (column 'importo') shows '16/12/2026', a")
    # Without the roles (a job with no payment), every cell is as shown and none refused.
    plain = read(path)
    assert plain.get_column(CSV_ERROR_COLUMN).to_list() == [None] * 8
    assert plain.get_column("scadenza").to_list()[0] == "mer 16 dic 2026"


def test_an_error_cell_refuses_the_row_only_where_the_job_reads_it(tmp_path: Path) -> None:
    path = ods(
        tmp_path / "in.ods",
        sheet(
            "Foglio1",
            row(t("codice_fiscale"), t("nome"), t("nota")),
            row(t(CODE), err("#N/A"), err("#DIV/0!")),
            row(t(CODE), err("Err:502", calcext=False), t("x")),
            row(t(CODE), t("#hashtag"), err("#VALUE!")),
        ),
    )
    frame = read(path, required=("codice_fiscale", "nome"))
    assert frame.get_column(CSV_ERROR_COLUMN).to_list() == [
        "cell.error: cell B2 (column 'nome') shows the error #N/A, not a value; correct the "
        "formula or type the value in the sheet, then save",
        "cell.error: cell B3 (column 'nome') shows the error Err:502, not a value; correct the "
        "formula or type the value in the sheet, then save",
        None,  # typed text that starts with # is text
    ]
    assert frame.get_column("nota").to_list() == ["#DIV/0!", "x", "#VALUE!"]


def test_hidden_rows_columns_and_merges_are_named(tmp_path: Path) -> None:
    columns = (
        '<table:table-column table:number-columns-repeated="2"/>'
        '<table:table-column table:visibility="collapse"/>'
        '<table:table-column table:number-columns-repeated="10" table:visibility="collapse"/>'
    )
    merged = (
        '<table:table-cell office:value-type="string" table:number-rows-spanned="2" '
        'table:number-columns-spanned="1"><text:p>m</text:p></table:table-cell>'
    )
    path = ods(
        tmp_path / "in.ods",
        sheet(
            "Foglio1",
            row(t("codice_fiscale"), t("nome"), t("cognome")),
            row(t(CODE), t("a"), t("b"), attributes=' table:visibility="collapse"'),
            row(t(CODE), t("a"), t("b"), attributes=' table:visibility="collapse"'),
            row(t(CODE), merged, t("b")),
            row('<table:table-cell table:number-columns-repeated="3"/>',
                attributes=' table:visibility="collapse" table:number-rows-repeated="5"'),
            row(t(CODE), t("a"), t("b"), attributes=' table:visibility="filter"'),
            columns=columns,
        ),
    )  # fmt: skip
    with pytest.raises(InputError) as raised:
        open_input(InputSpec(path), ["codice_fiscale"])
    message = str(raised.value)
    # The empty hidden rows 5-9 hide nothing; the columns right of the header hold nothing.
    assert "has hidden rows (2-3) and rows hidden by a filter (10) and hidden columns " in message
    assert "(C 'cognome') and merged cells (B4:B5): " in message
    assert "Format > Columns > Show" in message


def test_a_title_above_the_header_and_other_header_problems(tmp_path: Path) -> None:
    titled = ods(
        tmp_path / "titled.ods",
        sheet("Foglio1", row(t("Elenco 2026")), row(t("")), row(t("Codice Fiscale")), row(t(CODE))),
    )
    with pytest.raises(InputError, match=r"are on row 3, but row 1 above them is filled: the "):
        open_input(InputSpec(titled), ["codice_fiscale"])
    data = ods(tmp_path / "data.ods", sheet("Foglio1", row(t(CODE), t("Ada"))))
    with pytest.raises(InputError, match=r"row 1 holds data, not column names"):
        open_input(InputSpec(data), ["codice_fiscale"])
    other = ods(tmp_path / "other.ods", sheet("Foglio1", row(t("nome")), row(t("Ada"))))
    with pytest.raises(InputError, match=r"has no column\(s\) 'codice_fiscale'; its columns"):
        open_input(InputSpec(other), ["codice_fiscale"])
    empty = ods(tmp_path / "empty.ods", sheet("Foglio1", row("<table:table-cell/>")))
    with pytest.raises(InputError, match="is empty: it has no header row"):
        open_input(InputSpec(empty), ["codice_fiscale"])


def test_files_that_are_no_readable_ods(tmp_path: Path) -> None:
    csv = tmp_path / "in.ods"
    csv.write_text("codice_fiscale\nRSSMRA85T10A562S\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"is not a readable \.ods workbook"):
        open_input(InputSpec(csv), ["codice_fiscale"])
    locked = ods(
        tmp_path / "locked.ods",
        sheet("Foglio1", row(t("codice_fiscale"))),
        manifest="<manifest:encryption-data/>",
    )
    with pytest.raises(InputError, match=r"\(it is protected by a password\)"):
        open_input(InputSpec(locked), ["codice_fiscale"])
    broken = tmp_path / "broken.ods"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("content.xml", "<office:document-content><unclosed>")
    with pytest.raises(InputError, match=r"content.xml is damaged"):
        open_input(InputSpec(broken), ["codice_fiscale"])
    # Bytes changed under the zip's checksum: found only when content.xml has been read.
    good = ods(tmp_path / "good.ods", sheet("Foglio1", row(t("codice_fiscale")), row(t(CODE))))
    data = bytearray(good.read_bytes())
    data[data.find(CODE.encode())] = ord("X")
    corrupt = tmp_path / "corrupt.ods"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"the zip is damaged: Bad CRC-32"):
        open_input(InputSpec(corrupt), ["codice_fiscale"])


def test_batches_come_back_in_any_size_and_the_spool_goes_on_close(tmp_path: Path) -> None:
    codes = [row(t(CODE), t(str(i))) for i in range(5)]
    path = ods(tmp_path / "in.ods", sheet("Foglio1", row(t("codice_fiscale"), t("i")), *codes))
    source = open_input(InputSpec(path), ["codice_fiscale"])
    assert isinstance(source, OdsInput)
    spool = source._spool._folder
    assert oct(spool.stat().st_mode & 0o777) == "0o700"
    assert [f.height for f in source.batches(2)] == [2, 2, 1]
    again = pl.concat(list(source.batches(3)))
    assert again.get_column("i").to_list() == ["0", "1", "2", "3", "4"]
    assert again.get_column(LINE_COLUMN).to_list() == [2, 3, 4, 5, 6]
    source.close()
    assert not spool.exists()


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_an_amount_is_taken_when_shown_plainly_in_either_locale(value: Decimal) -> None:
    held = format(value.normalize(), "f")
    whole, _, fraction = format(value, ".2f").partition(".")
    groups = f"{int(whole):,}"
    for shown in (
        f"{whole},{fraction}",
        f"{whole}.{fraction}",
        f"{groups.replace(',', '.')},{fraction}",
        f"{groups}.{fraction}",
    ):
        assert amount_problem("B2", "importo", shown, "float", held) is None, shown
    assert amount_problem("B2", "importo", f"{whole},{fraction} €", "float", held) is not None
    assert amount_problem("B2", "importo", f"0{whole},{fraction}", "float", held) is not None
    assert amount_problem("B2", "importo", f"{whole},{fraction}", "percentage", held) is not None
    if value != value.to_integral_value():
        assert amount_problem("B2", "importo", whole, "float", held) is not None  # rounded


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_a_merge_far_down_the_sheet_is_found(tmp_path: Path) -> None:
    merged = (
        '<table:table-cell office:value-type="string" table:number-columns-spanned="2" '
        'table:number-rows-spanned="1"><text:p>m</text:p></table:table-cell>'
        "<table:covered-table-cell/>"
    )
    rows = [row(t(CODE), t("a"), t("b")) for _ in range(3000)]
    path = ods(
        tmp_path / "in.ods",
        sheet("Foglio1", row(t("codice_fiscale"), t("nome"), t("cognome")), *rows,
              row(t(CODE), merged)),
    )  # fmt: skip
    with pytest.raises(InputError, match=r"has merged cells \(B3002:C3002\): "):
        open_input(InputSpec(path), ["codice_fiscale"])


def test_the_span_spotter_sees_a_mark_split_between_two_reads() -> None:
    data = b"<table:table-cell table:number-columns-spanned=" + b'"2"/>' * 3
    for size in (1, 4, 7, 1000):
        spotter = _SpanSpotter(io.BytesIO(data))
        while spotter.read(size):
            pass
        assert spotter.spans_seen, size
    plain = _SpanSpotter(io.BytesIO(b"<table:table-cell table:number-columns-repeated='2'/>"))
    while plain.read(5):
        pass
    assert not plain.spans_seen


def test_the_benchmark_workbook_reads_back_whole(tmp_path: Path) -> None:
    from tests.benchmarks.ods_bench import write_ods  # noqa: PLC0415
    from tests.benchmarks.validate_bench import generate  # noqa: PLC0415

    generate(tmp_path / "rows.csv", 40)
    assert write_ods(tmp_path / "rows.csv", tmp_path / "rows.ods") == 40
    frame = read(
        tmp_path / "rows.ods",
        required=("codice_fiscale", "importo", "scadenza"),
        amount_column="importo",
        due_date_column="scadenza",
    )
    assert frame.height == 40
    assert frame.get_column(LINE_COLUMN).to_list() == list(range(2, 42))
    assert frame.get_column(CSV_ERROR_COLUMN).null_count() == 40  # plain amounts: taken
    assert set(frame.get_column("scadenza")) == {"2026-12-16"}
