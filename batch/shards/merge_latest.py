"""Before a merge: each shard's files are of its latest run over the input they read.

A shard's results file is overwritten by its next run to the same path only: a later
night run with another ``--output`` leaves the earlier night's shard files where they
were. Merging those would hand the earlier night's outcomes over as tonight's. So for
each shard, the run recorded in its summary must be the run its journal last saw write
that file, and no later run of the shard may have read the same input (the same file
digest) into another file; otherwise the merge names the shard and where its latest
run of that input went.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from batch.config.job import Job
from batch.config.state_dir import journal_location
from batch.journal.looks import latest_run_of_same_input
from batch.shards.merge_checks import ShardRun


def stale_shards(job: Job, runs: Sequence[ShardRun]) -> list[str]:
    """What is wrong with each shard whose files are not its latest run, one line each."""
    problems = []
    for run in runs:
        journal = journal_location(replace(job, shard=run.shard, output=run.results)).path
        try:
            found = latest_run_of_same_input(journal, run.results)
        except sqlite3.Error as error:
            problems.append(f"cannot read shard {run.shard.label}'s journal {journal}: {error}")
            continue
        if found is None:  # merge_checks refused it already; kept for a journal edited since
            problems.append(f"shard {run.shard.label}'s journal has no run that wrote it")
            continue
        run_id, latest_id, latest_output = found
        summarised = str(run.summary.get("run_id", ""))
        if summarised != run_id:
            problems.append(
                f"shard {run.shard.label}'s summary is of run {summarised or '(none)'} but "
                f"its journal's last run writing {run.results} is {run_id}: the files are not "
                "of one run"
            )
        elif latest_id != run_id:
            problems.append(
                f"shard {run.shard.label}'s {run.results} is of run {run_id}, but its latest "
                f"run of the same input is {latest_id}, which wrote {latest_output}"
            )
    return problems
