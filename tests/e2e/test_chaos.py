"""kill -9 at random and at the worst moments; resume until done; then audit the ledger.

The guarantees under test (README.md, "Resume"): no citizen gets the same message twice, every
input row ends with exactly one final status, a crash leaves at most the submits that
were in flight as ``unknown``, and every id the sandbox handed out is in the results
(as ``sent``) unless its row is ``unknown``.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import Faults, OperationFaults, SandboxConfig
from tests.helpers.e2e import REPO, journal_of, read_rows, write_csv, write_job

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 600
CONCURRENCY = 8
MAX_STARTS = 36


def start(job: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    with (job.parent / "stderr.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "batch", "--log-format", "json", "send", str(job)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def in_flight(journal: Path) -> int:
    with sqlite3.connect(journal) as db:
        (count,) = db.execute("SELECT count(*) FROM rows WHERE state = 'in_flight'").fetchone()
    return int(count)


def wait_for(condition, process: subprocess.Popen[bytes], limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None and not condition():
        time.sleep(0.001)


def test_kill_9_at_any_moment_then_resume(tmp_path: Path, sandbox_factory) -> None:
    latency = OperationFaults(latency_ms=10, jitter_ms=40)
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=1.0,
            blocked_ratio=0.0,
            processing_delay=0.1,
            faults=Faults(profile=OperationFaults(latency_ms=2, jitter_ms=5), submit=latency),
        )
    )
    rng = random.Random(20261123)
    codes = [generate(rng) for _ in range(ROWS)]
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome"],
        [[c, f"N{i}"] for i, c in enumerate(codes)],
    )
    # A budget makes each run last long enough to be killed many times on the way.
    job = write_job(
        tmp_path, base_url=sandbox.base_url, calls=100, window=1.0, concurrency=CONCURRENCY
    )
    journal = journal_of(job)

    kills, unknown_per_crash, finished = 0, [], False
    for attempt in range(MAX_STARTS):
        process = start(job)
        stored_before = sandbox.app.ledger.count()
        submits_before = sum(1 for c in sandbox.app.calls.entries() if c.operation == "submit")
        moment = attempt % 3
        if moment == 0:  # a random moment, start-up included
            wait_for(lambda: False, process, rng.uniform(0.3, 2.0))
        elif moment == 1:  # just after a submit was stored, before its 201 is recorded
            wait_for(lambda n=stored_before: sandbox.app.ledger.count() > n, process, 10)
        else:  # just as a submit arrives
            wait_for(
                lambda n=submits_before: (
                    sum(1 for c in sandbox.app.calls.entries() if c.operation == "submit") > n
                ),
                process,
                10,
            )
        if process.poll() is not None:
            assert process.returncode in (0, 1), (tmp_path / "stderr.log").read_text()
            finished = True
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        if journal.exists():
            unknown_per_crash.append(in_flight(journal))

    if not finished:  # let the last resume run to the end
        process = start(job)
        assert process.wait(timeout=120) in (0, 1)

    assert kills >= 10
    assert max(unknown_per_crash) <= CONCURRENCY

    results = read_rows(tmp_path / "results.csv")
    assert sorted(int(r["line"]) for r in results) == list(range(2, ROWS + 2))  # one row each
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) <= {"sent", "unknown"}, statuses
    assert statuses["unknown"] <= sum(unknown_per_crash)

    ledger = sandbox.app.ledger.entries()
    per_citizen = Counter(entry.fiscal_code for entry in ledger)
    assert max(per_citizen.values()) == 1  # nobody got the message twice
    ids_in_results = {r["message_id"] for r in results if r["status"] == "sent"}
    unknown_codes = {r["fiscal_code"] for r in results if r["status"] == "unknown"}
    for entry in ledger:
        assert entry.message_id in ids_in_results or entry.fiscal_code in unknown_codes
    assert ids_in_results <= {entry.message_id for entry in ledger}
    print(
        f"chaos: starts={attempt + 1} kills={kills} unknown={statuses['unknown']} "
        f"in_flight_per_crash={unknown_per_crash} ledger={len(ledger)} duplicates=0 lost=0"
    )
