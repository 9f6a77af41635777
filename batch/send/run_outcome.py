"""How a send run ended: its report, and the job-level error that stopped it, if one did.

A run stopped half-way by a job-level error (a refused key, too many failures) has
written its results and has a summary all the same. The run returns both; the command
writes the summary, then raises the error (one line, its exit code). The error itself
says what went wrong and nothing else: it carries no summary for the CLI to finish.
"""

from __future__ import annotations

from dataclasses import dataclass

from batch.errors import BatchError
from batch.output.run_summary import RunReport


@dataclass(frozen=True, slots=True)
class RunOutcome:
    report: RunReport  # with the error's text and exit code when one stopped the run
    error: BatchError | None = None

    def raise_error(self) -> None:
        """Raise the job-level error that stopped the run, if one did."""
        if self.error is not None:
            raise self.error
