"""``io-batch verify``: from parsed arguments to the post-send check (the work is in ``run``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import load_job
from batch.config.secrets import resolve_api_key
from batch.errors import ConfigError
from batch.report.hook import report_after_run
from batch.send.results import read_results
from batch.verify.outcomes import select_checks, verify_base_url
from batch.verify.output import default_output, summary_path
from batch.verify.run import VerifyOptions, VerifyRun
from batch.verify.summary import VerifySummary


def run_verify(args: argparse.Namespace) -> int:
    """Run ``io-batch verify``; a ``BatchError`` is left to the caller (cli.main)."""
    job = load_job(args.job)
    base_url = verify_base_url(job.target)
    results: Path = args.results
    output: Path = args.output or default_output(results)
    if output.resolve() == results.resolve():
        raise ConfigError("--output must not be the results file being verified")
    check_writable(
        [
            Destination(output, "verification file", "--output"),
            Destination(summary_path(output), "verification summary", "--output"),
        ]
    )
    selection = select_checks(read_results(results))
    key = resolve_api_key(job.target, os.environ)
    logs.add_secret(key.value)
    options = VerifyOptions(
        wait=args.wait,
        deadline=args.deadline,
        show_progress=sys.stderr.isatty() and not args.no_progress,
    )
    run = VerifyRun(
        job,
        selection,
        results=results,
        output=output,
        options=options,
        base_url=base_url,
        api_key=key.value,
    )
    summary = anyio.run(run.run)
    finish(summary, output, print_text=not logs.writes_json())
    report_after_run(job, results, verify=output)
    return summary.exit_code


def finish(summary: VerifySummary, output: Path, *, print_text: bool) -> None:
    """The summary as JSON beside the verification file, one log event, and on stdout."""
    summary.write_json(summary_path(output))
    logs.get_logger().info("verify.summary", **summary.to_json())
    # With JSON logs, stdout is a stream of JSON lines: the event above is the summary there.
    if print_text:
        summary.print(sys.stdout)
