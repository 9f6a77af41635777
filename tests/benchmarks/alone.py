"""Run one command from a small, fresh process and report the command's own figures.

    python -m tests.benchmarks.alone REPORT.json COMMAND...

Why a process between the suite and the command: on Linux a child's peak RSS
(``ru_maxrss``) starts from the memory of the process that started it. ``subprocess``
starts a child with ``vfork``, and at ``exec`` the kernel keeps the *parent's* high-water
mark as the child's; with ``fork`` it is the parent's resident size at that moment. So a
suite that has grown (a 10M-row dry run's inputs generated in-process, polars' pools)
hands its memory to every command it measures: the full suite reported 813 MB for the
50 MB-value ``validate`` that measures 127 MB alone. This launcher is a bare Python
(standard library only, ~10 MB), so what it reports is the command's own peak.

It writes the command's exit code, its start (``time.monotonic``, the same clock as
the caller's on Linux), its wall time, its user + system CPU and its peak RSS to
REPORT.json, and exits with the command's code. stdout and stderr are the command's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    report, command = Path(argv[0]), argv[1:]
    started = time.monotonic()
    process = subprocess.Popen(command)
    # The suite stops a run that overstays by killing this process group; a plain
    # SIGTERM to the launcher is passed on, so the command never outlives it.
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.monotonic()
    returncode = os.waitstatus_to_exitcode(status)
    figures = {
        "returncode": returncode,
        "started": started,
        "wall": ended - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }
    report.write_text(json.dumps(figures), encoding="utf-8")
    return returncode if returncode >= 0 else 128 - returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
