"""The progress bar on a real terminal: ``io-batch send`` on a pseudo-terminal.

A pty of 80 and of 40 columns, the sizes set with TIOCSWINSZ as a terminal emulator
does. Everything io-batch writes is read back and replayed on a small model of a
terminal (auto-wrap at the last column, ``\\r``, ``\\n`` and erase-to-end-of-line), so
the test sees the screen a person would see: one bar, redrawn in place, and every log
line (the sandbox throttles the job on purpose, so a warning comes mid-run) on a row of
its own, with no half-drawn bar left in front of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, write_csv, write_job
from tests.helpers.terminal import Screen, run_on_pty, segments

pytestmark = pytest.mark.e2e

# The progress line, with or without its bar (a narrow terminal has no room for one).
PROGRESS = re.compile(r"(\[[#-]+\] )?\d+/\d+ +\d+%")


@pytest.mark.parametrize("columns", [80, 40])
def test_the_bar_fits_the_terminal_and_redraws_in_place(
    tmp_path: Path, sandbox_factory, columns: int
) -> None:
    # The sandbox allows 20 calls/s and the job asks for 60: 429s, so a warning is
    # logged while the bar is on the screen.
    sandbox = sandbox_factory(SandboxConfig(rate_calls=20, rate_window=1.0, processing_delay=0.2))
    codes = population(40, seed=14)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=60, window=1.0, concurrency=4)

    written = run_on_pty(["send", str(job)], columns=columns)

    # Every drawing of the bar fits on one row (the last column stays free).
    drawn = [segment for segment in segments(written) if PROGRESS.search(segment)]
    assert len(drawn) >= 3, written  # the run lasts long enough to redraw it
    too_wide = [segment for segment in drawn if len(segment) > columns - 1]
    assert not too_wide, too_wide
    # ...and on the screen it stays one row: redrawn in place, never left behind by an
    # update or by a log line printed over it.
    screen = Screen(columns)
    screen.feed(written)
    lines = screen.lines()
    bars = [line for line in lines if PROGRESS.search(line)]
    assert bars == [bars[-1]], "\n".join(lines)
    assert PROGRESS.match(bars[-1]), bars  # the bar starts its row: nothing drawn before it
    assert "40/40" in bars[-1]
    assert any("rate.throttled" in line for line in lines), "\n".join(lines)
    assert sandbox.app.throttled_count() > 0
