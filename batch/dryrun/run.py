"""``io-batch validate`` (and ``send --dry-run``): read and check the whole input, call nothing.

Prints the counts, the first problems grouped by reason (with line and column), one or
two filled-in messages to look at, and writes every problem to an error report CSV
(owner-only, spreadsheet-safe, fiscal codes masked). Batches of 200,000 rows are
validated two at a time on two threads, so memory stays flat.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import polars as pl

from batch.common.clock import utc_timestamp
from batch.common.progress import Progress
from batch.config.choices import DuplicatePolicy
from batch.config.job import Job
from batch.config.subject_privacy import refuse_undeclared
from batch.dryrun.midnight import midnight_rows
from batch.dryrun.output import Collected, ValidationSummary, print_summary
from batch.dryrun.warnings import find_warnings
from batch.input.columns import HeaderColumns
from batch.input.exclusions import ExclusionList, load_exclusions
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.input.read import InputFile, open_input
from batch.input.source import Chunk
from batch.rules import dates, io_rules, validate
from batch.rules.duplicates import DuplicateFinder
from batch.rules.error_report import ErrorReport, problem_rows
from batch.rules.exclusions import split_excluded
from batch.rules.plan import (
    CONTENT_KEY,
    FISCAL_CODE,
    INVALID_COLUMN,
    REASON,
    REASON_CODE,
)
from batch.rules.rows import to_rows

# On purpose not the send run's ``read.BATCH_ROWS``: no call waits on a batch here, so
# larger batches pay off (chosen in the dry run's performance work, commit 9233661).
DRY_RUN_BATCH_ROWS = 200_000


def run_validate(
    job: Job, *, max_errors: int = 20, report_path: Path | None = None, out: TextIO
) -> ValidationSummary:
    """Validate every row of the job's input; print what an operator needs to fix."""
    started = time.perf_counter()
    io_rules.check_job(job)
    refuse_undeclared(job.subject_privacy)  # guard.subject_placeholders = "refuse": exit 2
    summary = ValidationSummary(report_path=report_path)
    collected = Collected()
    finder = DuplicateFinder()
    duplicates = pl.DataFrame()
    try:
        with open_input(job.input, job.required_columns()) as source:
            summary.encoding, summary.separator = source.encoding, source.separator
            context = _Context(
                job=job,
                source=source,
                columns=_used_columns(source, job),
                fiscal_code=source.resolve(job.columns.fiscal_code),
                report=report_path is not None,
                max_errors=max_errors,
                now=utc_timestamp(),
                exclusions=load_exclusions(job),
            )
            report = None
            if report_path is not None:
                report = ErrorReport(report_path, context.fiscal_code, job.message.duplicates)
            try:
                # A person at a terminal sees the count grow; a log gets the summary only.
                progress = Progress(None, draw=sys.stderr.isatty(), label="validating")
                try:
                    for checked in _checked(context):
                        _take(
                            checked,
                            summary=summary,
                            collected=collected,
                            finder=finder,
                            report=report,
                            context=context,
                        )
                        progress.advance_to(summary.rows)
                finally:
                    progress.close(keep=False)
                duplicates = finder.finish()
                summary.duplicates = duplicates.height
                if report is not None:
                    report.duplicates(duplicates)
            finally:
                if report is not None:
                    report.close()
    finally:
        finder.close()
    summary.valid = summary.rows - summary.invalid - summary.excluded
    summary.elapsed_s = time.perf_counter() - started
    summary.rows_per_s = summary.rows / summary.elapsed_s if summary.elapsed_s > 0 else 0.0
    print_summary(
        summary,
        collected=collected,
        duplicates=duplicates,
        job=job,
        out=out,
        max_errors=max_errors,
    )
    return summary


def validate_frames(
    job: Job, source: InputFile, frames: Iterable[pl.DataFrame], *, max_errors: int, out: TextIO
) -> ValidationSummary:
    """The dry run of given frames of an opened input, one thread, no error report: what
    ``errata --dry-run`` checks (the rows it reaches, as a rerun reads them)."""
    started = time.perf_counter()
    summary = ValidationSummary(encoding=source.encoding, separator=source.separator)
    collected = Collected()
    context = _Context(
        job=job,
        source=source,
        columns=_used_columns(source, job),
        fiscal_code=source.resolve(job.columns.fiscal_code),
        report=False,
        max_errors=max_errors,
        now=utc_timestamp(),
        exclusions=load_exclusions(job),
    )
    keep = [LINE_COLUMN, CSV_ERROR_COLUMN, *context.columns]
    finder = DuplicateFinder()
    try:
        for frame in frames:
            checked = _check(frame.select(keep), context)
            _take(
                checked,
                summary=summary,
                collected=collected,
                finder=finder,
                report=None,
                context=context,
            )
        duplicates = finder.finish()
    finally:
        finder.close()
    summary.duplicates = duplicates.height
    summary.valid = summary.rows - summary.invalid - summary.excluded
    summary.elapsed_s = time.perf_counter() - started
    summary.rows_per_s = summary.rows / summary.elapsed_s if summary.elapsed_s > 0 else 0.0
    print_summary(
        summary, collected=collected, duplicates=duplicates, job=job, out=out, max_errors=max_errors
    )
    return summary


def _used_columns(source: InputFile, job: Job) -> list[str]:
    return list(dict.fromkeys(source.resolve(name) for name in job.required_columns()))


@dataclass
class _Checked:
    """One validated batch, boiled down (on its worker thread) to what the dry run keeps."""

    rows: int
    counts: dict[str, int]  # invalid rows per reason code
    examples: list[tuple[str, int, str, str]]  # (reason code, line, column, reason), first ones
    report: pl.DataFrame | None  # the error report's lines for this batch
    keys: pl.DataFrame  # valid rows: content key and line
    head: pl.DataFrame  # the first valid rows, for the previews
    warnings: dict[str, int]  # valid rows per warning code (sent all the same)
    warning_lines: dict[str, list[int]]  # the first lines of each warning
    excluded: int = 0  # rows whose citizen is in the exclusion list (neither valid nor invalid)


