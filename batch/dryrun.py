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
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl

from batch import rules, validate
from batch.csv_safety import mask_fiscal_code
from batch.duplicates import DuplicateFinder
from batch.error_report import ErrorReport, problem_rows
from batch.errors import ExitCode
from batch.job import Job
from batch.models import Row
from batch.read import CSV_ERROR_COLUMN, LINE_COLUMN, Chunk, InputFile, open_input

BATCH_ROWS = 200_000
_PREVIEW_LINES = 6


@dataclass
class ValidationSummary:
    rows: int = 0
    valid: int = 0  # valid rows, duplicates included
    invalid: int = 0
    duplicates: int = 0  # valid rows that the duplicates policy would not send
    by_reason: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    report_path: Path | None = None
    encoding: str = ""
    separator: str = ""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROWS_NEED_ATTENTION if self.invalid else ExitCode.OK


@dataclass
class _Collected:
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    previews: list[Row] = field(default_factory=list)


def required_columns(job: Job) -> list[str]:
    """The job's column names that the input must have."""
    return list(dict.fromkeys([*job.columns.used().values(), *job.message.placeholders()]))


def run_validate(
    job: Job, *, max_errors: int = 20, report_path: Path | None = None, out: TextIO
) -> ValidationSummary:
    """Validate every row of the job's input; print what an operator needs to fix."""
    started = time.perf_counter()
    rules.check_job(job)
    summary = ValidationSummary(report_path=report_path)
    collected = _Collected()
    finder = DuplicateFinder()
    duplicates = pl.DataFrame()
    try:
        with open_input(job.input, required_columns(job)) as source:
            summary.encoding, summary.separator = source.encoding, source.separator
            context = _Context(
                job=job,
                source=source,
                columns=_used_columns(source, job),
                fiscal_code=source.resolve(job.columns.fiscal_code),
                report=report_path is not None,
                max_errors=max_errors,
            )
            report = None
            if report_path is not None:
                report = ErrorReport(
                    report_path, context.columns, context.fiscal_code, job.message.duplicates
                )
            try:
                progress = _Progress()
                for checked in _checked(context):
                    _take(
                        checked,
                        summary=summary,
                        collected=collected,
                        finder=finder,
                        report=report,
                        context=context,
                    )
                    progress.show(summary.rows)
                progress.done()
                duplicates = finder.finish()
                summary.duplicates = duplicates.height
                if report is not None:
                    report.duplicates(duplicates)
            finally:
                if report is not None:
                    report.close()
    finally:
        finder.close()
    summary.valid = summary.rows - summary.invalid
    summary.elapsed_s = time.perf_counter() - started
    summary.rows_per_s = summary.rows / summary.elapsed_s if summary.elapsed_s > 0 else 0.0
    _print(
        summary,
        collected=collected,
        duplicates=duplicates,
        job=job,
        out=out,
        max_errors=max_errors,
    )
    return summary


def _used_columns(source: InputFile, job: Job) -> list[str]:
    return list(dict.fromkeys(source.resolve(name) for name in required_columns(job)))


@dataclass
class _Checked:
    """One validated batch, boiled down (on its worker thread) to what the dry run keeps."""

    rows: int
    counts: dict[str, int]  # invalid rows per reason code
    examples: list[tuple[str, int, str, str]]  # (reason code, line, column, reason), first ones
    report: pl.DataFrame | None  # the error report's lines for this batch
    keys: pl.DataFrame  # valid rows: content key and line
    head: pl.DataFrame  # the first valid rows, for the previews


@dataclass(frozen=True)
class _Context:
    job: Job
    source: InputFile
    columns: list[str]  # the input columns the job reads
    fiscal_code: str  # the fiscal code's column in the file
    report: bool  # whether report lines are wanted
    max_errors: int


