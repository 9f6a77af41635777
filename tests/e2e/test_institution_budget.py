"""Issue 28: one rate budget for every job of an institution, kept in a real Redis.

Two jobs of one institution (two job names, two journals) run at once against one
gateway. Each names the same ``[rate] budget_name``: together they stay within the one
window; Redis missing at start stops before any call (exit 2); Redis lost during the
run stops the run as a stop request does (exit 7), and the next run resumes with
nothing sent twice."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import SandboxConfig
from batch.sandbox.ledger import max_calls_in_window
from tests.helpers.e2e import REPO, population, read_rows, run_io_batch, write_csv, write_job
from tests.helpers.redis_server import RedisServer, free_port, redis_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

GATEWAY_CALLS, WINDOW = 20, 1.0
JOB_CALLS = 18  # each job's configured budget: the institution's one window


def job_folder(
    root: Path, name: str, base_url: str, codes: list[str], redis_url: str, budget: str = "ente"
) -> Path:
    folder = root / name
    folder.mkdir()
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], [[c, "Maria"] for c in codes])
    shared = f'shared = "{redis_url}"\nbudget_name = "{budget}"'
    job = write_job(folder, base_url=base_url, calls=JOB_CALLS, window=WINDOW, extra="")
    text = job.read_text(encoding="utf-8").replace('name = "e2e"', f'name = "{name}"')
    job.write_text(text.replace("[rate]\n", f"[rate]\n{shared}\n"), encoding="utf-8")
    return job


def start(job: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", "send", str(job)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_jobs_share_one_window_with_no_429(
    tmp_path: Path, sandbox_factory: Any, redis_server: RedisServer
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=GATEWAY_CALLS, rate_window=WINDOW, processing_delay=0.2)
    )
    codes = population(60, seed=28)
    jobs = [
        job_folder(tmp_path, "promemoria", sandbox.base_url, codes[:30], redis_server.url),
        job_folder(tmp_path, "tari", sandbox.base_url, codes[30:], redis_server.url),
    ]
    processes = [start(job) for job in jobs]
    for process in processes:
        process.communicate(timeout=120)
        assert process.returncode in (0, 1), process.returncode
    calls = sandbox.app.calls.entries()
    assert Counter(call.status for call in calls)[429] == 0
    # Each job alone was allowed 18 per window: without the shared window they would
    # have made up to 36 per window together, and the gateway would have answered 429.
    assert max_calls_in_window(calls, WINDOW) <= GATEWAY_CALLS
    assert {e.fiscal_code for e in sandbox.app.ledger.entries()} == {
        row["fiscal_code"]
        for job in jobs
        for row in read_rows(job.parent / "results.csv")
        if row["status"] == "sent"
    }


def test_redis_unreachable_at_start_stops_before_any_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory()
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    job = job_folder(tmp_path, "tari", sandbox.base_url, population(5, seed=1), url)
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 2, ran.stderr
    assert f"127.0.0.1:{port}" in ran.stderr
    assert "shared rate budget 'ente'" in ran.stderr
    assert sandbox.app.calls.entries() == []


def test_redis_lost_during_the_run_stops_it_and_the_next_run_resumes(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, processing_delay=0.2))
    port = free_port()
    codes = population(80, seed=7)
    with redis_server(tmp_path, port) as server:
        job = job_folder(tmp_path, "tari", sandbox.base_url, codes, server.url)
        process = start(job)
        deadline = time.monotonic() + 60
        while len(sandbox.app.ledger.entries()) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.stop()
        lost_at = time.monotonic()
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 7, stderr
    assert "lost the shared rate budget 'ente'" in stderr
    # No call started after Redis went (those on the wire may still land).
    late = [call for call in sandbox.app.calls.entries() if call.t > lost_at + 0.5]
    assert late == []
    first = Counter(row["status"] for row in read_rows(job.parent / "results.csv"))
    assert first["pending"] > 0 and first["unknown"] == 0, first
    with redis_server(tmp_path, port):
        again = run_io_batch(["send", str(job)])
    assert again.code in (0, 1), again.stderr
    sent = [entry.fiscal_code for entry in sandbox.app.ledger.entries()]
    assert len(sent) == len(set(sent))  # nobody twice
    final = Counter(row["status"] for row in read_rows(job.parent / "results.csv"))
    assert final["pending"] == 0 and final["sent"] + final["already_sent"] == len(sent)
