"""``io-batch errata RESULTS --job ERRATA_JOB --dry-run``: whom it reaches, and the rows it
leaves out and why; then the errata messages checked as ``validate`` checks any message
(previews, problems by reason, duplicates, warnings). No call, nothing written.
"""

from __future__ import annotations

from typing import TextIO

from batch.config.job import Job
from batch.config.subject_privacy import refuse_undeclared
from batch.dryrun.job_warnings import warning_line
from batch.dryrun.run import validate_frames
from batch.errata import chain
from batch.errata.subject import WARNING_CODE, describe, subjects_without_prefix
from batch.errors import InputError
from batch.i18n import N_, _, format_number, ngettext
from batch.input import read
from batch.models import Status
from batch.rules import io_rules
from batch.send.errata_rows import WITHOUT_ID, RowCount, count_rows, restrict_to_reached
from batch.send.producer import rerun_view

#: Why a left-out row is not reached, when its status alone does not say it plainly.
_WHY = {
    Status.UNKNOWN.value: N_(
        "the original may have arrived, IO cannot tell: not reached, decide for them apart"
    ),
    WITHOUT_ID: N_("IO accepted it without a message id, so nobody can confirm it: not reached"),
    Status.PENDING.value: N_("the original run did not process them: finish it first"),
}


def require_results(source: read.InputFile) -> None:
    if not source.is_results:
        raise InputError(
            _("{path} is not an io-batch results file").format(path=source.path),
            hint=_(
                "errata takes the results CSV (of send, rerun or merge) of the campaign it corrects"
            ),
        )


def run_errata_dry_run(job: Job, *, out: TextIO, max_errors: int) -> int:
    io_rules.check_job(job)
    refuse_undeclared(job.subject_privacy)  # guard.subject_placeholders = "refuse": exit 2
    with read.open_input(job.input, job.required_columns()) as source:
        require_results(source)
        count = count_rows(source)
        _print_reach(job, count, out)
        restrict_to_reached(source)
        summary = validate_frames(
            job, source, map(rerun_view, source.batches()), max_errors=max_errors, out=out
        )
    return int(summary.exit_code)


def _print_reach(job: Job, count: RowCount, out: TextIO) -> None:
    by_status = ", ".join(
        f"{status} {format_number(rows)}" for status, rows in sorted(count.reached.items())
    )
    reach = ngettext(
        "Errata of {path} with job {job}: it reaches {to_reach} of its {rows} rows ({by_status})",
        "Errata of {path} with job {job}: it reaches {to_reach} of its {rows} rows ({by_status})",
        count.rows,
    )
    out.write(
        reach.format(
            path=job.input.path,
            job=repr(job.name),
            to_reach=format_number(count.to_reach),
            rows=format_number(count.rows),
            by_status=by_status or _("none"),
        )
        + "\n"
    )
    left_out = sum(count.left_out.values())
    if left_out:
        out.write(
            ngettext(
                "Left out: {rows} row(s), by their status in the results",
                "Left out: {rows} row(s), by their status in the results",
                left_out,
            ).format(rows=format_number(left_out))
            + "\n"
        )
        for reason, rows in sorted(count.left_out.items(), key=lambda item: -item[1]):
            out.write(f"  {reason}: {format_number(rows)}")
            out.write(f" ({_(_WHY[reason])})\n" if reason in _WHY else "\n")
    without_prefix = subjects_without_prefix(job)
    if without_prefix:
        out.write(warning_line(WARNING_CODE, describe(without_prefix)) + "\n")
    later = chain.later_rerun(job.input.path)
    if later is not None:
        out.write(warning_line(chain.WARNING_CODE, chain.describe(job.input.path, later)) + "\n")
