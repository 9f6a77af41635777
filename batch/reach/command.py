"""``io-batch reach JOB [--output PATH]``: profile checks only, under send's rules."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import anyio

from batch.api.prepare import InputChoice, journal_destination, load_with, prepare_run
from batch.api.target import api_base_url
from batch.common import logs
from batch.common.writable import Destination
from batch.config.job import Job
from batch.config.job_sections import Guard
from batch.config.state_dir import journal_location
from batch.errors import BatchError
from batch.input import read
from batch.journal.journal import Journal
from batch.output.run_summary import RunReport
from batch.output.summary import summary_path
from batch.reach.check_action import CheckProfileOnly
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


@dataclass(frozen=True, slots=True)
class ReachCommand:
    """``io-batch reach JOB``'s options; ``input.output`` is the reach CSV, not the job's
    results (default: <results stem>-reach.csv)."""

    job: Path
    input: InputChoice = field(default_factory=InputChoice)
    show_progress: bool = False  # a terminal, and no --no-progress


def run_reach(command: ReachCommand) -> int:
    job = load_with(command.job, command.input, output=False)
    output = command.input.output or job.output.with_name(f"{job.output.stem}-reach.csv")
    working = reach_job(job, output)
    journal = journal_location(working)
    prepared = prepare_run(
        job,
        [
            Destination(output, "reach CSV", "--output"),
            Destination(summary_path(output), "summary", "--output"),
            Destination(working.output, "reach working file", "--output"),
            journal_destination(journal),
        ],
    )
    options = SendOptions(action=CheckProfileOnly(), show_progress=command.show_progress)
    started = time.monotonic()
    with api_base_url(job) as base_url:
        # An error before any row was checked is raised here: there is nothing to write.
        outcome = anyio.run(
            SendRun(working, options, base_url=base_url, api_key=prepared.api_key).run
        )
    elapsed = time.monotonic() - started
    summary = _finish(working, output, outcome.report, elapsed, error=outcome.error)
    outcome.raise_error()
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
