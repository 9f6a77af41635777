"""``io-batch validate`` (and ``send --dry-run``): from parsed arguments to the dry run."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from batch.api.prepare import InputChoice, load_with
from batch.common.writable import Destination, check_writable
from batch.dryrun.run import run_validate


@dataclass(frozen=True, slots=True)
class ValidateCommand:
    """``io-batch validate JOB``'s options (and ``send --dry-run``'s)."""

    job: Path
    input: InputChoice = field(default_factory=InputChoice)
    max_errors: int = 20  # --max-errors
    report: Path | None = None  # --report (default: <output>.errors.csv)


def run_validate_command(command: ValidateCommand) -> int:
    job = load_with(command.job, command.input)
    report_path = command.report or job.output.with_name(f"{job.output.stem}.errors.csv")
    check_writable([Destination(report_path, "error report", "--report")])
    summary = run_validate(
        job, max_errors=command.max_errors, report_path=report_path, out=sys.stdout
    )
    return int(summary.exit_code)
