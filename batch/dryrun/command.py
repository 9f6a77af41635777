"""``io-batch validate`` (and ``send --dry-run``): from parsed arguments to the dry run."""

from __future__ import annotations

import argparse
import sys

from batch.common.writable import Destination, check_writable
from batch.config.job import load_job
from batch.dryrun.run import run_validate


def run_validate_command(args: argparse.Namespace) -> int:
    job = load_job(args.job).with_overrides(
        input_path=args.input,
        output=args.output,
        encoding=args.encoding,
        separator=args.separator,
    )
    report_path = args.report or job.output.with_name(f"{job.output.stem}.errors.csv")
    check_writable([Destination(report_path, "error report", "--report")])
    summary = run_validate(job, max_errors=args.max_errors, report_path=report_path, out=sys.stdout)
    return int(summary.exit_code)