@dataclass(frozen=True)
class _Context:
    job: Job
    source: InputFile
    columns: list[str]  # the input columns the job reads
    fiscal_code: str  # the fiscal code's column in the file
    report: bool  # whether report lines are wanted
    max_errors: int
    now: str  # when the validation started, in the due dates' format (for due_date.past)
    exclusions: ExclusionList | None = None


def _check(batch: pl.DataFrame, context: _Context) -> _Checked:
    validated = validate.validate_batch(
        batch, context.job, context.source.header_columns, render=False, content_key=True
    )
    excluded, validated = split_excluded(validated, FISCAL_CODE, context.exclusions)
    bad = pl.col(REASON_CODE).is_not_null()
    if validated.get_column(REASON_CODE).null_count() == validated.height:
        invalid, valid = validated.clear(), validated  # the common case: nothing to split
    else:
        invalid, valid = validated.filter(bad), validated.filter(~bad)
    counts: dict[str, int] = {}
    examples: list[tuple[str, int, str, str]] = []
    report = None
    if invalid.height:
        counts = dict(invalid.group_by(REASON_CODE).len().iter_rows())
        first = invalid.group_by(REASON_CODE, maintain_order=True).head(context.max_errors)
        examples = list(first.select(REASON_CODE, LINE_COLUMN, INVALID_COLUMN, REASON).iter_rows())
        if context.report:
            report = problem_rows(invalid, context.columns, context.fiscal_code)
    warnings, warning_lines = find_warnings(
        valid, context.job, now=context.now, max_lines=context.max_errors
    )
    midnights, midnight_lines = midnight_rows(
        valid, context.job, context.source, context.max_errors
    )
    if midnights:
        warnings[dates.MIDNIGHT] = midnights
        warning_lines[dates.MIDNIGHT] = midnight_lines
    return _Checked(
        rows=validated.height,
        counts=counts,
        examples=examples,
        report=report,
        keys=valid.select(CONTENT_KEY, LINE_COLUMN),
        head=valid.head(2),
        warnings=warnings,
        warning_lines=warning_lines,
        excluded=excluded.height,
    )


def _checked(context: _Context) -> Iterator[_Checked]:
    """Checked batches in line order, parsed and validated on two threads.

    polars works with the GIL released, so two chunks are parsed and validated at once
    while this thread reads the next one from disk: measured about twice as fast on 2
    cores as one batch at a time. From a damaged line on, the exact reader (one thread,
    line by line) feeds the validation threads.
    """
    source = context.source
    # Only the columns the job reads: the others would cost memory and copies for nothing.
    keep = [LINE_COLUMN, CSV_ERROR_COLUMN, *context.columns]

    def fast(chunk: Chunk) -> tuple[list[_Checked], int | None]:
        frames, irregular = source.chunk_frames(chunk, DRY_RUN_BATCH_ROWS)
        frames.reverse()
        checked = []
        while frames:  # each frame let go once checked: a damaged chunk makes many
            checked.append(_check(frames.pop().select(keep), context))
        return checked, irregular

    workers = 2
    irregular: int | None = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="validate") as pool:
        chunks: deque[Future[tuple[list[_Checked], int | None]]] = deque()
        for chunk in source.chunks():
            chunks.append(pool.submit(fast, chunk))
            if len(chunks) > workers:
                checked, irregular = chunks.popleft().result()
                yield from checked
                if irregular is not None:
                    break
        while chunks and irregular is None:
            checked, irregular = chunks.popleft().result()
            yield from checked
        for later in chunks:
            later.cancel()  # chunks after a damaged line: the exact reader reads them
        if irregular is None:
            return
        batches: deque[Future[_Checked]] = deque()
        for batch in source.exact_batches(irregular, DRY_RUN_BATCH_ROWS):
            batches.append(pool.submit(_check, batch.select(keep), context))
            if len(batches) >= workers:
                yield batches.popleft().result()
        while batches:
            yield batches.popleft().result()


def _take(
    checked: _Checked,
    *,
    summary: ValidationSummary,
    collected: Collected,
    finder: DuplicateFinder,
    report: ErrorReport | None,
    context: _Context,
) -> None:
    summary.rows += checked.rows + checked.excluded
    summary.excluded += checked.excluded
    if checked.counts:
        summary.invalid += sum(checked.counts.values())
        for code, count in checked.counts.items():
            summary.by_reason[code] = summary.by_reason.get(code, 0) + count
        for code, line, column, reason in checked.examples:
            kept = collected.examples.setdefault(code, [])
            if len(kept) < context.max_errors:
                kept.append((line, column))
                collected.messages.setdefault(code, reason)
    for code, count in checked.warnings.items():
        summary.warnings[code] = summary.warnings.get(code, 0) + count
        lines = collected.warning_lines.setdefault(code, [])
        lines.extend(checked.warning_lines[code][: context.max_errors - len(lines)])
    if report is not None and checked.report is not None:
        report.write(checked.report)
    keys = checked.keys
    if context.job.message.duplicates is not DuplicatePolicy.SEND_ALL and keys.height:
        finder.add(keys.get_column(CONTENT_KEY), keys.get_column(LINE_COLUMN))
    if len(collected.previews) < 2 and checked.head.height:
        head = checked.head.head(2 - len(collected.previews))
        # The batches hold only the columns the job reads (see ``_checked``).
        read = HeaderColumns(context.columns, str(context.source.path))
        collected.previews.extend(to_rows(head, context.job, read))
