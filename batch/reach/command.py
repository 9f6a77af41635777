"""``io-batch reach JOB [--output PATH]``: profile checks only, under send's rules."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import anyio

from batch.api.target import api_base_url, resolve_api_key
from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import Guard, Job, load_job
from batch.config.state_dir import STATE_DIR_ENV, journal_location
from batch.errors import BatchError
from batch.input import read
from batch.journal.journal import Journal
from batch.output.run_summary import RunReport
from batch.output.summary import summary_path
from batch.reach.output import ReachSummary, write_reach
from batch.send.pipeline import SendOptions, SendRun


def reach_job(job: Job, output: Path) -> Job:
    """The job as ``reach`` runs it: its own journal (``<name>.reach``), so that nothing a
    reach records can ever count as sent for ``send``, and a reach never waits for a
    send's lock; its run's working results file hidden beside the reach CSV; and no
    ``[guard]``, which is about messages (reach submits none; invalid rows are a reach)."""
    return replace(
        job,
        name=f"{job.name}.reach",
        output=output.with_name(f".{output.name}.run.csv"),
        guard=Guard(),
    )


def run_reach(args: argparse.Namespace) -> int:
    job = load_job(args.job).with_overrides(
        input_path=args.input, encoding=args.encoding, separator=args.separator
    )
    output: Path = args.output or job.output.with_name(f"{job.output.stem}-reach.csv")
    working = reach_job(job, output)
    journal = journal_location(working)
    check_writable(
        [
            Destination(output, "reach CSV", "--output"),
            Destination(summary_path(output), "summary", "--output"),
            Destination(working.output, "reach working file", "--output"),
            Destination(
                journal.path,
                "journal",
                f"[output] state_dir in the job file or {STATE_DIR_ENV} (now: {journal.source})",
            ),
        ]
    )
    key = resolve_api_key(job.target, os.environ)
    logs.add_secret(key.value)
    options = SendOptions(
        profile_only=True, show_progress=sys.stderr.isatty() and not args.no_progress
    )
    started = time.monotonic()
    error: BatchError | None = None
    with api_base_url(job) as base_url:
        try:
            report = anyio.run(SendRun(working, options, base_url=base_url, api_key=key.value).run)
        except BatchError as failed:
            partial: RunReport | None = getattr(failed, "report", None)
            if partial is None:
                raise  # stopped before any row was checked: nothing to write
            failed.report = None  # the reach summary says it
            report, error = partial, failed
    summary = _finish(working, output, report, time.monotonic() - started, error=error)
    if error is not None:
        raise error
    return summary.exit_code


def _finish(
    job: Job, output: Path, report: RunReport, elapsed: float, *, error: BatchError | None
) -> ReachSummary:
    """The reach CSV and its summary, from the journal of the run that just ended; a run
    stopped by ``error`` says it (and its exit code) in the file and the log event alike."""
    with read.open_input(job.input, job.required_columns()) as source:
        journal = Journal(journal_location(job).path)
        try:
            counts = write_reach(
                source, source.resolve(job.columns.fiscal_code), journal, report.run_id, output
            )
        finally:
            journal.close()
    job.output.unlink(missing_ok=True)  # the run's results-format file: the reach CSV says it
    rows = sum(counts.values())
    summary = ReachSummary(
        job=job.name.removesuffix(".reach"),
        run_id=report.run_id,
        output=str(output),
        rows=rows,
        counts=dict(counts),
        share_reachable=round(counts.get("reachable", 0) / rows, 4) if rows else 0.0,
        calls=report.calls,
        elapsed_s=round(elapsed, 3),
        exit_code=report.exit_code if error is None else int(error.exit_code),
        error="" if error is None else str(error),
        target=report.target,
    )
    summary.write_json(summary_path(output))
    logs.get_logger().info("reach.summary", **summary.__dict__)
    if not logs.writes_json():
        summary.print(sys.stdout)
    return summary
