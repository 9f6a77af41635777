"""``io-batch verify``: from parsed arguments to the post-send check (the work is in ``run``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import anyio

from batch.api.target import resolve_api_key
from batch.common import logs
from batch.common.report_requests import ReportRequest, request_report
from batch.common.writable import Destination, check_writable
from batch.config.job import load_job
from batch.config.target_identity import target_identity
from batch.errors import ConfigError
from batch.output.results_file import read_results
from batch.output.results_target import check_results_target
from batch.output.summary import summary_path
from batch.output.verification import default_output
from batch.verify.outcomes import select_checks, verify_base_url
from batch.verify.run import VerifyOptions, VerifyRun


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
    check_results_target(results, job, "verify")  # before any call: its ids are another's
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
    summary.target = target_identity(job.target)
    summary.finish()
    if job.report:
        request_report(ReportRequest(job.source, results, output))
    return summary.exit_code
