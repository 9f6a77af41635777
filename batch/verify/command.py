"""``io-batch verify``: the command line of the post-send check (the work is in ``verify``)."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

import anyio

from batch.common import logs
from batch.common.writable import Destination, check_writable
from batch.config.job import load_job
from batch.config.secrets import resolve_api_key
from batch.errors import ConfigError, ExitCode, exit_codes_help
from batch.send.results import read_results
from batch.verify.outcomes import select_checks, verify_base_url
from batch.verify.output import default_output, summary_path
from batch.verify.run import VerifyOptions, VerifyRun
from batch.verify.summary import VerifySummary

DEFAULT_DEADLINE = 900.0

DESCRIPTION = """\
Post-send check: a 201 only means that IO accepted a message, and processing can
still fail. For every 'sent' and 'already_sent' row of a results CSV (of a send or a
rerun), ask IO what became of the message, under the job's rate budget (these calls
count against it as much as sending does), and write a verification CSV: the message
status (ACCEPTED, THROTTLED, PROCESSED, REJECTED, FAILED), read and payment status
where IO gives them, and a note when there is no status. Other rows are not checked:
the summary counts them by status. Running the same command again continues: messages
already final are not asked again.
"""
EXIT_CODES_HERE = {
    ExitCode.OK: "every checked message was PROCESSED",
    ExitCode.ROWS_NEED_ATTENTION: "some need attention or are still in processing",
    ExitCode.INPUT_ERROR: "not a results file",
}


def add_verify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``verify`` to the ``io-batch`` commands."""
    verify = commands.add_parser(
        "verify",
        help="ask IO whether each sent message was really processed",
        description=DESCRIPTION,
        epilog=textwrap.fill(exit_codes_help(EXIT_CODES_HERE), width=88) + "\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("results", type=Path, help="the results CSV of a send or rerun")
    verify.add_argument(
        "--job",
        type=Path,
        required=True,
        help="the job file that sent them: its target, key variable, rate budget, timeouts "
        "and retries are used (required)",
    )
    verify.add_argument(
        "--output",
        type=Path,
        help="the verification CSV (default: <results stem>.verify.csv beside the results; "
        "the summary goes to <verification stem>.summary.json)",
    )
    verify.add_argument(
        "--wait",
        action="store_true",
        help="ask again the messages still in processing (and those IO failed to answer "
        "for), every 5 s doubling to 60 s, until they are final or the deadline passes "
        "(default: off, one pass)",
    )
    verify.add_argument(
        "--deadline",
        type=_seconds,
        default=DEFAULT_DEADLINE,
        metavar="SECONDS",
        help="with --wait, stop waiting this many seconds after the start; the first pass "
        f"over every row always completes (default: {DEFAULT_DEADLINE:g})",
    )
    verify.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar even on a terminal (default: a bar on a terminal, a progress "
        "log event every 10 s otherwise)",
    )
    verify.set_defaults(run_verify=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Run ``io-batch verify``; a ``BatchError`` is left to the caller (cli.main)."""
    job = load_job(args.job)
    base_url = verify_base_url(job.target)
    results: Path = args.results
    output: Path = args.output or default_output(results)
    if output.resolve() == results.resolve():
        raise ConfigError("--output must not be the results file being verified")
    check_writable(
        [
            Destination(output, "verification file", "--output"),
            Destination(summary_path(output), "verification summary", "--output"),
        ]
    )
    selection = select_checks(read_results(results))
    key = resolve_api_key(job.target, os.environ)
    logs.add_secret(key.value)
    options = VerifyOptions(
        wait=args.wait,
        deadline=args.deadline,
        show_progress=sys.stderr.isatty() and not args.no_progress,
    )
    run = VerifyRun(
        job,
        selection,
        results=results,
        output=output,
        options=options,
        base_url=base_url,
        api_key=key.value,
    )
    summary = anyio.run(run.run)
    finish(summary, output, print_text=not logs.writes_json())
    return summary.exit_code


def finish(summary: VerifySummary, output: Path, *, print_text: bool) -> None:
    """The summary as JSON beside the verification file, one log event, and on stdout."""
    summary.write_json(summary_path(output))
    logs.get_logger().info("verify.summary", **summary.to_json())
    # With JSON logs, stdout is a stream of JSON lines: the event above is the summary there.
    if print_text:
        summary.print(sys.stdout)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value
