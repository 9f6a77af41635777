"""Issue 15 point 3: ``[input] exclude``: listed citizens get ``excluded`` and cost no call."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.input.exclusions import digest
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)


def _setup(tmp_path: Path, sandbox) -> tuple[Path, list[str]]:
    codes = population(6, seed=33)
    rows = [[code, "Ada"] for code in codes]
    rows[4][1] = "x" * 200  # invalid (subject too long), but listed: excluded wins
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    # One citizen by code (written in lower case), two by the feed's hash only.
    (tmp_path / "optout.txt").write_text(
        f"# never message\n{codes[1].lower()}\n{digest(codes[3])}\n{digest(codes[4])}\n",
        encoding="utf-8",
    )
    # 6 rows, 3 listed: the guard counts the 3 messages only.
    job = write_job(tmp_path, base_url=sandbox.base_url, extra="[guard]\nmax_messages = 3\n")
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[input]\n", '[input]\nexclude = "optout.txt"\n'), "utf-8")
    return job, codes


def test_send_excludes_listed_citizens_without_a_call(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job, codes = _setup(tmp_path, sandbox)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr  # excluded rows need no attention
    results = read_rows(tmp_path / "results.csv")
    assert [(r["status"], r["reason_code"]) for r in results] == [
        ("sent", "submit.accepted"),
        ("excluded", "row.excluded"),
        ("sent", "submit.accepted"),
        ("excluded", "row.excluded"),
        ("excluded", "row.excluded"),
        ("sent", "submit.accepted"),
    ]
    assert results[1]["fiscal_code"] == codes[1]
    assert {entry.fiscal_code for entry in sandbox.app.ledger.entries()} == {
        codes[0],
        codes[2],
        codes[5],
    }
    operations = [call.operation for call in sandbox.app.calls.entries()]
    assert operations.count("profile") == 3 and operations.count("submit") == 3

    # The list is applied again on a rerun and a resend: still nothing for them.
    again = run_io_batch(["send", str(job), "--output", str(tmp_path / "again.csv")])
    assert again.code == 0, again.stderr
    statuses = [r["status"] for r in read_rows(tmp_path / "again.csv")]
    assert statuses.count("excluded") == 3 and statuses.count("already_sent") == 3


def test_validate_counts_excluded_rows(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job, _codes = _setup(tmp_path, sandbox)

    ran = run_io_batch(["validate", str(job)])

    assert ran.code == 0, ran.stdout + ran.stderr
    assert "valid:      3 (3 to send)" in ran.stdout
    assert "invalid:    0" in ran.stdout
    assert "excluded:   3 (in the exclusion list" in ran.stdout
    assert sandbox.app.calls.entries() == []


def test_a_bad_exclusion_list_stops_before_any_call(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job, _codes = _setup(tmp_path, sandbox)
    with (tmp_path / "optout.txt").open("a", encoding="utf-8") as handle:
        handle.write("not a code\n")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert "line 5" in ran.stderr and "neither a fiscal code nor a SHA-256 digest" in ran.stderr
    assert sandbox.app.calls.entries() == []
