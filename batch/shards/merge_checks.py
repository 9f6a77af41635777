"""Before a merge: how many shards there are, and that every one of them finished.

A shard is unfinished when its results file or its summary is missing, when the summary
says it was interrupted (exit 130) or stopped for the quiet hours (75), when its journal
still has the run that writes its results open (a ``kill -9`` leaves it ``running``) or
rows of it not done, or when its results still hold ``pending`` rows. Each case stops the
merge with exit 2, naming the shard and the command that finishes it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from batch.config.job import Job
from batch.config.shards import SHARD_STEM, Shard, unsharded_stem
from batch.config.state_dir import journal_location
from batch.config.target_identity import target_identity
from batch.errors import ConfigError, ExitCode
from batch.journal.looks import last_run_writing
from batch.models import Status
from batch.output.summary import summary_path

UNFINISHED_EXIT_CODES = (ExitCode.INTERRUPTED, ExitCode.QUIET_HOURS)


@dataclass(frozen=True, slots=True)
class ShardRun:
    """A finished shard: its results file and its summary."""

    shard: Shard
    results: Path
    summary: dict[str, Any]


def shard_count(output: Path, count: int | None) -> int:
    """``count`` when given (``--shards`` or ``[shards] count``); else the N of the shard
    results found beside ``output``, which must all say the same."""
    if count is not None:
        return count
    stem = unsharded_stem(output)
    found: dict[int, list[str]] = {}
    for path in sorted(output.parent.glob(f"{stem}.shard-*-of-*{output.suffix}")):
        match = SHARD_STEM.match(path.stem)
        if match is not None and match.group("base") == stem:
            found.setdefault(int(match.group("count")), []).append(path.name)
    if not found:
        raise ConfigError(
            f"no shard results ({stem}.shard-K-of-N{output.suffix}) in {output.parent}",
            hint="run the shards first (io-batch send JOB --shard K/N), or say where "
            "the job's output is",
        )
    if len(found) > 1:
        listed = "; ".join(f"{n} shards: {', '.join(names)}" for n, names in found.items())
        raise ConfigError(
            f"shard results of different shard counts in {output.parent}: {listed}",
            hint="pass --shards N for the campaign to merge (and move the others away)",
        )
    return next(iter(found))


def check_every_shard(job: Job, count: int, *, configured: Path) -> list[ShardRun]:
    """Every shard of ``count`` beside ``job.output`` checked; one ``ConfigError`` naming
    each shard that cannot be merged (not only the first: a night with three shards
    killed needs three commands, and the operator should see them all at once).
    ``configured``: the job file's output (the shards' commands need ``--output``
    when the shards ran with another)."""
    runs: list[ShardRun] = []
    problems: list[ConfigError] = []
    for index in range(1, count + 1):
        try:
            runs.append(check_finished(job, Shard(index, count), configured=configured))
        except ConfigError as error:
            problems.append(error)
    if not problems:
        return runs
    if len(problems) == 1:
        raise problems[0]
    hints = dict.fromkeys(problem.hint for problem in problems if problem.hint)
    raise ConfigError(
        f"{len(problems)} of the {count} shards cannot be merged: "
        + "; ".join(str(problem) for problem in problems),
        hint="; ".join(hints),
    )


def check_finished(job: Job, shard: Shard, *, configured: Path | None = None) -> ShardRun:
    results = shard.file(job.output)
    elsewhere = configured is not None and job.output.resolve() != configured.resolve()
    output_flag = f" --output {job.output}" if elsewhere else ""
    again = f"run it again: io-batch send {job.source} --shard {shard.label}{output_flag}"
    if not results.exists():
        raise ConfigError(
            f"shard {shard.label} has no results file {results}", hint=f"{again}, then merge"
        )
    summary = _summary(shard, results, again)
    _check_target(job, shard, summary)
    _check_journal(replace(job, shard=shard, output=results), shard, again)
    pending = (
        pl.scan_csv(results, infer_schema=False)
        .filter(pl.col("status") == Status.PENDING.value)
        .select(pl.len())
        .collect()
        .item()
    )
    if pending:
        raise ConfigError(
            f"shard {shard.label} is unfinished: {pending} row(s) of {results} are pending",
            hint=f"{again} (it resumes), then merge",
        )
    return ShardRun(shard, results, summary)


def _summary(shard: Shard, results: Path, again: str) -> dict[str, Any]:
    path = summary_path(results)
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"shard {shard.label} is unfinished: its summary {path} is missing (the run was "
            "killed, or is still going)",
            hint=f"{again} (it resumes), then merge",
        ) from None
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read shard {shard.label}'s summary {path}: {error}") from None
    code = summary.get("exit_code")
    if summary.get("interrupted") or code in UNFINISHED_EXIT_CODES:
        raise ConfigError(
            f"shard {shard.label} is unfinished: its summary {path} says it stopped (exit {code})",
            hint=f"{again} (it resumes), then merge",
        )
    return summary


def _check_target(job: Job, shard: Shard, summary: dict[str, Any]) -> None:
    """A shard run on another target than the job's now: its journal is that target's,
    and its messages count as sent only there (a summary without one predates targets)."""
    made_on, here = str(summary.get("target") or ""), target_identity(job.target)
    if made_on and made_on != here:
        raise ConfigError(
            f"shard {shard.label} ran on {made_on}, but job {job.name!r} now sends to {here}: "
            "its results cannot be merged with this target's",
            hint=f"merge with the job's [target] set back to {made_on}, or run every shard "
            f"on {here} first (io-batch send {job.source} --shard K/N)",
        )


def _check_journal(job: Job, shard: Shard, again: str) -> None:
    """The journal's last run writing the shard's results must be finished, every row done."""
    journal = journal_location(job).path
    if not journal.exists():
        raise ConfigError(
            f"shard {shard.label}'s journal {journal} is missing: cannot tell whether the "
            "shard finished",
            hint="merge where the shards ran, with the same state dir ([output] state_dir "
            "or IO_BATCH_STATE_DIR)",
        )
    try:
        found = last_run_writing(journal, job.output)
    except sqlite3.Error as error:
        raise ConfigError(f"cannot read shard {shard.label}'s journal {journal}: {error}") from None
    if found is None:
        raise ConfigError(
            f"shard {shard.label}'s journal {journal} has no run that wrote {job.output}",
            hint=f"{again}, then merge",
        )
    run_id, state, open_rows = found
    if state != "finished" or open_rows:
        raise ConfigError(
            f"shard {shard.label} is unfinished: its run {run_id} is {state} in the journal "
            f"{journal}" + (f", {open_rows} row(s) not done" if open_rows else ""),
            hint=f"{again} (it resumes; if it is still running, wait for it), then merge",
        )
