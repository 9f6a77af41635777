"""The ``io-batch`` command line: one parser, every command and option with its default.

Each command names the function that runs it (``set_defaults(func=...)``); ``cli.main``
calls it with the parsed arguments.
"""

from __future__ import annotations

import argparse
import textwrap
from contextlib import suppress
from pathlib import Path

from batch import __version__
from batch.dryrun.command import run_validate_command
from batch.errata.arguments import add_errata_command
from batch.errors import ExitCode, exit_codes_help
from batch.feed.command import feed_day, run_subscribers_status, run_subscribers_sync
from batch.i18n import LANGUAGES
from batch.live.arguments import add_live_commands
from batch.reach.command import run_reach
from batch.report.arguments import add_report_command
from batch.sandbox.cli_args import add_sandbox_arguments, serve_from_args
from batch.send.command import run_rerun, run_send
from batch.shards.merge import run_merge
from batch.verify.command import run_verify

DEFAULT_DEADLINE = 900.0

DESCRIPTION = """\
Send personal messages to citizens in bulk through the IO app.

A job file (TOML) says which CSV to read, how to turn each row into a message, where
to send it (the real IO API or the built-in sandbox) and how fast. Every run writes a
results CSV with one row per input row, and a journal that makes it safe to stop,
kill and run again: nothing is sent twice, nothing is lost.
"""

EPILOG = textwrap.fill(exit_codes_help(), width=88) + "\n"


def _send_or_dry_run(args: argparse.Namespace) -> int:
    """``send --dry-run`` is ``validate``: a dry run never enters the send stage."""
    return run_validate_command(args) if args.dry_run else run_send(args)


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
    send.set_defaults(func=_send_or_dry_run, max_errors=20, report=None)

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
    validate.set_defaults(func=run_validate_command)

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
    rerun.set_defaults(func=run_rerun)
    add_errata_command(commands)

    _add_verify(commands)
    _add_merge(commands)
    _add_subscribers(commands)
    add_report_command(commands)
    _add_reach(commands)
    add_live_commands(commands)

    sandbox_parser = commands.add_parser(
        "sandbox",
        help="run the IO API simulator on 127.0.0.1",
        description="Serve a faithful simulator of the IO services API (profiles, messages, "
        "get-message, the gateway's rate limit and keys, faults on demand) for tests, demos "
        "and benchmarks. Test-only endpoints live under /__sandbox/.",
    )
    add_sandbox_arguments(sandbox_parser)
    sandbox_parser.set_defaults(func=run_sandbox)
    _add_language_option(parser)
    return parser


def _add_language_option(parser: argparse.ArgumentParser, *, top: bool = True) -> None:
    """``--lang`` on io-batch and on every command, before or after the command's name."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        # A command's own default must not hide the one given before the command.
        default=None if top else argparse.SUPPRESS,
        help="the language of what an office reads: reasons in the results, the dry "
        "run's report, the summary, the HTML report (default: the job's [output] "
        "language, else the locale, LANG, else English)",
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                if name != "sandbox":  # IO's simulator: no office reads it
                    _add_language_option(command, top=False)


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
    parser.add_argument(
        "--operator",
        metavar="NAME",
        help="who runs the send, recorded in the summary, the journal and the report; with "
        "[guard] require_approval, not the approver (default: IO_BATCH_OPERATOR)",
    )
    parser.add_argument(
        "--sync",
        action="store_true",
        help='feed mode ([profile] check = "feed"): sync the subscriber list first (exit 69 '
        "if IO has not published yesterday yet); without it a list not synced through "
        "yesterday stops the run (exit 2) (default: off)",
    )
    _add_environment_options(parser)
    _add_shard_options(parser)


def _add_environment_options(parser: argparse.ArgumentParser) -> None:
    """A new IO target while another one has the job's journal (README, "Resume")."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--same-environment",
        action="store_true",
        help="the job's new IO base_url is the same IO environment as the one whose journal "
        "the job has (the mTLS gateway, say): take that journal over, so nothing it recorded "
        "is sent again (default: off; without either option such a run stops, exit 2)",
    )
    choice.add_argument(
        "--new-environment",
        action="store_true",
        help="the job's new IO base_url is another environment: start its own journal "
        "(default: off)",
    )


def _add_shard_options(parser: argparse.ArgumentParser) -> None:
    """Sharded runs (README, "Sharded runs")."""
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="run only shard K of N (K from 1): the rows whose fiscal code hashes to it, with "
        "their own results (<output stem>.shard-K-of-N.csv) and journal, and 1/N of a limited "
        "budget (default: JOB_COMPLETION_INDEX+1 of a Kubernetes Indexed Job when set; else, "
        "for a sharded job, every shard in turn, then merged)",
    )
    parser.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="the shard count (default: [shards] count of the job file; must agree with it)",
    )


