"""The fixture corpus (tests/fixtures/csv): every file read and validated to the expected row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from batch.config.job import Job, parse_job
from batch.input.header import LINE_COLUMN
from batch.input.read import open_input
from batch.rules import validate
from batch.rules.plan import REASON_CODE

FIXTURES = Path(__file__).parents[2] / "fixtures" / "csv"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def fixture_job(name: str) -> Job:
    columns: dict[str, str] = {
        "fiscal_code": "codice_fiscale",
        "amount": "importo",
        "notice_number": "codice_avviso",
        "due_date": "scadenza",
    }
    message = {
        "subject": "Avviso per {nome} in scadenza",
        "markdown": "Gentile {nome}, " + "x" * 70,
        "amount_unit": "euro",
    }
    if name == "lengths.csv":
        columns = {"fiscal_code": "codice_fiscale"}
        message = {"subject": "{oggetto}", "markdown": "{testo}" + "m" * 70}
    source: dict[str, Any] = {"path": name}
    if name == "quoted_comma.csv":  # an address in quotes, over two lines
        source["multiline_columns"] = ["nome"]
    raw = {
        "input": source,
        "output": {"path": "out.csv"},
        "columns": columns,
        "message": message,
        "target": {"kind": "sandbox"},
    }
    return parse_job(raw, source=FIXTURES / "job.toml")


def validated(name: str) -> tuple[str, str, pl.DataFrame]:
    job = fixture_job(name)
    with open_input(job.input, job.required_columns()) as source:
        columns = source.header_columns
        frames = [validate.validate_batch(batch, job, columns) for batch in source.batches()]
        return source.encoding, source.separator, pl.concat(frames)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_rows_lines_and_reasons(name: str) -> None:
    expected = EXPECTED[name]
    encoding, separator, frame = validated(name)
    assert (encoding, separator) == (expected["encoding"], expected["separator"])
    rows = frame.select(LINE_COLUMN, REASON_CODE).rows()
    assert rows == [tuple(row) for row in expected["rows"]]


@pytest.mark.parametrize("name", sorted(name for name in EXPECTED if EXPECTED[name]["values"]))
def test_fixture_normalised_values(name: str) -> None:
    _, _, frame = validated(name)
    for line, values in EXPECTED[name]["values"].items():
        row = frame.filter(pl.col(LINE_COLUMN) == int(line)).row(0, named=True)
        assert {key: row[key] for key in values} == values, f"line {line}"


def test_every_fixture_file_has_expectations() -> None:
    files = {path.name for path in FIXTURES.iterdir() if path.suffix in (".csv", ".txt")}
    assert files == set(EXPECTED)


def test_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The committed bytes match make_fixtures.py, so the corpus stays documented."""
    source = (FIXTURES / "make_fixtures.py").read_text("utf-8")
    namespace: dict[str, Any] = {"__name__": "fixtures", "__file__": str(tmp_path / "x.py")}
    exec(compile(source, "make_fixtures.py", "exec"), namespace)
    namespace["HERE"] = tmp_path
    namespace["main"]()
    for name in EXPECTED:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name
