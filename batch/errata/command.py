"""``io-batch errata RESULTS --job ERRATA_JOB``: from parsed arguments to the errata run.

The errata job is a job file of its own: its own ``[job] name``, so its own journal, and
its own templates, filled from the input columns the results file carries
(``input.<name>``). Its input is the results file; its rows are those the original
reached (``send/errata_rows.py``); everything else is an ordinary run: the same guards,
rate budget, resume after a stop or a kill, and never the same message twice.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from batch.common import logs
from batch.config.job import Job, load_job
from batch.errata import chain
from batch.errata.dryrun import require_results, run_errata_dry_run
from batch.errata.subject import WARNING_CODE, describe, subjects_without_prefix
from batch.errors import ConfigError, InputError
from batch.input import read
from batch.send.command import SendChoices, send_errata
from batch.send.errata_rows import RowCount, count_rows


@dataclass(frozen=True, slots=True)
class ErrataCommand:
    """``io-batch errata RESULTS --job ERRATA_JOB``'s options."""

    results: Path
    job: Path
    output: Path | None = None  # --output (default: the errata job's [output] path)
    dry_run: bool = False  # --dry-run
    max_errors: int = 20  # errors the dry run prints
    # --durable, --operator, the progress bar; never --force-resend, --sync or shards.
    send: SendChoices = field(default_factory=SendChoices)


def run_errata(command: ErrataCommand) -> int:
    results = command.results
    job_file = load_job(command.job)
    if not results.is_file():
        raise InputError(
            f"results file not found: {results}",
            hint="name the results CSV of the campaign to correct (of send, rerun or merge)",
        )
    if job_file.shard_count is not None:
        raise ConfigError(
            f"job {job_file.name!r} is sharded ([shards] count): an errata runs unsharded",
            hint="take [shards] out of the errata job",
        )
    chain.require_own_name(job_file, results)
    output = command.output or job_file.output
    if output.resolve() == results.resolve():
        raise ConfigError(
            "the errata's results must not overwrite the results file it reads",
            hint="name another --output, or another [output] path in the errata job",
        )
    job = job_file.with_overrides(
        input_path=results, output=output, encoding="utf-8", separator=","
    )
    if command.dry_run:
        return run_errata_dry_run(job, out=sys.stdout, max_errors=command.max_errors)
    count = _count(job)
    log = logs.get_logger()
    log.info(
        "errata.start",
        results=str(results),
        rows=count.rows,
        to_reach=count.to_reach,
        reached_by_status=dict(count.reached),
        left_out=dict(count.left_out),
    )
    without_prefix = subjects_without_prefix(job)
    if without_prefix:
        log.warning(
            WARNING_CODE, subjects=without_prefix, detail=describe(without_prefix, english=True)
        )
    later = chain.later_rerun(results)
    if later is not None:
        log.warning(
            chain.WARNING_CODE,
            later=str(later),
            detail=chain.describe(results, later, english=True),
        )
    return send_errata(job, command.send)


def _count(job: Job) -> RowCount:
    """How many rows of the results file the errata reaches (a read, no call)."""
    with read.open_input(job.input, job.required_columns()) as source:
        require_results(source)
        return count_rows(source)
