"""The benchmarks measure each command alone: a grown suite never lends it its memory.

On Linux a child started by ``vfork`` (``subprocess``'s way) inherits its parent's peak
RSS as its own ``ru_maxrss``: the full suite reported 813 MB for a ``validate`` that
measures 127 MB alone. ``run_measured`` starts every command from a bare launcher.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.benchmarks.harness import run_measured

BALLAST_MB = 300


def test_a_command_is_measured_without_the_suites_memory(tmp_path: Path) -> None:
    ballast = bytearray(BALLAST_MB << 20)
    for index in range(0, len(ballast), 4096):
        ballast[index] = 1  # resident, as a suite's generated inputs are
    command = [sys.executable, "-c", "import sys; print('hello'); sys.exit(3)"]
    measured = run_measured(command, timeout=60, stdout=tmp_path / "out.txt")
    assert measured.returncode == 3
    assert (tmp_path / "out.txt").read_text() == "hello\n"
    assert 0 < measured.peak_rss_mb < 100  # a bare Python: ~10 MB, never the 300 MB here
    assert measured.cpu > 0
    assert measured.wall >= 0
    assert ballast[4096] == 1
