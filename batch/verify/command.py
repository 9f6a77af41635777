"""``io-batch verify``: from parsed arguments to the post-send check (the work is in ``run``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio

from batch.api.prepare import prepare_run
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


@dataclass(frozen=True, slots=True)
class VerifyCommand:
    """``io-batch verify RESULTS --job JOB``'s options."""

    results: Path
    job: Path
    output: Path | None = None  # --output (default: <results stem>.verify.csv)
    wait: bool = False  # --wait
    deadline: float = 900.0  # --deadline, seconds
    show_progress: bool = False  # a terminal, and no --no-progress


def run_verify(command: VerifyCommand) -> int:
    """Run ``io-batch verify``; a ``BatchError`` is left to the caller (cli.main)."""
    job = load_job(command.job)
    base_url = verify_base_url(job.target)
    results = command.results
    output = command.output or default_output(results)
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
    prepared = prepare_run(job, [])  # the files were checked first: that order is kept
    options = VerifyOptions(
        wait=command.wait, deadline=command.deadline, show_progress=command.show_progress
    )
    run = VerifyRun(
        job,
        selection,
        results=results,
        output=output,
        options=options,
        base_url=base_url,
        api_key=prepared.api_key,
    )
    summary = anyio.run(run.run)
    summary.target = target_identity(job.target)
    summary.finish()
    if job.report:
        request_report(ReportRequest(job.source, results, output))
    return summary.exit_code
