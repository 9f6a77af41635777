"""The shard's shell in deploy/indexed-job.yaml, run for real with a stand-in io-batch.

The script is taken from the manifest as it is. `tini -g` is played by what it does: the
shell starts in a process group of its own, and a stop is a SIGTERM to that group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.manifests import INDEXED, io_batch_container, load_documents, named

STAND_IN = f"""#!{sys.executable}
import os, pathlib, signal, sys, time

log = pathlib.Path(os.environ["STAND_IN_LOG"])
log.write_text(" ".join(sys.argv[1:]))

def stop(*_):
    time.sleep(0.5)  # the calls in flight finish, the results are written
    log.with_suffix(".stopped").write_text("130")
    sys.exit(130)

signal.signal(signal.SIGTERM, stop)
if os.environ.get("STAND_IN_EXIT") == "wait":
    log.with_suffix(".ready").touch()
    time.sleep(30)
sys.exit(int(os.environ.get("STAND_IN_EXIT", "0")))
"""


def shard_script() -> str:
    docs = load_documents(INDEXED)
    script: str = io_batch_container(named(docs, "Job", "io-batch-send"))["args"][0]
    return script


def start(script: str, tmp_path: Path, exit_code: str) -> subprocess.Popen[bytes]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    stand_in = bin_dir / "io-batch"
    stand_in.write_text(STAND_IN, encoding="utf-8")
    stand_in.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STAND_IN_LOG": str(tmp_path / "argv.log"),
        "STAND_IN_EXIT": exit_code,
    }
    return subprocess.Popen(["/bin/sh", "-c", script], env=env, start_new_session=True)


@pytest.mark.parametrize(
    ("io_batch_exit", "pod_exit"),
    [(0, 0), (1, 0), (2, 2), (3, 3), (5, 5), (6, 6), (70, 70), (75, 75), (130, 130)],
)
def test_only_exit_1_becomes_a_success(io_batch_exit: int, pod_exit: int, tmp_path: Path) -> None:
    shell = start(shard_script(), tmp_path, str(io_batch_exit))
    assert shell.wait(timeout=30) == pod_exit
    assert (tmp_path / "argv.log").read_text() == (
        "--log-format json send /etc/io-batch/campaign.toml"
    )


def stop_while_running(script: str, tmp_path: Path) -> tuple[int, bool]:
    """SIGTERM to the group once io-batch runs: (the shell's exit, io-batch had stopped)."""
    shell = start(script, tmp_path, "wait")
    deadline = time.monotonic() + 30
    while not (tmp_path / "argv.ready").exists():
        assert time.monotonic() < deadline, "the stand-in never started"
        time.sleep(0.02)
    os.killpg(shell.pid, signal.SIGTERM)
    code = shell.wait(timeout=30)
    stopped = (tmp_path / "argv.stopped").exists()
    time.sleep(1)  # let an orphaned stand-in end before tmp_path goes
    return code, stopped


def test_a_stop_waits_for_io_batch_and_passes_its_130_on(tmp_path: Path) -> None:
    assert stop_while_running(shard_script(), tmp_path) == (130, True)


def test_without_the_trap_the_shell_would_die_before_io_batch_stops(tmp_path: Path) -> None:
    script = shard_script().replace("trap : TERM INT\n", "")
    assert stop_while_running(script, tmp_path) == (-signal.SIGTERM, False)
