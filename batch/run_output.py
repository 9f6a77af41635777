"""What a run leaves behind once it stops: the results file in input order and the report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import polars as pl

from batch import read
from batch.job import Job
from batch.journal import Journal, Run
from batch.limiter import Limiter
from batch.models import Outcome, Status
from batch.report import RunReport
from batch.results import rewrite_results

BATCH_ROWS = 50_000
ALL_LINES = (0, 2**62)


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
    """Rewrite the results file from the input (its cells) and the journal (outcomes)."""
    fiscal = source.resolve(job.columns.fiscal_code)
    columns = list(dict.fromkeys([fiscal, *passthrough]))

    def rows() -> Iterator[tuple[int, str, dict[str, str]]]:
        for raw in source.batches(BATCH_ROWS):
            batch = raw
            if rerun:  # a rerun keeps the original input's line numbers
                batch = raw.with_columns(pl.col("line").cast(pl.Int64).alias(read.LINE_COLUMN))
            for cells in batch.select(read.LINE_COLUMN, *columns).iter_rows(named=True):
                line = int(cells.pop(read.LINE_COLUMN))
                code = (cells[fiscal] or "").strip().upper()
                yield line, code, {name: value or "" for name, value in cells.items()}

    def outcomes() -> Iterator[tuple[int, str, Outcome, str]]:
        for recorded in journal.outcomes(run_id, *ALL_LINES):
            yield recorded.line, recorded.fiscal_code, recorded.outcome, recorded.run_id

    rewrite_results(job.output, rows(), outcomes(), passthrough, include_pending=include_pending)


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
    budget = job.rate
    report = RunReport(
        job=job.name,
        run_id=run.run_id,
        output=str(job.output),
        rows=total,
        counts=dict(counts),
        elapsed_s=round(elapsed, 3),
        calls=limiter.calls,
        throttled=limiter.throttled,
        calls_per_s=round(limiter.calls / elapsed, 3) if elapsed > 0 else 0.0,
        budget="unlimited"
        if budget.calls is None
        else f"{budget.calls}/{budget.window_seconds:g}s",
        resumed=run.resumed,
        unknown_after_crash=run.unknown_after_crash,
        interrupted=interrupted,
    )
    report.exit_code = int(report.decide_exit_code())
    return report
