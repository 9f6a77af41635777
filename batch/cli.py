"""The ``io-batch`` command: argv and environment in, an exit code out.

Thin on purpose: it builds the job and the settings, configures logging, runs one
command, and turns every ``BatchError`` into one clear line and its exit code. No
traceback reaches the user; an unexpected exception is logged (masked) and exits 70.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from batch.arguments import build_parser
from batch.common import logs
from batch.errors import BatchError, ExitCode


def main(argv: Sequence[str] | None = None) -> int:
    try:  # a stop may come at any instant, parsing the command line included
        args = build_parser().parse_args(argv)
        json_logs = {"auto": None, "json": True, "console": False}[args.log_format]
        use_json = json_logs if json_logs is not None else not sys.stdout.isatty()
        level = args.log_level or ("info" if use_json else "warning")
        logs.configure(json=use_json, level=level)
        return int(args.func(args))
    except (Exception, KeyboardInterrupt, BaseExceptionGroup) as error:
        # A task group wraps a Ctrl-C (or a SIGTERM at start-up) that reached one of its
        # tasks in a BaseExceptionGroup, which ``Exception`` does not catch.
        return _fail(_root_cause(error))


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
        print(f"io-batch: error: {logs.mask_text(str(error))}", file=sys.stderr)
        return int(error.exit_code)
    if isinstance(error, KeyboardInterrupt):
        print("io-batch: interrupted", file=sys.stderr)
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