def _check(batch: pl.DataFrame, context: _Context) -> _Checked:
    validated = validate.validate_batch(
        batch, context.job, context.source, render=False, content_key=True
    )
    bad = pl.col(validate.REASON_CODE).is_not_null()
    if validated.get_column(validate.REASON_CODE).null_count() == validated.height:
        invalid, valid = validated.clear(), validated  # the common case: nothing to split
    else:
        invalid, valid = validated.filter(bad), validated.filter(~bad)
    counts: dict[str, int] = {}
    examples: list[tuple[str, int, str, str]] = []
    report = None
    if invalid.height:
        counts = dict(invalid.group_by(validate.REASON_CODE).len().iter_rows())
        first = invalid.group_by(validate.REASON_CODE, maintain_order=True).head(context.max_errors)
        examples = list(
            first.select(
                validate.REASON_CODE, LINE_COLUMN, validate.INVALID_COLUMN, validate.REASON
            ).iter_rows()
        )
        if context.report:
            report = problem_rows(invalid, context.columns, context.fiscal_code)
    return _Checked(
        rows=validated.height,
        counts=counts,
        examples=examples,
        report=report,
        keys=valid.select(validate.CONTENT_KEY, LINE_COLUMN),
        head=valid.head(2),
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
        frames, irregular = source.chunk_frames(chunk, BATCH_ROWS)
        return [_check(frame.select(keep), context) for frame in frames], irregular

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
        for batch in source.exact_batches(irregular, BATCH_ROWS):
            batches.append(pool.submit(_check, batch.select(keep), context))
            if len(batches) >= workers:
                yield batches.popleft().result()
        while batches:
            yield batches.popleft().result()


def _take(
    checked: _Checked,
    *,
    summary: ValidationSummary,
    collected: _Collected,
    finder: DuplicateFinder,
    report: ErrorReport | None,
    context: _Context,
) -> None:
    summary.rows += checked.rows
    if checked.counts:
        summary.invalid += sum(checked.counts.values())
        for code, count in checked.counts.items():
            summary.by_reason[code] = summary.by_reason.get(code, 0) + count
        for code, line, column, reason in checked.examples:
            kept = collected.examples.setdefault(code, [])
            if len(kept) < context.max_errors:
                kept.append((line, column))
                collected.messages.setdefault(code, reason)
    if report is not None and checked.report is not None:
        report.write(checked.report)
    keys = checked.keys
    if context.job.message.duplicates != "send_all" and keys.height:
        finder.add(keys.get_column(validate.CONTENT_KEY), keys.get_column(LINE_COLUMN))
    if len(collected.previews) < 2 and checked.head.height:
        head = checked.head.head(2 - len(collected.previews))
        collected.previews.extend(validate.to_rows(head, context.job, context.columns))


class _Progress:
    """A progress line on stderr, only for a person at a terminal."""

    def __init__(self) -> None:
        self._on = sys.stderr.isatty()
        self._started = self._last = time.monotonic()

    def show(self, rows: int) -> None:
        now = time.monotonic()
        if self._on and now - self._last > 0.2:
            self._last = now
            rate = rows / (now - self._started)
            sys.stderr.write(f"\rvalidating: {rows:,} rows ({rate:,.0f} rows/s)")
            sys.stderr.flush()

    def done(self) -> None:
        if self._on:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _print(
    summary: ValidationSummary,
    *,
    collected: _Collected,
    duplicates: pl.DataFrame,
    job: Job,
    out: TextIO,
    max_errors: int,
) -> None:
    separator = "tab" if summary.separator == "\t" else summary.separator
    out.write(
        f"Checked {summary.rows:,} rows of {job.input.path} ({summary.encoding}, separator "
        f"{separator}) in {summary.elapsed_s:.2f} s ({summary.rows_per_s:,.0f} rows/s); "
        "nothing was sent.\n"
    )
    will_send = summary.valid - summary.duplicates
    out.write(f"  valid:      {summary.valid:,} ({will_send:,} to send)\n")
    out.write(f"  invalid:    {summary.invalid:,}\n")
    if job.message.duplicates != "send_all":
        policy = (
            "same citizen and content"
            if job.message.duplicates == "send_once"
            else ("same citizen")
        )
        out.write(
            f"  duplicates: {summary.duplicates:,} (policy {job.message.duplicates}: {policy} "
            "as an earlier line, not sent again)\n"
        )
    if summary.by_reason:
        out.write("Problems by reason (first lines shown):\n")
        for code, count in sorted(summary.by_reason.items(), key=lambda item: -item[1]):
            out.write(f"  {code}: {count:,} row(s): {collected.messages.get(code, '')}\n")
            shown = collected.examples.get(code, [])[:max_errors]
            places = ", ".join(
                f"line {line}" if column == validate.WHOLE_LINE else f"line {line} ({column})"
                for line, column in shown
            )
            more = count - len(shown)
            out.write(f"    {places}{f', and {more:,} more' if more > 0 else ''}\n")
    if duplicates.height:
        shown_duplicates = duplicates.head(max_errors).iter_rows()
        listing = ", ".join(f"line {line} (as line {first})" for line, first in shown_duplicates)
        more = duplicates.height - min(duplicates.height, max_errors)
        out.write(f"Duplicates: {listing}{f', and {more:,} more' if more > 0 else ''}\n")
    if summary.report_path is not None:
        out.write(f"Every problem, with its line and column: {summary.report_path}\n")
    for row in collected.previews:
        _preview(row, out)


def _preview(row: Row, out: TextIO) -> None:
    message = row.message
    assert message is not None
    out.write(f"Preview of line {row.line} (to {mask_fiscal_code(message.fiscal_code)}):\n")
    out.write(f"  subject:  {message.subject}\n")
    lines = message.markdown.strip().splitlines()
    for index, text in enumerate(lines[:_PREVIEW_LINES]):
        out.write(f"  {'markdown: ' if index == 0 else '          '}{text}\n")
    if len(lines) > _PREVIEW_LINES:
        more = len(lines) - _PREVIEW_LINES
        out.write(f"            ... ({more} more line{'s' if more > 1 else ''})\n")
    details = []
    if message.due_date:
        details.append(f"due {message.due_date}")
    if message.payment_data is not None:
        cents = message.payment_data.amount_cents
        details.append(f"amount {cents // 100},{cents % 100:02d} euro")
        details.append(f"notice {message.payment_data.notice_number}")
    if details:
        out.write(f"  {'; '.join(details)}\n")
