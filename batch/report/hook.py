"""``[output] report = true``: ``send`` and ``verify`` write the report when they end.

Imported by those commands; the report's own modules (and pygal) load only when a job
asks for the report. A report that cannot be written is logged, and does not change the
run's exit code: the messages went out (or were checked) all the same.
"""

from __future__ import annotations

from pathlib import Path

from batch.common import logs
from batch.config.job import Job
from batch.errors import BatchError


def report_after_run(job: Job, results: Path, *, verify: Path | None = None) -> None:
    if not job.report:
        return
    from batch.report.command import write_report  # noqa: PLC0415 - only when asked

    try:
        write_report(job, [results], verify=verify)
    except BatchError as error:
        logs.get_logger().error("report.failed", error=str(error), hint=error.hint)
