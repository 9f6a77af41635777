"""``[output] report = true``: the report of each ``send`` and ``verify`` run, once it ended.

The runs ask for it (``common.report_requests``); the app layer (``cli``) makes the
reports asked for when the command returns. The report runs in a child process
(``child``), once the run's results and summary are written: whatever happens to it
(an error, a bug, the out-of-memory killer, which is told to pick it first) is logged
as ``report.failed`` and never changes the run's exit code: the messages went out (or
were checked) all the same. ``io-batch report`` makes it again at any time.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from batch.common import logs
from batch.common.report_requests import ReportRequest, take_requested
from batch.config.job import Job
from batch.i18n import current_language

#: A report of 3M rows takes ~15 s on one core: this is a report that hangs.
REPORT_TIMEOUT_S = 1800.0


def make_requested_reports() -> None:
    """The reports the command's runs asked for, in the order they ended."""
    for request in take_requested():
        make_report(request)


def report_after_run(job: Job, results: Path, *, verify: Path | None = None) -> None:
    """The report of a run over ``results`` (and ``verify``), when the job asks for one."""
    if job.report:
        make_report(ReportRequest(job.source, results, verify))


def make_report(request: ReportRequest) -> None:
    results = request.results
    command = [sys.executable, "-m", "batch.report.child", str(request.job_file), str(results)]
    # The run's language, whichever way it was chosen (--lang, the job, the locale).
    command += ["--lang", current_language()]
    if request.verify is not None:
        command += ["--verify", str(request.verify)]
    if logs.writes_json():
        command.append("--json")
    sys.stdout.flush()  # the child writes to the same stream: keep the lines in order
    sys.stderr.flush()
    try:
        # This interpreter, our module, paths as arguments: no shell, nothing to inject.
        run = subprocess.run(command, timeout=REPORT_TIMEOUT_S, check=False)  # noqa: S603
        code = run.returncode
    except subprocess.TimeoutExpired:
        logs.get_logger().error("report.failed", error=f"no report after {REPORT_TIMEOUT_S:g} s")
        return
    except OSError as error:
        logs.get_logger().error("report.failed", error=f"cannot start the report: {error}")
        return
    if code == 0:
        return
    if code < 0:
        name = signal.Signals(-code).name
        why = " (out of memory?)" if -code == signal.SIGKILL else ""
        logs.get_logger().error(
            "report.failed",
            error=f"the report process was killed by {name}{why}",
            hint=f"run 'io-batch report {results} --job {request.job_file}' where memory allows",
        )
    # A positive code: the child logged its own report.failed with the reason.