def _add_merge(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    merge = commands.add_parser(
        "merge",
        help="merge the results of a sharded run's shards into one results file",
        description="Read <output stem>.shard-K-of-N.csv for K = 1..N beside --output (else "
        "beside the job's output) and write one results CSV in input order, with one summary. "
        "Refuses (exit 2), naming every such shard, when a shard's results are missing, the "
        "shard is unfinished, or its file is not its latest run of that input.",
    )
    merge.add_argument("job", type=Path, help="the job file (TOML)")
    merge.add_argument(
        "--output", type=Path, help="the merged results CSV (default: the job's output)"
    )
    merge.add_argument(
        "--shards-of",
        type=Path,
        metavar="RESULTS",
        help="the --output the shards ran with, when the merged file goes elsewhere (default: "
        "--output, else the job's output)",
    )
    merge.add_argument(
        "--shards",
        type=int,
        metavar="N",
        help="the shard count (default: [shards] count of the job file, else the shard "
        "results found)",
    )
    merge.set_defaults(func=run_merge)


SUBSCRIBERS_DESCRIPTION = """\
The subscriptions feed (for services PagoPA authorised to read it): a local list of
the service's subscribers, kept beside the job's journal, lets a job with
[profile] check = "feed" send with one call per subscriber and no call for anyone
else. 'sync' fetches every day the list lacks, from [profile] feed_start to yesterday,
under the job's rate budget; running it again fetches only the new days, and reads
again the last [profile] feed_reread_days days it holds (IO rewrites past days). 'status'
says how far the list goes (exit 1 when a day is missing).
"""


def _add_subscribers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subscribers = commands.add_parser(
        "subscribers",
        help="keep the service's subscriber list from the subscriptions feed",
        description=SUBSCRIBERS_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = subscribers.add_subparsers(
        dest="subscribers_command", required=True, metavar="ACTION"
    )
    sync = actions.add_parser(
        "sync",
        help="fetch the feed's missing days, up to yesterday",
        description="Fetch every day of the subscriptions feed the job's list lacks, from "
        "[profile] feed_start to yesterday, under the job's rate budget and retry rules. "
        "Resumable: a day fetched is not fetched again, but the last [profile] "
        "feed_reread_days days held (default 2) are read again and their changes applied. "
        "Exit 69 when IO does not serve a day yet (run again later).",
    )
    sync.add_argument("job", type=Path, help="the job file (TOML)")
    sync.add_argument(
        "--from",
        dest="reread_from",
        type=feed_day,
        metavar="YYYY-MM-DD",
        help="also read again every day held from this one through yesterday, and apply "
        "what IO changed in them since (late writes) (default: the last feed_reread_days)",
    )
    sync.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    sync.set_defaults(func=run_subscribers_sync)
    status = actions.add_parser(
        "status",
        help="how far the subscriber list goes, and how many subscribers it holds (no call)",
        description="Say from which day through which day the job's subscriber list is "
        "synced and how many subscribers it holds. No call. Exit 1 when a day up to "
        "yesterday is missing.",
    )
    status.add_argument("job", type=Path, help="the job file (TOML)")
    status.set_defaults(func=run_subscribers_status)


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


def _add_verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    verify.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar even on a terminal (default: a bar on a terminal, a progress "
        "log event every 10 s otherwise)",
    )
    verify.set_defaults(func=run_verify)


def _add_reach(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reach = commands.add_parser(
        "reach",
        help="who can be reached on IO: profile checks only, no message sent",
        description="Run only the profile checks of the job's input, under the same rate "
        "budget, limiter, retries, journal and resume rules as send, and never a submit. "
        "Writes a reach CSV (line, fiscal_code, reach, reason_code, reason, then the input's "
        "columns) and a summary with the counts and the share reachable. Running the same "
        "command again resumes an interrupted reach.",
    )
    reach.add_argument("job", type=Path, help="the job file (TOML)")
    reach.add_argument(
        "--output",
        type=Path,
        help="the reach CSV (default: <results stem>-reach.csv beside the job's results; "
        "the summary goes to <reach stem>.summary.json)",
    )
    reach.add_argument("--input", type=Path, help="the recipient file (default: from the job)")
    reach.add_argument(
        "--encoding",
        choices=("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1"),
        help="the input's encoding (default: from the job, else auto-detect)",
    )
    reach.add_argument(
        "--separator",
        choices=(",", ";", "tab", "auto"),
        help="the input's separator (default: from the job, else auto-detect)",
    )
    reach.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    reach.set_defaults(func=run_reach)


def run_sandbox(args: argparse.Namespace) -> int:
    with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops a sandbox: not a failure
        serve_from_args(args)
    return ExitCode.OK


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value
