"""The entry point's exit code is the run's, even when a signal lands as it exits."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# The run returns 0, then the process is sent SIGINT and SIGTERM on its way out, as a
# benchmark's or scheduler's time limit can do at the very instant the run ends.
LATE_SIGNALS = textwrap.dedent(
    """
    import os, signal
    import batch.cli
    batch.cli.main = lambda: {code}
    from batch import entry
    code = entry.main()
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    raise SystemExit(code)
    """
)


@pytest.mark.parametrize("code", [0, 1])
def test_a_signal_after_the_run_ended_keeps_its_exit_code(code: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LATE_SIGNALS.format(code=code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == code, done.stderr
