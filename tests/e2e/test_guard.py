"""Issue 15 point 5: ``[guard]`` stops a send or rerun handed the wrong file, before any call."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.sandbox import Faults, OperationFaults, SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)


def _input(tmp_path: Path, codes: list[str]) -> None:
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])


def _job(tmp_path: Path, sandbox, guard: str) -> Path:
    return write_job(
        tmp_path,
        base_url=sandbox.base_url,
        sections={"retry": {"max_attempts": 1, "max_failure_ratio": 1.0}},
        extra=f"[guard]\n{guard}\n",
    )


def test_send_over_max_messages_stops_before_any_call(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(6, seed=15)
    _input(tmp_path, codes)
    job = _job(tmp_path, sandbox, "max_messages = 5")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert "would submit up to 6 messages, more than guard.max_messages = 5" in ran.stderr
    assert sandbox.app.calls.entries() == []
    assert not (tmp_path / "results.csv").exists()


def test_invalid_rows_and_duplicates_do_not_count(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(5, seed=16)
    # 5 messages: plus an invalid row and the same row twice, which send nothing.
    _input(tmp_path, [*codes, "NOT-A-CODE", codes[0]])
    job = _job(tmp_path, sandbox, "max_messages = 5")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr  # the invalid row needs attention
    statuses = [row["status"] for row in read_rows(tmp_path / "results.csv")]
    assert statuses == ["sent"] * 5 + ["invalid", "duplicate"]
    assert sandbox.app.ledger.count() == 5


def test_rerun_over_max_messages_stops_before_any_call(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    _input(tmp_path, population(6, seed=17))
    sandbox.app.set_faults(Faults(submit=OperationFaults(error_ratio=1.0)))
    job = _job(tmp_path, sandbox, "max_messages = 6")
    assert run_io_batch(["send", str(job)]).code == 1
    assert [r["status"] for r in read_rows(tmp_path / "results.csv")] == ["failed"] * 6
    sandbox.app.set_faults(Faults())
    calls_before = len(sandbox.app.calls.entries())
    job = _job(tmp_path, sandbox, "max_messages = 4")

    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])

    assert ran.code == 3, ran.stderr
    assert "would submit up to 6 messages, more than guard.max_messages = 4" in ran.stderr
    assert len(sandbox.app.calls.entries()) == calls_before
    assert not (tmp_path / "results-rerun.csv").exists()

    job = _job(tmp_path, sandbox, "max_messages = 6")
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 0, ran.stderr
    assert sandbox.app.ledger.count() == 6


def test_refuse_file_refuses_any_invalid_row_with_the_error_report(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(4, seed=18)
    _input(tmp_path, [codes[0], codes[1], "RSSMRA85T10A562X", codes[3]])
    job = _job(tmp_path, sandbox, 'invalid_rows = "refuse_file"')

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert '1 of 4 rows are invalid and guard.invalid_rows = "refuse_file"' in ran.stderr
    assert sandbox.app.calls.entries() == []
    assert not (tmp_path / "results.csv").exists()
    report = read_rows(tmp_path / "results.errors.csv")
    assert [(r["line"], r["column"], r["reason_code"]) for r in report] == [
        ("4", "codice_fiscale", "fiscal_code.check_char")
    ]

    _input(tmp_path, codes)  # fixed: the same job sends
    assert run_io_batch(["send", str(job)]).code == 0
    assert sandbox.app.ledger.count() == 4
