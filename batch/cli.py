"""The ``io-batch`` command: argv and environment in, an exit code out.

Thin on purpose: it builds the job and the settings, configures logging, runs one
command, and turns every ``BatchError`` into one clear line and its exit code. No
traceback reaches the user; an unexpected exception is logged (masked) and exits 70.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import anyio

from batch import __version__, sandbox
from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import Job, load_job
from batch.config.secrets import resolve_api_key
from batch.config.state_dir import STATE_DIR_ENV, journal_location
from batch.dryrun.run import run_validate
from batch.errors import BatchError, ConfigError, ExitCode, exit_codes_help
from batch.models import RETRYABLE_BY_DEFAULT, Status
from batch.send.pipeline import SendOptions, SendRun
from batch.send.summary import RunReport
from batch.verify.command import add_verify_command

DESCRIPTION = """\
Send personal messages to citizens in bulk through the IO app.

A job file (TOML) says which CSV to read, how to turn each row into a message, where
to send it (the real IO API or the built-in sandbox) and how fast. Every run writes a
results CSV with one row per input row, and a journal that makes it safe to stop,
kill and run again: nothing is sent twice, nothing is lost.
"""

EPILOG = textwrap.fill(exit_codes_help(), width=88) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="io-batch",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"io-batch {__version__}")
    parser.add_argument(
        "--log-format",
        choices=("auto", "json", "console"),
        default="auto",
        help="log lines as JSON or for people (default: auto, JSON unless on a terminal)",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="debug adds one event per row (default: info for JSON logs; warning on a "
        "terminal, where the progress bar and the summary say the rest)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    send = commands.add_parser(
        "send",
        help="validate the input and send every valid row",
        description="Validate the input CSV and send one IO message per valid row: profile "
        "check first, then the submit, under the rate budget. Running the same command "
        "again resumes an interrupted run.",
    )
    send.add_argument("job", type=Path, help="the job file (TOML)")
    _add_input_options(send)
    send.add_argument(
        "--dry-run", action="store_true", help="validate only, make no call (same as validate)"
    )
    _add_send_options(send)

    validate = commands.add_parser(
        "validate",
        help="check every row and explain what is wrong, without any call",
        description="Dry run: read and validate the whole input, print the counts and the first "
        "errors grouped by reason, write an error report CSV and preview a message. No network.",
    )
    validate.add_argument("job", type=Path, help="the job file (TOML)")
    _add_input_options(validate)
    validate.add_argument(
        "--max-errors", type=int, default=20, help="errors to print (default: 20)"
    )
    validate.add_argument(
        "--report",
        type=Path,
        help="where to write the error report CSV (default: <output>.errors.csv)",
    )

    rerun = commands.add_parser(
        "rerun",
        help="send again the rows of an earlier results file that did not get through",
        description="Read an earlier results CSV and send only the rows whose status may be "
        "retried (failed, pending; more with the --include flags). Every other row keeps its "
        "outcome. Writes a new results file; running the same command again resumes it.",
    )
    rerun.add_argument("results", type=Path, help="the results CSV of an earlier run")
    rerun.add_argument("--job", type=Path, required=True, help="the job file that produced it")
    rerun.add_argument(
        "--output", type=Path, help="the new results CSV (default: <results>-rerun.csv)"
    )
    rerun.add_argument(
        "--include-unknown",
        action="store_true",
        help="also resend 'unknown' rows (check first that they did not arrive: a citizen may "
        "get the message twice)",
    )
    rerun.add_argument(
        "--include-not-registered",
        action="store_true",
        help="also retry 'not_registered' rows (citizens may have installed IO since)",
    )
    rerun.add_argument(
        "--include-not-allowed",
        action="store_true",
        help="also retry 'not_allowed' rows (citizens may have enabled the service since)",
    )
    _add_send_options(rerun)

    add_verify_command(commands)

    sandbox_parser = commands.add_parser(
        "sandbox",
        help="run the IO API simulator on 127.0.0.1",
        description="Serve a faithful simulator of the IO services API (profiles, messages, "
        "get-message, the gateway's rate limit and keys, faults on demand) for tests, demos "
        "and benchmarks. Test-only endpoints live under /__sandbox/.",
    )
    sandbox.add_sandbox_arguments(sandbox_parser)
    return parser


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", type=Path, help="the recipient CSV (default: from the job)")
    parser.add_argument("--output", type=Path, help="the results CSV (default: from the job)")
    parser.add_argument(
        "--encoding",
        choices=("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1"),
        help="the input's encoding (default: from the job, else auto-detect)",
    )
    parser.add_argument(
        "--separator",
        choices=(",", ";", "tab", "auto"),
        help="the input's separator (default: from the job, else auto-detect)",
    )


def _add_send_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force-resend",
        action="store_true",
        help="send even messages that an earlier run of this job already sent (default: off)",
    )
    parser.add_argument(
        "--resend-unknown",
        action="store_true",
        help="send even messages whose earlier submit has an unknown outcome (default: off)",
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="fsync the journal on every commit, to survive a power loss, not only a crash "
        "(default: off; costs time per message)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    json_logs = {"auto": None, "json": True, "console": False}[args.log_format]
    use_json = json_logs if json_logs is not None else not sys.stdout.isatty()
    level = args.log_level or ("info" if use_json else "warning")
    logs.configure(json=use_json, level=level)
    try:
        return int(_run(args))
    except (Exception, KeyboardInterrupt) as error:
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
        report: RunReport | None = getattr(error, "report", None)
        if report is not None:
            _finish(report, Path(report.output))
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


def _run(args: argparse.Namespace) -> int:
    if args.command == "sandbox":
        with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops a sandbox: not a failure
            sandbox.serve_from_args(args)
        return ExitCode.OK
    if args.command == "verify":
        return int(args.run_verify(args))
    if args.command == "rerun":
        return _rerun(args)
    job = load_job(args.job).with_overrides(
        input_path=args.input,
        output=args.output,
        encoding=args.encoding,
        separator=args.separator,
    )
    if args.command == "validate" or args.dry_run:
        return _validate(job, getattr(args, "max_errors", 20), getattr(args, "report", None))
    return _send(job, args, rerun_statuses=None)


def _validate(job: Job, max_errors: int, report: Path | None) -> int:
    report_path = report or job.output.with_name(f"{job.output.stem}.errors.csv")
    check_writable([Destination(report_path, "error report", "--report")])
    summary = run_validate(job, max_errors=max_errors, report_path=report_path, out=sys.stdout)
    return int(summary.exit_code)


def _rerun(args: argparse.Namespace) -> int:
    results: Path = args.results
    output = args.output or results.with_name(f"{results.stem}-rerun.csv")
    if output.resolve() == results.resolve():
        raise ConfigError(
            "--output must not be the results file being rerun",
            hint="name a new file, or leave --output out for <results>-rerun.csv",
        )
    job = load_job(args.job).with_overrides(
        input_path=results, output=output, encoding="utf-8", separator=","
    )
    statuses = set(RETRYABLE_BY_DEFAULT)
    if args.include_unknown:
        statuses.add(Status.UNKNOWN)
        args.resend_unknown = True
    if args.include_not_registered:
        statuses.add(Status.NOT_REGISTERED)
    if args.include_not_allowed:
        statuses.add(Status.NOT_ALLOWED)
    return _send(job, args, rerun_statuses=frozenset(statuses))


def _send(job: Job, args: argparse.Namespace, rerun_statuses: frozenset[Status] | None) -> int:
    journal = journal_location(job)
    check_writable(
        [
            Destination(job.output, "results file", "--output"),
            Destination(summary_path(job.output), "summary", "--output"),
            Destination(
                journal.path,
                "journal",
                f"[output] state_dir in the job file or {STATE_DIR_ENV} (now: {journal.source})",
            ),
        ]
    )
    key = resolve_api_key(job.target, os.environ)
    logs.add_secret(key.value)
    resend = {"sent"} if args.force_resend else set()
    if args.resend_unknown:
        resend.add("unknown")
    options = SendOptions(
        resend=frozenset(resend),
        durable=args.durable,
        rerun_statuses=rerun_statuses,
        show_progress=sys.stderr.isatty() and not args.no_progress,
    )
    if not logs.writes_json():  # a person at a terminal: say which journal guards this job
        location = journal_location(job)
        print(f"io-batch: journal {location.path} ({location.source})", file=sys.stderr)
    with _base_url(job) as base_url:
        run = SendRun(job, options, base_url=base_url, api_key=key.value)
        report = anyio.run(run.run)
    _finish(report, job.output)
    return report.exit_code


def summary_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.summary.json")


def _finish(report: RunReport, output: Path) -> None:
    report.write_json(summary_path(output))
    logs.get_logger().info("run.summary", **report.__dict__)
    # With JSON logs, stdout is a stream of JSON lines: the event above is the summary there.
    if not logs.writes_json():
        report.print(sys.stdout)


@contextmanager
def _base_url(job: Job) -> Iterator[str]:
    """The API's URL; for a sandbox job with no URL, an embedded sandbox on loopback."""
    if job.target.base_url is not None:
        yield job.target.base_url
        return
    with sandbox.running_sandbox(sandbox.SandboxConfig()) as running:
        logs.get_logger().info("sandbox.started", base_url=running.base_url)
        yield running.base_url
