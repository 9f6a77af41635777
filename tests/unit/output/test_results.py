"""The results CSV: owner-only, formula-safe, input order, pending rows, rerun input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from batch.errors import InputError
from batch.models import Outcome, Status
from batch.output.results_file import read_results
from batch.output.results_layout import (
    LANGUAGE_RESULT_COLUMNS,
    LEGACY_RESULT_COLUMNS,
    RESULT_COLUMNS,
    layout,
    result_field,
)
from batch.output.results_writer import ResultsWriter, outcome_from_cells

SENT = Outcome(
    Status.SENT,
    message_id="01ID",
    http_status=201,
    attempts=2,
    sent_at="2026-01-01T00:00:00.000Z",
    language="de_DE",
)


def test_writer_creates_an_owner_only_file_with_safe_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    writer = ResultsWriter(path, ["nome", "note"], fresh=True, target="io:https://io.example")
    writer.write(2, "AAAAAA00A00A000A", SENT, "run1", {"nome": "=cmd|'/c calc'!A0", "note": "ok"})
    writer.close()
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [*RESULT_COLUMNS, "input.nome", "input.note"]
    assert rows[1][:12] == [
        "2",
        "AAAAAA00A00A000A",
        "sent",
        "",
        "",
        "01ID",
        "201",
        "2",
        SENT.sent_at,
        "run1",
        "de_DE",
        "io:https://io.example",
    ]
    assert rows[1][12] == "'=cmd|'/c calc'!A0"
    restored = list(read_results(path))
    assert restored[0]["input.nome"] == "=cmd|'/c calc'!A0"
    assert outcome_from_cells(restored[0]) == SENT


def test_a_results_header_gives_back_the_input_names_and_hides_ours() -> None:
    outcome = [result_field(name) for name in RESULT_COLUMNS]
    ours = layout([*RESULT_COLUMNS, "input.fiscal_code", "input.status", "input.=x"])
    assert ours.is_results and ours.header == ["fiscal_code", "status", "=x"]
    assert ours.columns == [*outcome, "fiscal_code", "status", "=x"]
    # Written before the prefix (and the language column): the input columns as they were.
    legacy = layout([*LEGACY_RESULT_COLUMNS, "codice_fiscale", "nome"])
    assert legacy.is_results and legacy.header == ["codice_fiscale", "nome"]
    assert legacy.columns[len(LEGACY_RESULT_COLUMNS) - 1] == result_field("run_id")
    # Then prefixed, still without the language column.
    prefixed = layout([*LEGACY_RESULT_COLUMNS, "input.codice_fiscale", "input.language"])
    assert prefixed.header == ["codice_fiscale", "language"]
    assert result_field("language") not in prefixed.columns
    # An input column called language, in an unprefixed file: the input's, not ours.
    theirs = layout([*LEGACY_RESULT_COLUMNS, "language", "codice_fiscale"])
    assert theirs.header == ["language", "codice_fiscale"]
    assert result_field("language") not in theirs.columns
    # With the language column but before the target column: both read back, no target.
    language = layout([*LANGUAGE_RESULT_COLUMNS, "input.codice_fiscale"])
    assert language.header == ["codice_fiscale"]
    assert result_field("language") in language.columns
    assert result_field("target") not in language.columns
    # An input column called target, in a file of that kind: the input's, not ours.
    named = layout([*LANGUAGE_RESULT_COLUMNS, "input.target"])
    assert named.header == ["target"] and result_field("target") not in named.columns
    # Ours, with no input column at all.
    bare = layout(list(RESULT_COLUMNS))
    assert bare.is_results and bare.header == [] and bare.columns == outcome
    plain = layout(["fiscal_code", "status", "line"])  # an input, whatever its names
    assert not plain.is_results and plain.header == plain.columns == [
        "fiscal_code",
        "status",
        "line",
    ]


def test_input_columns_named_like_ours_and_formula_names_are_written_safely(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.csv"
    names = ["fiscal_code", "status", "line", "=cmd|calc", "+x", "-y", "@z", "\tt"]
    writer = ResultsWriter(path, names, fresh=True)
    writer.write(
        2, "AAAAAA00A00A000A", SENT, "run1", {name: f"v{i}" for i, name in enumerate(names)}
    )
    writer.close()
    with path.open(encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert header == [*RESULT_COLUMNS, *(f"input.{name}" for name in names)]
    assert len(set(header)) == len(header)
    assert not any(name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in header)
    assert dict(zip(header, row, strict=True))["input.status"] == "v1"
    assert dict(zip(header, row, strict=True))["status"] == "sent"


def test_read_results_refuses_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an io-batch results file"):
        list(read_results(other))
