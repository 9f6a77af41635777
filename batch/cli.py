"""The ``io-batch`` command: argv and environment in, an exit code out.

Thin on purpose: it builds the job and the settings, configures logging, runs one
command, and turns every ``BatchError`` into one clear line and its exit code. No
traceback reaches the user; an unexpected exception is logged (masked) and exits 70.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from batch.arguments import build_parser
from batch.common import logs
from batch.config.office_language import language_in_job_file
from batch.errors import BatchError, ExitCode
from batch.i18n import _, choose_language, use_language
from batch.report.hook import make_requested_reports


def main(argv: Sequence[str] | None = None) -> int:
    try:  # a stop may come at any instant, parsing the command line included
        args = build_parser().parse_args(argv)
        json_logs = {"auto": None, "json": True, "console": False}[args.log_format]
        use_json = json_logs if json_logs is not None else not sys.stdout.isatty()
        level = args.log_level or ("info" if use_json else "warning")
        logs.configure(json=use_json, level=level)
        _speak_the_office_language(args)
        code = int(args.func(args))
        make_requested_reports()  # [output] report = true: after the runs, never inside
        return code
    except (Exception, KeyboardInterrupt, BaseExceptionGroup) as error:
        # A task group wraps a Ctrl-C (or a SIGTERM at start-up) that reached one of its
        # tasks in a BaseExceptionGroup, which ``Exception`` does not catch.
        return _fail(_root_cause(error))


def _speak_the_office_language(args: argparse.Namespace) -> None:
    """One language for the whole run, chosen before any text is made: the job file's
    own refusals speak it too."""
    job_path = getattr(args, "job", None)
    job_language = language_in_job_file(job_path if isinstance(job_path, Path) else None)
    use_language(choose_language(getattr(args, "lang", None), job_language, os.environ))


def _root_cause(error: BaseException) -> BaseException:
    """The error to report: task groups wrap what their tasks raise in exception groups."""
    while isinstance(error, BaseExceptionGroup):
        batch_errors = [leaf for leaf in _leaves(error) if isinstance(leaf, BatchError)]
        error = batch_errors[0] if batch_errors else _leaves(error)[0]
    return error


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for inner in group.exceptions:
        leaves.extend(_leaves(inner) if isinstance(inner, BaseExceptionGroup) else [inner])
    return leaves


def _fail(error: BaseException) -> int:
    log = logs.get_logger()
    if isinstance(error, BatchError):
        log.error("job.failed", error=str(error), exit_code=int(error.exit_code))
        line = _("io-batch: error: {error}").format(error=logs.mask_text(str(error)))
        print(line, file=sys.stderr)
        make_requested_reports()  # the runs that ended before the error (earlier shards)
        return int(error.exit_code)
    if isinstance(error, KeyboardInterrupt):
        print(_("io-batch: interrupted"), file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    # A bug: say so plainly; the traceback goes to the (masked) log at debug level only.
    log.error("internal_error", error_type=type(error).__name__)
    log.debug("internal_error.traceback", exc_info=(type(error), error, error.__traceback__))
    print(
        f"io-batch: internal error ({type(error).__name__}); please report it with the log "
        "of a run with --log-level debug",
        file=sys.stderr,
    )
    return int(ExitCode.INTERNAL_ERROR)
