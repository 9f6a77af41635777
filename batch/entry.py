"""The ``io-batch`` entry point: it reacts to SIGTERM from its first instant.

In a container io-batch may run as PID 1 (Kubernetes has no ``--init``), and the kernel
drops every signal that PID 1 has no handler for. Python installs one for SIGINT at
start-up but none for SIGTERM, so a stop that came before the run's own handlers were
in place used to be ignored, and the run went on to the end. The handler below goes in
before anything heavy is imported (polars, httpx and anyio take a good part of a
second) and makes SIGTERM act as Ctrl-C does: during start-up the process ends at once
(exit 130, nothing sent); a send or verify run then replaces it with its own handler
(finish the calls in flight) while it makes calls.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

INTERRUPTED = 130  # ExitCode.INTERRUPTED, without importing anything heavy yet


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        from batch.cli import main as run  # noqa: PLC0415 - after the handler, on purpose
    except KeyboardInterrupt:
        print("io-batch: interrupted", file=sys.stderr)
        _exit_now(INTERRUPTED)
    code = run()
    # The run is over and everything is written: a signal from now on (a scheduler's
    # timeout landing as the process exits) must not turn its exit code into -2 or 1.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if code == INTERRUPTED:
        _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """Leave with ``code`` at once, everything already closed and written.

    A KeyboardInterrupt raised inside an ``exec`` of a string (dataclasses and argparse
    build code so, at import time) is marked by CPython as unhandled even when io-batch
    catches it later, and the interpreter then ends itself with SIGINT on the way out:
    the scheduler would see -2 instead of 130. ``os._exit`` skips that last step.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
