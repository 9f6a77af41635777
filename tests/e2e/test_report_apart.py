"""Issue 26 point 9: the report of ``[output] report = true`` can never take the run down.

It runs in a process of its own, first in line for the out-of-memory killer: the report
process killed with SIGKILL (what the kernel does at the container's memory limit)
leaves the send's exit code and results as they were, and says ``report.failed``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import REPO, population, read_rows, write_csv, write_job

pytestmark = pytest.mark.e2e


def _report_child_of(parent: int) -> int | None:
    """The pid of ``parent``'s report process, if it is running."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(ppid) == parent and b"batch.report.child" in command:
            return int(entry.name)
    return None


def test_a_report_killed_for_memory_leaves_the_run_and_its_exit_code(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0)
    )
    codes = population(8, seed=9)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    job.write_text(
        job.read_text().replace('path = "results.csv"', 'path = "results.csv"\nreport = true'),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", "send", str(job)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline, child = time.monotonic() + 60, None
    while child is None:
        assert process.poll() is None, "the send ended and no report process was seen"
        assert time.monotonic() < deadline
        child = _report_child_of(process.pid)
        time.sleep(0.005)
    os.kill(child, signal.SIGKILL)
    out, _ = process.communicate(timeout=60)

    assert process.returncode == 0  # the send's own exit code, not 137
    assert {row["status"] for row in read_rows(tmp_path / "results.csv")} == {"sent"}
    assert json.loads((tmp_path / "results.summary.json").read_text())["exit_code"] == 0
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    failed = [event for event in events if event.get("event") == "report.failed"]
    assert failed and "killed by SIGKILL" in failed[0]["error"]
    assert not (tmp_path / "results.report.html").exists()
    assert sandbox.app.ledger.count() == 8


def test_the_report_process_is_first_in_line_for_the_oom_killer(tmp_path: Path) -> None:
    """Checked on the process itself, while it runs (a report of a missing file ends
    with report.failed and its exit code, logged, never raised)."""
    write_job(tmp_path, base_url=None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from batch.report import child; child.main(sys.argv[1:]); "
            "print(open('/proc/self/oom_score_adj').read().strip())",
            str(tmp_path / "job.toml"),
            str(tmp_path / "missing.csv"),
            "--json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert lines[-1] == "1000"
    failed = json.loads(lines[0])
    assert failed["event"] == "report.failed" and "results file not found" in failed["error"]
