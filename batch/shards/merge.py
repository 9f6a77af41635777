"""``io-batch merge``: the results of every shard of a sharded run, as one results file.

Shard K of N wrote ``<output stem>.shard-K-of-N.csv`` in input order, with the same
header. The merge checks that every shard finished (``merge_checks``), then merges the
files by line, streaming (a k-way merge, so memory does not grow with the input), and
writes them with the same CSV writer a run uses: the merged file is byte for byte what
one unsharded run writes, except for the run ids and times, and ``rerun`` and
``verify`` take it as they take any results file.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import reduce
from pathlib import Path
from typing import IO

import polars as pl

from batch.common.files import write_atomically
from batch.common.writable import Destination, check_writable
from batch.config.job import Job, load_job
from batch.config.shards import choose_layout
from batch.config.target_identity import target_identity
from batch.errors import ConfigError
from batch.output.summary import publish, summary_path
from batch.shards.merge_checks import ShardRun, check_every_shard, shard_count
from batch.shards.merge_latest import stale_shards
from batch.shards.merge_summary import MergeReport

_KEY = "_merge_line"


@dataclass(frozen=True, slots=True)
class MergeCommand:
    """``io-batch merge JOB``'s options."""

    job: Path
    output: Path | None = None  # --output (default: the job's output)
    shards_of: Path | None = None  # --shards-of: the --output the shards ran with
    shards: int | None = None  # --shards N


def run_merge(command: MergeCommand) -> int:
    """``io-batch merge JOB [--output PATH] [--shards N]``."""
    job = load_job(command.job)
    layout = choose_layout(job.shard_count, None, command.shards, environ={})
    count = None if layout is None else layout.count
    report = merge_shards(job, count=count, output=command.output, shards_of=command.shards_of)
    return report.exit_code


def merge_shards(
    job: Job, *, count: int | None, output: Path | None = None, shards_of: Path | None = None
) -> MergeReport:
    """Merge the shard results into ``output`` (default: the job's output) and publish
    the merged summary. The shards are those beside ``shards_of`` (the ``--output`` they
    ran with), else beside ``output``, else beside the job's output; ``ConfigError``
    naming every shard that is missing, unfinished, or not its latest run."""
    target = output or job.output
    located = replace(job, output=shards_of or target)
    count = shard_count(located.output, count)
    runs = check_every_shard(located, count, configured=job.configured_output or job.output)
    stale = stale_shards(located, runs)
    if stale:
        raise ConfigError(
            "; ".join(stale),
            hint=f"merge the shards' latest run: --shards-of the --output they ran with "
            f"(or --output beside them); or run the shards of {located.output} again",
        )
    if any(run.results.resolve() == target.resolve() for run in runs):
        raise ConfigError(
            f"--output {target} is one of the shard results being merged",
            hint="name another file, or leave --output out for the job's output",
        )
    check_writable(
        [
            Destination(target, "merged results file", "--output"),
            Destination(summary_path(target), "merged summary", "--output"),
        ]
    )
    header = _same_header(runs)
    write_atomically(target, lambda handle: _write_merged(handle, header, runs))
    report = MergeReport.of(job.name, target, runs)
    report.target = target_identity(job.target)  # every shard's (check_finished held it)
    publish(report, target, event="merge.summary")
    return report


def _same_header(runs: Sequence[ShardRun]) -> list[str]:
    headers = [_header(run.results) for run in runs]
    for run, header in zip(runs, headers, strict=True):
        if header != headers[0]:
            raise ConfigError(
                f"shard {run.shard.label}'s results {run.results} do not have the columns of "
                f"shard {runs[0].shard.label}'s: they come from different inputs",
                hint="run every shard of the same input again, then merge",
            )
    return headers[0]


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), [])


def _write_merged(handle: IO[str], header: list[str], runs: Sequence[ShardRun]) -> None:
    # The header as a run writes it (run_output.rewrite_from_journal), the cells as read.
    csv.writer(handle, lineterminator="\n").writerow(header)
    frames = [
        pl.scan_csv(run.results, infer_schema=False).with_columns(
            pl.col("line").cast(pl.Int64).alias(_KEY)
        )
        for run in runs
    ]
    merged = reduce(lambda left, right: left.merge_sorted(right, key=_KEY), frames)
    for batch in merged.collect_batches():
        batch.drop(_KEY).write_csv(handle, include_header=False, line_terminator="\n")
