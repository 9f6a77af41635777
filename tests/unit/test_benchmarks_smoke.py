"""The benchmark suite's quick mode runs end to end and prints every figure of the table."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks.figures import COLUMNS
from tests.benchmarks.run_all import EXPECTED_PREFIXES

REPO = Path(__file__).parents[2]
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)? ?(%|s|ms|µs|MB|x|/s|rows/s|lines/s)?$")


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_quick_mode_prints_the_whole_table(tmp_path: Path) -> None:
    markdown = tmp_path / "table.md"
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--quick", "--markdown", str(markdown)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=140,  # a quick run takes ~30 s on a quiet machine; CI machines are busy
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == markdown.read_text(encoding="utf-8")
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert len(rows) == len(EXPECTED_PREFIXES)
    for row, prefix in zip(rows, EXPECTED_PREFIXES, strict=True):
        name, target, median, low, high, met = row
        assert name.startswith(prefix), (name, prefix)
        for value in (median, low, high):
            assert NUMBER.match(value), (name, value)
        assert (target == "—") == (met == "—"), row
        assert met in ("—", "yes", "**no**", "yes (every run)", "**no** (every run)"), row
