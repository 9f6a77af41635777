"""Workbooks as input: cells as the text the user sees, sheet rows as line numbers."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.ods_reader import OdsInput
from batch.input.read import open_input
from batch.input.workbook_base import WorkbookInput
from tests.helpers.workbooks import write_ods, write_xlsx

CODE = "RSSMRA85T10A562S"
HEADER = ["codice_fiscale", "avviso", "importo", "scadenza", "note"]


def read_all(path: Path, required: tuple[str, ...] = ("codice_fiscale",), **spec) -> pl.DataFrame:
    with open_input(InputSpec(path, **spec), list(required)) as source:
        assert isinstance(source, (WorkbookInput, OdsInput))
        return pl.concat(list(source.batches(2)))


def test_cells_are_the_text_the_user_sees(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "in.xlsx",
        [
            HEADER,
            [CODE, "302000100000009424", 12.5, datetime.datetime(2026, 3, 29), "012"],
            [CODE, "302000100000009425", 0.1 + 0.2, datetime.datetime(2026, 3, 29, 10, 30), 7],
            [CODE, "x", 1234567, "29/03/2026", True],
            [CODE, "y", 1e-7, None, "=A1"],  # a formula never calculated: empty
        ],
    )
    frame = read_all(path)
    # Issue 25: as an Italian LibreOffice shows them: openpyxl gives dates the format
    # yyyy-mm-dd h:mm:ss and numbers General; booleans are VERO/FALSO.
    assert frame.select(HEADER).rows() == [
        (CODE, "302000100000009424", "12,5", "2026-03-29 0:00:00", "012"),
        (CODE, "302000100000009425", "0,3", "2026-03-29 10:30:00", "7"),
        (CODE, "x", "1234567", "29/03/2026", "VERO"),
        (CODE, "y", "0,0000001", "", ""),
    ]
    assert frame.get_column(CSV_ERROR_COLUMN).to_list() == [None] * 4


def test_line_numbers_are_sheet_rows(tmp_path: Path) -> None:
    rows = [HEADER[:2], [CODE, "a"], [None, None], [CODE, "b"]]
    path = write_xlsx(tmp_path / "in.xlsx", rows, start_row=3)  # two empty rows first
    with open_input(InputSpec(path), ["codice_fiscale"]) as source:
        assert source.header_line == 3
        frame = pl.concat(list(source.batches()))
    assert frame.select(LINE_COLUMN, "avviso").rows() == [(4, "a"), (6, "b")]


def test_a_number_too_long_for_a_number_cell_is_refused_where_the_job_reads_it(
    tmp_path: Path,
) -> None:
    path = write_xlsx(
        tmp_path / "in.xlsx",
        [HEADER[:3], [CODE, 302000100000009424, 10**16], [CODE, 999999999999999, 1]],
    )
    frame = read_all(path, required=("codice_fiscale", "avviso"))
    errors = frame.get_column(CSV_ERROR_COLUMN).to_list()
    assert errors[0].startswith(
        "cell.imprecise_number: column 'avviso', cell B2 holds a number cell"
    )
    assert "302000100000009408" in errors[0]  # what the double holds, not what was typed
    assert errors[0].endswith("type the digits again")
    assert "format the column as text" in errors[0]
    assert errors[1] is None  # 15 digits: exact
    # The unused column 'importo' (10^16) is passed on as Excel shows it, no error.
    assert frame.get_column("importo").to_list() == ["10000000000000000", "1"]


def test_the_sheet_is_chosen_by_name_or_index_else_the_first_visible(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", [["codice_fiscale"], [CODE]], before=["Note"])
    with open_input(InputSpec(path), ["codice_fiscale"]) as source:
        assert source.sheet == "Dati"  # "Note" comes first but is hidden
    with open_input(InputSpec(path, sheet=2), ["codice_fiscale"]) as source:
        assert source.sheet == "Dati"
    with pytest.raises(InputError, match=r"has no column\(s\) 'codice_fiscale'"):
        open_input(InputSpec(path, sheet="Note"), ["codice_fiscale"])
    with pytest.raises(InputError, match=r"has no sheet 'Foglio1'; its sheets are: 'Note', 'Dati'"):
        open_input(InputSpec(path, sheet="Foglio1"), ["codice_fiscale"])
    with pytest.raises(InputError, match=r"has 2 sheet\(s\)"):
        open_input(InputSpec(path, sheet=3), ["codice_fiscale"])


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        ({"hidden_rows": [3]}, r"hidden rows \(3\)"),
        ({"hidden_columns": ["B"]}, "hidden columns"),
        ({"merged": ["B2:B3"]}, r"merged cells \(B2:B3\)"),
    ],
)
def test_hidden_rows_columns_and_merged_cells_refuse_the_sheet(
    tmp_path: Path, layout: dict, message: str
) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", [HEADER[:2], [CODE, "a"], [CODE, "b"]], **layout)
    with pytest.raises(InputError, match=message):
        open_input(InputSpec(path), ["codice_fiscale"])


def test_a_file_that_is_not_its_extension_is_a_clear_file_error(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    path.write_text("codice_fiscale\nRSSMRA85T10A562S\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"is not a readable \.xlsx workbook") as raised:
        open_input(InputSpec(path), ["codice_fiscale"])
    assert "a CSV must be named .csv" in str(raised.value)


def test_an_empty_sheet_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", [])
    with pytest.raises(InputError, match="is empty: it has no header row"):
        open_input(InputSpec(path), ["codice_fiscale"])


def test_an_ods_is_read_like_an_xlsx(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "in.ods", [["Codice Fiscale", "importo"], [CODE, 12.5]])
    frame = read_all(path, required=("codice_fiscale",))
    assert frame.select(LINE_COLUMN, "Codice Fiscale", "importo").rows() == [(2, CODE, "12.5")]


def test_text_that_looks_like_a_date_cell_stays_text(tmp_path: Path) -> None:
    # Text is as typed; a date cell is as its format shows it (openpyxl's has the time).
    path = write_xlsx(
        tmp_path / "in.xlsx",
        [
            ["codice_fiscale", "scadenza"],
            [CODE, "2026-03-29 00:00:00"],
            [CODE, datetime.datetime(2026, 3, 29)],
        ],
    )
    frame = read_all(path)
    assert frame.get_column("scadenza").to_list() == ["2026-03-29 00:00:00", "2026-03-29 0:00:00"]
