"""``send`` and ``rerun`` of a sharded job: one shard (``--shard K/N`` or an Indexed Job's
``JOB_COMPLETION_INDEX``), or every shard one after the other in this process, then
merged into the job's ordinary output (``io-batch send JOB`` on a laptop)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from batch.common import logs
from batch.config.job import Job
from batch.config.shards import Layout, Shard, choose_layout, split_budget
from batch.errors import ConfigError, ExitCode
from batch.shards.merge import merge_shards

#: What a shard's run may end with for the next shard to start (the others stop here).
_GO_ON = (ExitCode.OK, ExitCode.ROWS_NEED_ATTENTION)


def layout_from(job: Job, shard: str | None, shards: int | None) -> Layout | None:
    """The layout a run takes: ``--shard K/N`` and ``--shards N`` over the job's own."""
    return choose_layout(job.shard_count, shard, shards, os.environ)


def run_layout(
    job: Job,
    layout: Layout | None,
    send_one: Callable[[Job], int],
    *,
    not_over: Path | None = None,
) -> int:
    """Run ``send_one`` on the job, its one shard, or each shard then merge; a shard
    whose results would overwrite ``not_over`` (the file a rerun reads) is refused."""
    if layout is None:
        return send_one(job)
    if layout.shard is not None:
        return send_one(shard_job(job, layout.shard, split=True, not_over=not_over))
    for shard in layout.shards():
        # In turn, so each with the job's whole budget.
        logs.get_logger().info("shard.start", shard=shard.label, of=job.name)
        code = send_one(shard_job(job, shard, split=False, not_over=not_over))
        if code not in _GO_ON:
            return code
    return merge_shards(job, count=layout.count).exit_code


def shard_job(job: Job, shard: Shard, *, split: bool, not_over: Path | None = None) -> Job:
    """The job as shard ``shard`` runs it: its rows, its results file, its journal, and
    (``split``: the shards run at once) its share of a limited budget; a shared budget
    (``[rate] shared``) is not split: the shards take their turns from its one window."""
    output = shard.file(job.output)
    if not_over is not None and output.resolve() == not_over.resolve():
        raise ConfigError(
            f"shard {shard.label} would write its results over {not_over}, the file being rerun",
            hint="name another --output",
        )
    rate = job.rate
    if split and rate.shared is None:
        budget = split_budget(rate.calls, rate.window_seconds, shard.count)
        rate = replace(rate, calls=budget.calls)
        shard = replace(shard, budget=budget.label)
    return replace(job, shard=shard, output=output, rate=rate)
