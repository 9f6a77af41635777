"""``io-batch verify``'s command line: its options, read once into a ``VerifyCommand``."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from batch.common.cli_options import add_no_progress_option, show_progress
from batch.errors import ExitCode, exit_codes_help
from batch.verify.command import VerifyCommand, run_verify

DEFAULT_DEADLINE = 900.0

VERIFY_DESCRIPTION = """\
Post-send check: a 201 only means that IO accepted a message, and processing can
still fail. For every 'sent' and 'already_sent' row of a results CSV (of a send or a
rerun), ask IO what became of the message, under the job's rate budget (these calls
count against it as much as sending does), and write a verification CSV: the message
status (ACCEPTED, THROTTLED, PROCESSED, REJECTED, FAILED), read and payment status
where IO gives them, and a note when there is no status. Other rows are not checked:
the summary counts them by status. Running the same command again continues: messages
already final are not asked again.
"""
VERIFY_EXIT_CODES = {
    ExitCode.OK: "every checked message was PROCESSED",
    ExitCode.ROWS_NEED_ATTENTION: "some need attention or are still in processing",
    ExitCode.INPUT_ERROR: "not a results file",
}


def add_verify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="ask IO whether each sent message was really processed",
        description=VERIFY_DESCRIPTION,
        epilog=textwrap.fill(exit_codes_help(VERIFY_EXIT_CODES), width=88) + "\n",
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
    add_no_progress_option(
        verify,
        help="no progress bar even on a terminal (default: a bar on a terminal, a progress "
        "log event every 10 s otherwise)",
    )
    verify.set_defaults(func=_run_verify)


def _run_verify(args: argparse.Namespace) -> int:
    return run_verify(
        VerifyCommand(
            results=args.results,
            job=args.job,
            output=args.output,
            wait=args.wait,
            deadline=args.deadline,
            show_progress=show_progress(args.no_progress),
        )
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value
