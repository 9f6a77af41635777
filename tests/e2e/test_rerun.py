"""``io-batch rerun``: only the right rows go out again; reruns chain; nothing twice."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.models import Message
from batch.sandbox import Faults, OperationFaults, SandboxConfig
from tests.helpers.e2e import MARKDOWN, SUBJECT, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e


def setup(tmp_path: Path, sandbox, count: int = 40) -> Path:
    rng = random.Random(21)
    codes = [generate(rng) for _ in range(count)]
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    return write_job(
        tmp_path,
        base_url=sandbox.base_url,
        calls=None,
        extra="max_attempts = 1\nmax_failure_ratio = 1.0\n[http]\nread_timeout = 0.5\n",
    )


def test_rerun_sends_only_failed_rows_and_chains(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=0.8,
            blocked_ratio=0.1,
            seed=3,
            faults=Faults(
                submit=OperationFaults(error_ratio=0.3, timeout_ratio=0.1), hang_seconds=3.0
            ),
        )
    )
    # The faults come from one seeded stream that profile calls draw from too, so which
    # submits get a 500 depends on how the calls interleave: 80 rows (~60 submits) get
    # some whatever the order (40 rows got none in ~1 run of 5 once connections became
    # lanes, which changed the interleaving).
    job = setup(tmp_path, sandbox, count=80)
    assert run_io_batch(["send", str(job)]).code == 1
    first = read_rows(tmp_path / "results.csv")
    before = Counter(r["status"] for r in first)
    assert before["failed"] > 0 and before["unknown"] > 0
    ledger_before = sandbox.app.ledger.count()
    profile_calls_before = sum(1 for c in sandbox.app.calls.entries() if c.operation == "profile")

    sandbox.app.set_faults(Faults())  # the outage is over
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 1, ran.stderr  # the unknown rows still need a decision
    rerun = read_rows(tmp_path / "results-rerun.csv")
    assert [r["line"] for r in rerun] == [r["line"] for r in first]
    old = {r["line"]: r for r in first}
    for row in rerun:
        earlier = old[row["line"]]
        if earlier["status"] == "failed":
            assert row["status"] == "sent" and row["run_id"] != earlier["run_id"]
        else:  # carried over untouched, with the run that produced it
            assert (row["status"], row["message_id"], row["run_id"]) == (
                earlier["status"],
                earlier["message_id"],
                earlier["run_id"],
            )
    # exactly one profile check and one submit per failed row, nothing else
    assert sandbox.app.ledger.count() == ledger_before + before["failed"]
    profile_calls = sum(1 for c in sandbox.app.calls.entries() if c.operation == "profile")
    assert profile_calls == profile_calls_before + before["failed"]

    # a rerun of the rerun has nothing left to retry by default
    again = run_io_batch(["rerun", str(tmp_path / "results-rerun.csv"), "--job", str(job)])
    assert again.code == 1
    assert sandbox.app.ledger.count() == ledger_before + before["failed"]
    chained = read_rows(tmp_path / "results-rerun-rerun.csv")
    assert Counter(r["status"] for r in chained) == Counter(r["status"] for r in rerun)

    # unknown rows go out again only when asked, and then exactly once each
    asked = run_io_batch(
        [
            "rerun",
            str(tmp_path / "results-rerun-rerun.csv"),
            "--job",
            str(job),
            "--include-unknown",
            "--output",
            str(tmp_path / "final.csv"),
        ]
    )
    assert asked.code == 0, asked.stderr
    final = Counter(r["status"] for r in read_rows(tmp_path / "final.csv"))
    assert final["unknown"] == 0
    assert sandbox.app.ledger.count() == ledger_before + before["failed"] + before["unknown"]


def test_rerun_of_a_finished_run_sends_nothing(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0))
    job = setup(tmp_path, sandbox, count=10)
    assert run_io_batch(["send", str(job)]).code == 0
    calls = sandbox.app.calls.count()
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 0, ran.stderr
    assert sandbox.app.calls.count() == calls
    assert {r["status"] for r in read_rows(tmp_path / "results-rerun.csv")} == {"sent"}


def test_rerun_refuses_a_file_that_is_not_a_results_file(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory()
    job = setup(tmp_path, sandbox, count=3)
    ran = run_io_batch(["rerun", str(tmp_path / "input.csv"), "--job", str(job)])
    assert ran.code == 3
    assert "results file" in ran.stderr and "Traceback" not in ran.stderr


def test_rerun_sends_the_input_cells_not_their_spreadsheet_safe_form(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=1.0,
            blocked_ratio=0.0,
            faults=Faults(submit=OperationFaults(error_ratio=1.0)),
        )
    )
    code = generate(random.Random(5))
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[code, "=Ada+1"]])
    job = write_job(
        tmp_path,
        base_url=sandbox.base_url,
        calls=None,
        extra="max_attempts = 1\nmax_failure_ratio = 1.0\n",
    )
    assert run_io_batch(["send", str(job)]).code == 1
    assert read_rows(tmp_path / "results.csv")[0]["input.nome"] == "'=Ada+1"  # safe in Excel
    sandbox.app.set_faults(Faults())
    assert run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)]).code == 0
    (entry,) = sandbox.app.ledger.entries()
    expected = Message(code, SUBJECT.format(nome="=Ada+1"), MARKDOWN.format(nome="=Ada+1"))
    assert entry.payload_hash == expected.content_hash()
