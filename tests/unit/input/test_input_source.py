"""One input-source interface: the CSV reader and the sheet readers are each an
``InputSource``, built through its ``__init__``, so what the base keeps (the rows a
sharded run reads, the column lookup) works the same whatever the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from batch.config.job_sections import InputSpec
from batch.input.header import LINE_COLUMN
from batch.input.ods_reader import OdsInput
from batch.input.read import CsvInput, open_input
from batch.input.source import InputSource
from batch.input.workbook_stream import StreamedWorkbook
from tests.helpers.workbooks import write_ods, write_xlsx

ROWS = [["Codice Fiscale", "note"], ["RSSMRA85T10A562S", "a"], ["VRDGPP70A01H501X", "b"]]


def _csv(folder: Path) -> Path:
    path = folder / "in.csv"
    path.write_text("\n".join(",".join(row) for row in ROWS) + "\n", encoding="utf-8")
    return path


WRITERS: dict[str, tuple[Callable[[Path], Path], type[InputSource]]] = {
    "csv": (_csv, CsvInput),
    "xlsx": (lambda folder: write_xlsx(folder / "in.xlsx", ROWS), StreamedWorkbook),
    "ods": (lambda folder: write_ods(folder / "in.ods", ROWS), OdsInput),
}


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_every_reader_is_an_input_source_with_the_base_s_row_filter(
    tmp_path: Path, kind: str
) -> None:
    write, reader = WRITERS[kind]
    with open_input(InputSpec(write(tmp_path)), ["codice_fiscale"]) as source:
        assert type(source) is reader
        assert isinstance(source, InputSource)
        assert source.row_filter is None  # set by InputSource.__init__, for every reader
        assert source.resolve("codice_fiscale") == "Codice Fiscale"
        every = pl.concat(list(source.batches()))
        assert every.get_column("note").to_list() == ["a", "b"]
        source.row_filter = lambda frame: frame.filter(pl.col("note") == "b")
        kept = pl.concat(list(source.batches()))
    assert kept.get_column("note").to_list() == ["b"]
    assert kept.get_column(LINE_COLUMN).to_list() == [3]


def test_the_interface_cannot_be_opened_without_a_reader() -> None:
    with pytest.raises(TypeError, match="abstract"):
        InputSource(Path("in.csv"))  # type: ignore[abstract]
