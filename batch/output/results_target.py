"""Which target a results file was made on, and the refusal to use it on another.

A message counts as sent only on the target it went to, so ``verify`` (which asks the
target about each message id) and ``rerun`` (whose journal is the target's) refuse a
results file made on another target, naming both. Every row of a results file carries
the identity of its target (``target`` column), so a merged file and a rerun's file
carry it as well. Files written before the column existed name no target: they are
taken as they are, as before.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from batch.config.job import Job
from batch.config.target_identity import target_identity
from batch.errors import ConfigError
from batch.output.results_layout import TARGET_COLUMN, layout, result_field


def results_targets(path: Path) -> set[str]:
    """The targets named in a results file's rows; empty when it has no target column
    (or is not a results file at all: its reader says so, later)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return set()  # the command's own reading of the file reports it
    if result_field(TARGET_COLUMN) not in layout(header).columns:
        return set()
    found = (
        pl.scan_csv(path, infer_schema=False)
        .select(pl.col(TARGET_COLUMN).fill_null("").unique())
        .collect()
        .get_column(TARGET_COLUMN)
        .to_list()
    )
    return {str(value) for value in found if value}


def check_results_target(path: Path, job: Job, command: str) -> str | None:
    """``ConfigError`` when ``path`` was made on another target than ``job``'s; the
    file's target, or None when it names none."""
    here = target_identity(job.target)
    found = results_targets(path)
    if not found or found == {here}:
        return here if found else None
    made_on = " and ".join(sorted(found))
    raise ConfigError(
        f"{path} was made on {made_on}, but job {job.name!r} now sends to {here}: "
        f"a message counts as sent only on the target it went to, so {command} refuses it",
        hint=f"run {command} with a job file whose [target] is {made_on} (the same kind and "
        "base_url; the API key may differ), or give it a results file made on "
        f"{here}",
    )
