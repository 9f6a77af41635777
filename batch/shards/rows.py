"""A sharded run reads only its shard's rows: the input's batches, filtered as read."""

from __future__ import annotations

import polars as pl

from batch.common.csv_safety import restore_expr
from batch.config.job import Job
from batch.input import read
from batch.shards.assign import shard_numbers


def restrict_to_shard(source: read.InputFile, job: Job) -> None:
    """From now on ``source.batches()`` gives only the rows of ``job.shard`` (all rows
    when the job is not sharded). A results file given back (rerun) holds the cells in
    their spreadsheet-safe form: they are hashed as the original input's were."""
    shard = job.shard
    if shard is None:
        return
    column = source.resolve(job.columns.fiscal_code)
    restore = source.is_results

    def keep(frame: pl.DataFrame) -> pl.DataFrame:
        cells = frame.get_column(column)
        if restore:
            cells = frame.select(restore_expr(pl.col(column))).to_series()
        return frame.filter(shard_numbers(cells, shard.count) == shard.index)

    source.row_filter = keep
