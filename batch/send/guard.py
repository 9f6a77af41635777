"""``[guard]``: a send or rerun handed the wrong file stops before any call.

A nightly job handed the whole citizen registry instead of the debtors' list must not
send 400,000 messages. Before the journal is opened and before any call, the input is
read once more and counted:

- ``max_messages``: the messages the run would submit at most, that is the valid rows
  (on a rerun, those it retries) less the rows the job's duplicates policy would not send
  within the file and the citizens in the exclusion list. Profile checks may then spare
  some, and rows already sent by an earlier run are skipped, so this is an upper bound:
  a guard never lets through a file that could send more.
- ``invalid_rows = "refuse_file"``: any invalid row refuses the file, and the error report
  is written as ``validate`` writes it, so the operator fixes the file in one go.

Both refusals exit 3 (``InputError``), as any other unusable input does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from batch.config.choices import DuplicatePolicy, InvalidRows
from batch.config.job import Job
from batch.errors import InputError
from batch.input import read
from batch.input.exclusions import ExclusionList
from batch.input.header import LINE_COLUMN
from batch.models import Status
from batch.rules import validate
from batch.rules.duplicates import DuplicateFinder
from batch.rules.error_report import ErrorReport, problem_rows
from batch.rules.exclusions import split_excluded
from batch.rules.plan import CONTENT_KEY, FISCAL_CODE, REASON_CODE
from batch.send.producer import rerun_view, retried


@dataclass
class GuardCount:
    rows: int = 0  # the rows the run would look at (on a rerun: those it retries)
    excluded: int = 0  # listed in the exclusion list: never sent, never invalid
    invalid: int = 0
    duplicates: int = 0
    valid: int = 0

    @property
    def to_send(self) -> int:
        return self.valid - self.duplicates


def report_path(job: Job) -> Path:
    """Where a refused file's error report goes: where ``validate`` puts it by default."""
    return job.output.with_name(f"{job.output.stem}.errors.csv")


def is_on(job: Job) -> bool:
    return job.guard.max_messages is not None or job.guard.invalid_rows is InvalidRows.REFUSE_FILE


def check_guard(
    job: Job,
    source: read.InputFile,
    *,
    rerun_statuses: frozenset[Status] | None,
    exclusions: ExclusionList | None = None,
) -> GuardCount | None:
    """Raise ``InputError`` when the job's guard refuses the input; None when it is off."""
    if not is_on(job):
        return None
    refuse_file = job.guard.invalid_rows is InvalidRows.REFUSE_FILE
    count = count_input(
        job,
        source,
        rerun_statuses=rerun_statuses,
        exclusions=exclusions,
        report=report_path(job) if refuse_file else None,
    )
    path = job.input.path
    if refuse_file and count.invalid:
        raise InputError(
            f"{path}: {count.invalid:,} of {count.rows:,} rows are invalid and "
            'guard.invalid_rows = "refuse_file": the file is refused, nothing was sent',
            hint=f"fix the rows listed in {report_path(job)} and run again",
        )
    limit = job.guard.max_messages
    if limit is not None and count.to_send > limit:
        raise InputError(
            f"{path} would submit up to {count.to_send:,} messages, more than "
            f"guard.max_messages = {limit:,}: nothing was sent",
            hint="check that this is the right file; if it is, raise [guard] max_messages",
        )
    return count


def count_input(
    job: Job,
    source: read.InputFile,
    *,
    rerun_statuses: frozenset[Status] | None,
    exclusions: ExclusionList | None = None,
    report: Path | None,
) -> GuardCount:
    """The guard's figures for the whole input; with ``report``, the error report too."""
    count = GuardCount()
    columns = list(dict.fromkeys(source.resolve(name) for name in job.required_columns()))
    fiscal_code = source.resolve(job.columns.fiscal_code)
    writer = ErrorReport(report, fiscal_code, job.message.duplicates) if report else None
    finder = DuplicateFinder()
    try:
        for raw in source.batches():
            batch = raw
            if rerun_statuses is not None:
                batch = rerun_view(raw).filter(retried(rerun_statuses))
            validated = validate.validate_batch(
                batch, job, source.header_columns, render=False, content_key=True
            )
            excluded, validated = split_excluded(validated, FISCAL_CODE, exclusions)
            count.excluded += excluded.height
            bad = pl.col(REASON_CODE).is_not_null()
            invalid = validated.filter(bad)
            valid = validated.filter(~bad)
            count.rows += validated.height
            count.invalid += invalid.height
            count.valid += valid.height
            if writer is not None and invalid.height:
                writer.write(problem_rows(invalid, columns, fiscal_code))
            if job.message.duplicates is not DuplicatePolicy.SEND_ALL and valid.height:
                finder.add(valid.get_column(CONTENT_KEY), valid.get_column(LINE_COLUMN))
        duplicates = finder.finish()
        count.duplicates = duplicates.height
        if writer is not None:
            writer.duplicates(duplicates)
    finally:
        finder.close()
        if writer is not None:
            writer.close()
    return count
