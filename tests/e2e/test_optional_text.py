"""Issue 15 point 6: ``{?nota}...{/nota}`` in templates, with the example job of ``jobs/``."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from batch.models import Message
from batch.rules.templates import Template
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import REPO, read_rows, run_io_batch

pytestmark = pytest.mark.e2e

EXAMPLE = REPO / "jobs" / "optional-note.toml"
ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)


def _copy_example(tmp_path: Path, base_url: str, samples: Path | None = None) -> Path:
    shutil.copy(samples or REPO / "samples" / "notes.csv", tmp_path / "notes.csv")
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('path = "../samples/notes.csv"', 'path = "notes.csv"')
    text = text.replace('path = "../out/optional-note-results.csv"', 'path = "results.csv"')
    text = text.replace('kind = "sandbox"', f'kind = "sandbox"\nbase_url = "{base_url}"')
    job = tmp_path / "job.toml"
    job.write_text(text, encoding="utf-8")
    return job


def test_the_example_job_sends_the_note_only_where_there_is_one(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _copy_example(tmp_path, sandbox.base_url)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [r["status"] for r in results] == ["sent"] * 4
    message = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["message"]
    subject, markdown = Template.parse(message["subject"]), Template.parse(message["markdown"])
    hashes = {entry.fiscal_code: entry.payload_hash for entry in sandbox.app.ledger.entries()}
    with_note = []
    for row in results:
        cells = {name.removeprefix("input."): value.strip() for name, value in row.items()}
        text = markdown.render(cells)
        expected = Message(row["fiscal_code"], subject.render(cells), text)
        assert hashes[row["fiscal_code"]] == expected.content_hash()
        if "Una nota per te" in text:
            with_note.append(row["line"])
    assert with_note == ["2"]  # the one row whose nota is not empty


def test_a_section_column_missing_from_the_header_stops_before_any_call(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    without_note = tmp_path / "source.csv"
    without_note.write_text(
        "codice_fiscale;nome;zona\nAAAAAA00A00A000A;Tester;Centro\n", encoding="utf-8"
    )
    job = _copy_example(tmp_path, sandbox.base_url, samples=without_note)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert "no column(s) 'nota'" in ran.stderr
    assert sandbox.app.calls.entries() == []
