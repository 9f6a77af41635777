"""SIGTERM scenarios: io-batch as a subprocess, stopped while it waits, against the sandbox.

Each scenario sets a sandbox and a job up so that the workers are waiting when the signal
comes: (a) for their turn under a slow budget, (b) for a long 429 pause, (c) ``verify
--wait`` between two polling rounds. ``test_stop.py`` asserts on them; run as a module it
measures any checkout of io-batch (the code run is the one in ``--repo``):

    .venv/bin/python -m tests.e2e.stop_scenarios --repo /tmp/io-batch-before
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from batch.identifiers.fiscal_code import generate
from batch.sandbox import DEFAULT_API_KEY, RunningSandbox, SandboxConfig, running_sandbox
from tests.helpers.e2e import REPO, write_csv, write_job

# A request sent just before the signal may reach the sandbox a little after it.
MARGIN = 0.2
ROWS = 12
VERIFIED = 6
PERSONS = ["codice_fiscale", "nome"]
RESULT_HEADER = [
    *("line", "fiscal_code", "status", "reason_code", "reason", "message_id"),
    *("http_status", "attempts", "sent_at", "run_id"),
    *PERSONS,  # the input's own columns follow
]


@dataclass(frozen=True)
class Stopped:
    code: int
    stop_seconds: float  # from the signal to the process's exit
    signal_at: float  # time.monotonic(), the sandbox's clock too
    calls_after: int  # calls that reached the sandbox later than MARGIN after the signal
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Scenario:
    name: str
    sandbox: SandboxConfig
    # Writes the job and its input into the folder; returns io-batch's arguments.
    prepare: Callable[[Path, RunningSandbox], list[str]]
    # True once the workers are surely waiting: the signal comes `settle` seconds later.
    ready: Callable[[RunningSandbox], bool]
    settle: float


def citizens(path: Path, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    codes = [generate(rng) for _ in range(count)]
    write_csv(path, PERSONS, [[code, f"N{i}"] for i, code in enumerate(codes)])
    return codes


def run_and_stop(
    args: Sequence[str],
    sandbox: RunningSandbox,
    ready: Callable[[RunningSandbox], bool],
    *,
    settle: float,
    repo: Path = REPO,
    limit: float = 120.0,
) -> Stopped:
    """Start ``io-batch ARGS``, SIGTERM it ``settle`` s after ``ready``, wait for its exit."""
    process = start_io_batch(args, repo)
    wait_until_ready(process, sandbox, ready)
    time.sleep(settle)
    signal_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=limit)
    stop_seconds = time.monotonic() - signal_at
    late = [call for call in sandbox.app.calls.entries() if call.t > signal_at + MARGIN]
    return Stopped(process.returncode, stop_seconds, signal_at, len(late), stdout, stderr)


def start_io_batch(args: Sequence[str], repo: Path = REPO) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    return subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", *args],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_ready(
    process: subprocess.Popen[str], sandbox: RunningSandbox, ready: Callable[[RunningSandbox], bool]
) -> None:
    deadline = time.monotonic() + 60
    while not ready(sandbox):
        if process.poll() is not None or time.monotonic() > deadline:
            _, err = process.communicate()
            raise AssertionError(f"never ready (exit {process.returncode}): {err[-2000:]}")
        time.sleep(0.02)


# -- (a) a slow budget: every worker waits for its turn ------------------------------------


def _slow_budget_job(directory: Path, sandbox: RunningSandbox) -> list[str]:
    citizens(directory / "input.csv", ROWS, seed=20)
    job = write_job(directory, base_url=sandbox.base_url, calls=2, window=5.0, concurrency=8)
    return ["send", str(job)]


SLOW_BUDGET = Scenario(
    name="send, budget 2 calls / 5 s",
    sandbox=SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0),
    prepare=_slow_budget_job,
    ready=lambda sandbox: len(sandbox.app.calls.entries()) >= 1,
    settle=3.0,
)


# -- (b) a long 429 pause: the gateway asks for ~30 s ---------------------------------------


def _long_pause_job(directory: Path, sandbox: RunningSandbox) -> list[str]:
    citizens(directory / "input.csv", ROWS, seed=21)
    # The job believes it has 60 calls a second; the gateway grants 4 per 30 s, so its
    # 429s say "x-rate-limit-retry-after: 30" (or a little less).
    job = write_job(directory, base_url=sandbox.base_url, calls=60, window=1.0, concurrency=8)
    return ["send", str(job)]


LONG_PAUSE = Scenario(
    name="send, 429 with retry-after 30 s",
    sandbox=SandboxConfig(rate_calls=4, rate_window=30.0, registered_ratio=1.0, blocked_ratio=0.0),
    prepare=_long_pause_job,
    ready=lambda sandbox: sandbox.app.throttled_count() >= 1,
    settle=2.0,
)


# -- (b') rerun of failed rows under a slow budget -------------------------------------------


def results_file(path: Path, rows: Sequence[tuple[str, str, str]]) -> Path:
    """A results CSV of an earlier run: (fiscal code, status, message id) per row."""
    cells = [
        [str(line), code, status, "", "", mid, "", "1", "", "r1", code, "Ada"]
        for line, (code, status, mid) in enumerate(rows, start=2)
    ]
    return write_csv(path, RESULT_HEADER, cells)


def _rerun_job(directory: Path, sandbox: RunningSandbox) -> list[str]:
    rng = random.Random(24)
    earlier = results_file(
        directory / "earlier.csv", [(generate(rng), "failed", "") for _ in range(ROWS)]
    )
    job = write_job(directory, base_url=sandbox.base_url, calls=2, window=5.0, concurrency=8)
    return ["rerun", str(earlier), "--job", str(job), "--output", str(directory / "results.csv")]


RERUN_SLOW_BUDGET = Scenario(
    name="rerun, budget 2 calls / 5 s",
    sandbox=SLOW_BUDGET.sandbox,
    prepare=_rerun_job,
    ready=SLOW_BUDGET.ready,
    settle=SLOW_BUDGET.settle,
)


# -- (c) verify --wait, stopped in its pause between two rounds ------------------------------


def submitted_results(directory: Path, sandbox: RunningSandbox, count: int) -> Path:
    """Messages submitted straight to the sandbox, and the results file that says so."""
    rng = random.Random(22)
    rows = []
    key = {"Ocp-Apim-Subscription-Key": DEFAULT_API_KEY}
    content = {"subject": "Avviso di prova", "markdown": "m" * 80}
    with httpx.Client(base_url=sandbox.base_url) as client:
        for _ in range(count):
            code = generate(rng)
            body = {"fiscal_code": code, "content": content}
            answer = client.post("/api/v1/messages", json=body, headers=key)
            answer.raise_for_status()
            rows.append((code, "sent", str(answer.json()["id"])))
    return results_file(directory / "results.csv", rows)


def _verify_wait_job(directory: Path, sandbox: RunningSandbox) -> list[str]:
    results = submitted_results(directory, sandbox, VERIFIED)
    job = write_job(directory, base_url=sandbox.base_url, calls=60, window=1.0, concurrency=4)
    return ["verify", str(results), "--job", str(job), "--wait", "--deadline", "120"]


def _gets(sandbox: RunningSandbox) -> int:
    return sum(1 for call in sandbox.app.calls.entries() if call.operation == "get")


VERIFY_WAIT = Scenario(
    name="verify --wait, in its polling pause",
    # Messages stay ACCEPTED for 10 minutes: verify polls, first after 5 s (+-20%).
    sandbox=SandboxConfig(rate_calls=None, processing_delay=600.0),
    prepare=_verify_wait_job,
    ready=lambda sandbox: _gets(sandbox) >= VERIFIED,
    settle=1.5,
)

SCENARIOS = (SLOW_BUDGET, LONG_PAUSE, RERUN_SLOW_BUDGET, VERIFY_WAIT)


def measure(scenario: Scenario, repo: Path) -> Stopped:
    with tempfile.TemporaryDirectory() as folder, running_sandbox(scenario.sandbox) as sandbox:
        args = scenario.prepare(Path(folder), sandbox)
        return run_and_stop(
            args, sandbox, scenario.ready, settle=scenario.settle, repo=repo, limit=300
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, default=REPO, help="the io-batch checkout to run")
    parser.add_argument("--runs", type=int, default=1, help="runs per scenario")
    args = parser.parse_args()
    print(f"io-batch from {args.repo}; calls counted after signal + {MARGIN} s")
    print("| scenario | run | exit code | stop time (s) | calls after the signal |")
    print("| --- | --- | --- | --- | --- |")
    for scenario in SCENARIOS:
        for run in range(1, args.runs + 1):
            stopped = measure(scenario, args.repo)
            print(
                f"| {scenario.name} | {run} | {stopped.code} | {stopped.stop_seconds:.2f} "
                f"| {stopped.calls_after} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
