"""What a run leaves behind once it stops: the results file in input order and the report."""

from __future__ import annotations

import csv
from collections import Counter
from typing import IO

import polars as pl

from batch.api.limiter import Limiter
from batch.common.csv_safety import neutralise, neutralise_expr
from batch.common.files import write_atomically
from batch.config.job import Job
from batch.config.target_identity import target_identity
from batch.i18n import N_, _
from batch.input import read
from batch.input.header import LINE_COLUMN
from batch.journal.journal import Journal, Run
from batch.models import Status
from batch.output.results_layout import (
    RESULT_COLUMNS,
    TARGET_COLUMN,
    input_column,
    result_field,
    results_header,
)
from batch.output.run_summary import RunReport
from batch.rules.io_rules import upper_ascii_expr

LINE = LINE_COLUMN
ALL_LINES = (0, 2**62)
PENDING_CODE = "row.pending"
PENDING_REASON = N_("not processed: run the job again")
# The journal's outcome columns, named as the results file names them.
OUTCOME_SCHEMA = {
    "line": pl.Int64,
    "fiscal_code": pl.String,
    "status": pl.String,
    "reason_code": pl.String,
    "reason": pl.String,
    "message_id": pl.String,
    "http_status": pl.Int64,
    "attempts": pl.Int64,
    "sent_at": pl.String,
    "run_id": pl.String,
    "language": pl.String,
}


def rewrite_from_journal(
    job: Job,
    source: read.InputFile,
    journal: Journal,
    run_id: str,
    passthrough: list[str],
    *,
    rerun: bool,
    include_pending: bool,
) -> None:
    """Rewrite the results file from the input (its cells) and the journal (outcomes),
    in input order, atomically, a batch at a time with polars (a million rows take
    seconds, not minutes). ``include_pending`` writes unprocessed rows as ``pending``;
    without it they are left out."""
    fiscal = source.resolve(job.columns.fiscal_code)
    target = target_identity(job.target)

    def write(handle: IO[str]) -> None:
        header = [neutralise(name) for name in results_header(passthrough)]
        csv.writer(handle, lineterminator="\n").writerow(header)
        for raw in source.batches():
            batch = raw
            if rerun:  # a rerun keeps the original input's line numbers
                batch = raw.with_columns(pl.col(result_field("line")).cast(pl.Int64).alias(LINE))
            if batch.is_empty():
                continue
            frame = _results_frame(batch, fiscal, passthrough, journal, run_id, target=target)
            if not include_pending:
                frame = frame.filter(pl.col("status").is_not_null())
            frame = frame.with_columns(
                pl.col("status").fill_null(Status.PENDING.value),
                pl.col("reason_code").fill_null(PENDING_CODE),
                pl.col("reason").fill_null(_(PENDING_REASON)),
            )
            frame.select(neutralise_expr(pl.all().cast(pl.String).fill_null(""))).write_csv(
                handle, include_header=False, line_terminator="\n"
            )

    write_atomically(job.output, write)


def _results_frame(
    batch: pl.DataFrame,
    fiscal: str,
    passthrough: list[str],
    journal: Journal,
    run_id: str,
    *,
    target: str,
) -> pl.DataFrame:
    low, high = batch[LINE].min(), batch[LINE].max()
    outcomes = pl.DataFrame(
        journal.outcome_rows(run_id, int(low), int(high)),  # type: ignore[arg-type]
        schema=OUTCOME_SCHEMA,
        orient="row",
    )
    cells = batch.select(
        pl.col(LINE).alias("line"),
        upper_ascii_expr(pl.col(fiscal).str.strip_chars()).alias("_input_code"),
        *(pl.col(name).alias(f"_in_{index}") for index, name in enumerate(passthrough)),
    )
    joined = cells.join(outcomes, on="line", how="left", maintain_order="left").with_columns(
        pl.lit(target).alias(TARGET_COLUMN)
    )
    return joined.select(
        "line",
        pl.coalesce("fiscal_code", "_input_code").alias("fiscal_code"),
        *RESULT_COLUMNS[2:],
        *(
            pl.col(f"_in_{index}").alias(input_column(name))
            for index, name in enumerate(passthrough)
        ),
    )


def build_report(
    job: Job,
    journal: Journal,
    run: Run,
    *,
    total: int,
    limiter: Limiter,
    elapsed: float,
    interrupted: bool,
) -> RunReport:
    counts = Counter(
        recorded.outcome.status.value for recorded in journal.outcomes(run.run_id, *ALL_LINES)
    )
    pending = total - sum(counts.values())
    if pending:
        counts[Status.PENDING.value] = pending
    report = RunReport(
        job=job.name,
        target=target_identity(job.target),
        run_id=run.run_id,
        output=str(job.output),
        rows=total,
        counts=dict(counts),
        elapsed_s=round(elapsed, 3),
        calls=limiter.calls,
        throttled=limiter.throttled,
        calls_per_s=round(limiter.calls / elapsed, 3) if elapsed > 0 else 0.0,
        budget=job.shard.budget if job.shard and job.shard.budget else job.rate.label,
        shard=job.shard.label if job.shard else "",
        resumed=run.resumed,
        replayed=run.replayed,
        unknown_after_crash=run.unknown_after_crash,
        interrupted=interrupted,
        pauses=[pause.to_json() for pause in limiter.pauses],
    )
    report.exit_code = int(report.decide_exit_code())
    return report
