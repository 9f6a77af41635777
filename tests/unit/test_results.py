"""The results CSV: owner-only, formula-safe, input order, pending rows, rerun input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from batch.errors import InputError
from batch.models import Outcome, Status
from batch.results import (
    RESULT_COLUMNS,
    ResultsWriter,
    is_results_header,
    outcome_from_cells,
    passthrough_columns,
    read_results,
)

SENT = Outcome(
    Status.SENT, message_id="01ID", http_status=201, attempts=2, sent_at="2026-01-01T00:00:00.000Z"
)


def test_writer_creates_an_owner_only_file_with_safe_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    writer = ResultsWriter(path, ["nome", "note"], fresh=True)
    writer.write(2, "AAAAAA00A00A000A", SENT, "run1", {"nome": "=cmd|'/c calc'!A0", "note": "ok"})
    writer.close()
    assert path.stat().st_mode & 0o777 == 0o600
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [*RESULT_COLUMNS, "nome", "note"]
    assert rows[1][:10] == [
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
    ]
    assert rows[1][10] == "'=cmd|'/c calc'!A0"
    restored = list(read_results(path))
    assert restored[0]["nome"] == "=cmd|'/c calc'!A0"
    assert outcome_from_cells(restored[0]) == SENT


def test_results_header_is_recognised_and_clashes_refused() -> None:
    header = [*RESULT_COLUMNS, "codice_fiscale", "nome"]
    assert is_results_header(header)
    assert passthrough_columns(header) == ["codice_fiscale", "nome"]
    assert passthrough_columns(["codice_fiscale", "nome"]) == ["codice_fiscale", "nome"]
    with pytest.raises(InputError, match="Status clash"):
        passthrough_columns(["codice_fiscale", "Status"])


def test_read_results_refuses_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an io-batch results file"):
        list(read_results(other))
