"""A stop is a stop: after SIGTERM no new call, out within seconds, and resume sends once.

io-batch runs as a subprocess against the sandbox on 127.0.0.1 and is stopped while
its workers wait (see ``stop_scenarios``). The sandbox's call log says when each call
arrived, on the same monotonic clock as the test's.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import Faults, OperationFaults, RunningSandbox, SandboxConfig
from tests.e2e.stop_scenarios import (
    LONG_PAUSE,
    MARGIN,
    RERUN_SLOW_BUDGET,
    ROWS,
    SLOW_BUDGET,
    VERIFIED,
    VERIFY_WAIT,
    Scenario,
    citizens,
    run_and_stop,
    start_io_batch,
    wait_until_ready,
)
from tests.helpers.e2e import read_rows, run_io_batch, write_job

pytestmark = pytest.mark.e2e

INTERRUPTED = 130
# The in-flight requests of these scenarios answer at once; the rest is writing the
# results and the interpreter's exit. Before the fix these stops took 30-60 s.
STOP_BOUND_S = 5.0


def stop_during(scenario: Scenario, folder: Path, sandbox: RunningSandbox) -> list[str]:
    """Run the scenario's command, SIGTERM it, check the stop; returns the command."""
    args = scenario.prepare(folder, sandbox)
    stopped = run_and_stop(args, sandbox, scenario.ready, settle=scenario.settle)
    assert stopped.code == INTERRUPTED, stopped.stderr
    assert stopped.stop_seconds < STOP_BOUND_S
    late = [c for c in sandbox.app.calls.entries() if c.t > stopped.signal_at]
    assert stopped.calls_after == 0, f"calls after the signal: {late}"
    events = [json.loads(line) for line in stopped.stdout.splitlines() if line.startswith("{")]
    assert [e["signal"] for e in events if e["event"] == "stop.requested"] == ["SIGTERM"]
    return args


def assert_stopped_cleanly(folder: Path, sandbox: RunningSandbox) -> dict[str, str]:
    """Nothing unknown, nothing left in flight; every sent row is in the ledger."""
    rows = read_rows(folder / "results.csv")
    statuses = Counter(row["status"] for row in rows)
    assert statuses["pending"] > 0 and statuses["unknown"] == 0, statuses
    assert set(statuses) <= {"sent", "pending"}
    sent = {row["line"]: row["message_id"] for row in rows if row["status"] == "sent"}
    assert sorted(sent.values()) == sorted(e.message_id for e in sandbox.app.ledger.entries())
    with sqlite3.connect(next((folder / "state").glob("*/e2e.journal.sqlite"))) as db:
        assert db.execute("SELECT count(*) FROM rows WHERE state != 'done'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM sent WHERE state != 'sent'").fetchone() == (0,)
    summary = json.loads((folder / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["exit_code"] == INTERRUPTED
    assert summary["unknown_after_crash"] == 0
    return sent


def resume_sends_each_row_once(
    folder: Path, sandbox: RunningSandbox, kept: dict[str, str], args: list[str]
) -> None:
    # The same command again, at a budget that lets it finish quickly (the journal belongs
    # to the job's name and output, not to its budget).
    write_job(folder, base_url=sandbox.base_url, calls=60, window=1.0, concurrency=8)
    resumed = run_io_batch(args)
    assert resumed.code == 0, resumed.stderr
    final = read_rows(folder / "results.csv")
    assert Counter(row["status"] for row in final) == {"sent": ROWS}
    ledger = sandbox.app.ledger.entries()
    assert len(ledger) == ROWS
    assert Counter(entry.fiscal_code for entry in ledger).most_common(1)[0][1] == 1
    assert {row["message_id"] for row in final} == {entry.message_id for entry in ledger}
    assert all(row["message_id"] == kept[row["line"]] for row in final if row["line"] in kept)


def test_sigterm_while_rows_wait_for_a_slow_budget(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(SLOW_BUDGET.sandbox)
    args = stop_during(SLOW_BUDGET, tmp_path, sandbox)
    kept = assert_stopped_cleanly(tmp_path, sandbox)
    resume_sends_each_row_once(tmp_path, sandbox, kept, args)


def test_sigterm_stops_a_rerun_the_same_way(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(RERUN_SLOW_BUDGET.sandbox)
    args = stop_during(RERUN_SLOW_BUDGET, tmp_path, sandbox)
    kept = assert_stopped_cleanly(tmp_path, sandbox)
    resume_sends_each_row_once(tmp_path, sandbox, kept, args)


def test_sigterm_during_a_long_429_pause(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(LONG_PAUSE.sandbox)
    args = stop_during(LONG_PAUSE, tmp_path, sandbox)
    hints = [c.retry_after for c in sandbox.app.calls.entries() if c.status == 429]
    assert hints and max(hints) >= 25  # the pause the stop cut short was a long one
    kept = assert_stopped_cleanly(tmp_path, sandbox)
    sandbox.app.gateway.limiter.calls = None  # the gateway's window no longer in the way
    resume_sends_each_row_once(tmp_path, sandbox, kept, args)


def test_sigterm_during_the_polling_pause_of_verify_wait(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(VERIFY_WAIT.sandbox)
    stop_during(VERIFY_WAIT, tmp_path, sandbox)
    gets = [c for c in sandbox.app.calls.entries() if c.operation == "get"]
    assert len(gets) == VERIFIED  # the first pass, and no round after the signal
    rows = read_rows(tmp_path / "results.verify.csv")
    assert Counter(row["message_status"] for row in rows) == {"ACCEPTED": VERIFIED}
    summary = json.loads((tmp_path / "results.verify.summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["exit_code"] == INTERRUPTED
    assert summary["still_in_progress"] == VERIFIED

    # Run again: every message still in processing is asked once more, and only those.
    again = run_io_batch(
        ["verify", str(tmp_path / "results.csv"), "--job", str(tmp_path / "job.toml")]
    )
    assert again.code == 1, again.stderr  # still in processing
    assert sum(1 for c in sandbox.app.calls.entries() if c.operation == "get") == 2 * VERIFIED


def submits(sandbox: RunningSandbox) -> int:
    return sum(1 for call in sandbox.app.calls.entries() if call.operation == "submit")


def test_the_first_sigterm_awaits_the_calls_on_the_wire_and_a_second_cuts_them_off(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    hang = Faults(submit=OperationFaults(timeout_ratio=1.0), hang_seconds=30.0)
    config = SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, faults=hang)
    sandbox = sandbox_factory(config)
    citizens(tmp_path / "input.csv", ROWS, seed=25)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=60, window=1.0, concurrency=4)
    process = start_io_batch(["send", str(job)])
    wait_until_ready(process, sandbox, lambda box: submits(box) >= 4)

    first = time.monotonic()
    process.send_signal(signal.SIGTERM)
    time.sleep(1.5)
    assert process.poll() is None  # the four submits on the wire are awaited
    process.send_signal(signal.SIGTERM)
    second = time.monotonic()
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == INTERRUPTED, stderr
    assert time.monotonic() - second < STOP_BOUND_S
    assert [c for c in sandbox.app.calls.entries() if c.t > first + MARGIN] == []
    events = [json.loads(line)["event"] for line in stdout.splitlines() if line.startswith("{")]
    assert events.count("stop.requested") == 1 and events.count("stop.forced") == 1
    rows = read_rows(tmp_path / "results.csv")
    assert Counter(row["status"] for row in rows) == {"unknown": 4, "pending": ROWS - 4}
    assert {row["reason_code"] for row in rows if row["status"] == "unknown"} == {
        "submit.interrupted"
    }
