"""What the dry run shows: the summary it returns, and the text it prints.

Fiscal codes are never printed whole (masked as in the logs); the markdown preview
shows its first lines only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import polars as pl

from batch.common.csv_safety import mask_fiscal_code
from batch.config.choices import DuplicatePolicy
from batch.config.job import Job
from batch.errors import ExitCode
from batch.models import Row
from batch.rules import dates
from batch.rules.plan import WHOLE_LINE

_PREVIEW_LINES = 6


@dataclass
class ValidationSummary:
    rows: int = 0
    valid: int = 0  # valid rows, duplicates included
    invalid: int = 0
    duplicates: int = 0  # valid rows that the duplicates policy would not send
    excluded: int = 0  # rows whose citizen is in the exclusion list: not sent, not invalid
    by_reason: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)  # valid rows, sent all the same
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    report_path: Path | None = None
    encoding: str = ""
    separator: str = ""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROWS_NEED_ATTENTION if self.invalid else ExitCode.OK


@dataclass
class Collected:
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    warning_lines: dict[str, list[int]] = field(default_factory=dict)  # the first ones
    previews: list[Row] = field(default_factory=list)


def print_summary(
    summary: ValidationSummary,
    *,
    collected: Collected,
    duplicates: pl.DataFrame,
    job: Job,
    out: TextIO,
    max_errors: int,
) -> None:
    separator = "tab" if summary.separator == "\t" else summary.separator
    read_as = f"{summary.encoding}, separator {separator}" if separator else summary.encoding
    out.write(
        f"Checked {summary.rows:,} rows of {job.input.path} ({read_as}) in "
        f"{summary.elapsed_s:.2f} s ({summary.rows_per_s:,.0f} rows/s); nothing was sent.\n"
    )
    will_send = summary.valid - summary.duplicates
    out.write(f"  valid:      {summary.valid:,} ({will_send:,} to send)\n")
    out.write(f"  invalid:    {summary.invalid:,}\n")
    if job.input.exclude is not None:
        out.write(
            f"  excluded:   {summary.excluded:,} (in the exclusion list {job.input.exclude}, "
            "not sent)\n"
        )
    if job.message.duplicates is not DuplicatePolicy.SEND_ALL:
        policy = (
            "same citizen and content"
            if job.message.duplicates is DuplicatePolicy.SEND_ONCE
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
                f"line {line}" if column == WHOLE_LINE else f"line {line} ({column})"
                for line, column in shown
            )
            more = count - len(shown)
            out.write(f"    {places}{f', and {more:,} more' if more > 0 else ''}\n")
    if summary.warnings:
        _warnings(summary, collected, job, out)
    if duplicates.height:
        shown_duplicates = duplicates.head(max_errors).iter_rows()
        listing = ", ".join(f"line {line} (as line {first})" for line, first in shown_duplicates)
        more = duplicates.height - min(duplicates.height, max_errors)
        out.write(f"Duplicates: {listing}{f', and {more:,} more' if more > 0 else ''}\n")
    if summary.report_path is not None:
        out.write(f"Every problem, with its line and column: {summary.report_path}\n")
    for row in collected.previews:
        _preview(row, job.message.language, out)


WARNING_MESSAGES = {dates.PAST: dates.PAST_MESSAGE, dates.MIDNIGHT: dates.MIDNIGHT_MESSAGE}


def _warnings(summary: ValidationSummary, collected: Collected, job: Job, out: TextIO) -> None:
    out.write("Warnings (valid rows, sent all the same; first lines shown):\n")
    column = job.columns.due_date
    for code, count in sorted(summary.warnings.items(), key=lambda item: -item[1]):
        out.write(f"  {code}: {count:,} row(s): {WARNING_MESSAGES.get(code, '')}\n")
        shown = collected.warning_lines.get(code, [])
        places = ", ".join(f"line {line} ({column})" for line in shown)
        more = count - len(shown)
        out.write(f"    {places}{f', and {more:,} more' if more > 0 else ''}\n")


def _preview(row: Row, base_language: str, out: TextIO) -> None:
    """The row's message as the citizen will see it: in each of the job's languages,
    when it has more than one (who gets which is known only once IO is asked)."""
    message = row.message
    assert message is not None
    to = mask_fiscal_code(message.fiscal_code)
    texts = [(base_language, message.subject, message.markdown)]
    texts += [(t.language, t.subject, t.markdown) for t in row.translations]
    for language, subject, markdown in texts:
        if len(texts) == 1:
            out.write(f"Preview of line {row.line} (to {to}):\n")
        else:
            default = " (the default)" if language == base_language else ""
            out.write(f"Preview of line {row.line} (to {to}) in {language}{default}:\n")
        _texts(subject, markdown, out)
    details = []
    if message.due_date:
        details.append(f"due {message.due_date}")
    if message.payment_data is not None:
        cents = message.payment_data.amount_cents
        details.append(f"amount {cents // 100},{cents % 100:02d} euro")
        details.append(f"notice {message.payment_data.notice_number}")
    if details:
        out.write(f"  {'; '.join(details)}\n")


def _texts(subject: str, markdown: str, out: TextIO) -> None:
    out.write(f"  subject:  {subject}\n")
    lines = markdown.strip().splitlines()
    for index, text in enumerate(lines[:_PREVIEW_LINES]):
        out.write(f"  {'markdown: ' if index == 0 else '          '}{text}\n")
    if len(lines) > _PREVIEW_LINES:
        more = len(lines) - _PREVIEW_LINES
        out.write(f"            ... ({more} more line{'s' if more > 1 else ''})\n")
