"""The ``io-batch`` command line: one parser, every command and option with its default.

Each command names the function that runs it (``set_defaults(func=...)``); ``cli.main``
calls it with the parsed arguments, and that function reads them, once, into the
command's typed options (``SendCommand``, ``VerifyCommand``...): no module past the
argument parsing sees an ``argparse.Namespace``. A command whose options are its own
has its parser beside it (``verify/arguments.py``, ``live/arguments.py``...); the options
several commands share are written once (``common/cli_options.py``).
"""

from __future__ import annotations

import argparse
import textwrap
from contextlib import suppress
from pathlib import Path

from batch import __version__
from batch.api.prepare import InputChoice
from batch.common.cli_options import (
    add_input_source_options,
    add_no_progress_option,
    add_operator_option,
    show_progress,
)
from batch.dryrun.command import ValidateCommand, run_validate_command
from batch.errata.arguments import add_errata_command
from batch.errors import ExitCode, exit_codes_help
from batch.feed.arguments import add_subscribers_command
from batch.i18n import LANGUAGES
from batch.journal.target import EnvironmentChoice
from batch.live.arguments import add_live_commands
from batch.reach.arguments import add_reach_command
from batch.report.arguments import add_report_command
from batch.sandbox.cli_args import add_sandbox_arguments, serve_from_args
from batch.send.command import RerunCommand, SendChoices, SendCommand, run_rerun, run_send
from batch.shards.merge import MergeCommand, run_merge
from batch.verify.arguments import add_verify_command

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
    if args.dry_run:
        return _validate(args)
    return run_send(SendCommand(job=args.job, input=_input_choice(args), send=_send_choices(args)))


def _validate(args: argparse.Namespace) -> int:
    return run_validate_command(
        ValidateCommand(
            job=args.job, input=_input_choice(args), max_errors=args.max_errors, report=args.report
        )
    )


def _rerun(args: argparse.Namespace) -> int:
    return run_rerun(
        RerunCommand(
            results=args.results,
            job=args.job,
            output=args.output,
            include_unknown=args.include_unknown,
            include_not_registered=args.include_not_registered,
            include_not_allowed=args.include_not_allowed,
            send=_send_choices(args),
        )
    )


def _merge(args: argparse.Namespace) -> int:
    return run_merge(
        MergeCommand(job=args.job, output=args.output, shards_of=args.shards_of, shards=args.shards)
    )


def _input_choice(args: argparse.Namespace) -> InputChoice:
    return InputChoice(
        input=args.input, output=args.output, encoding=args.encoding, separator=args.separator
    )


def _send_choices(args: argparse.Namespace) -> SendChoices:
    environment = EnvironmentChoice.ASK
    if args.same_environment:
        environment = EnvironmentChoice.SAME
    elif args.new_environment:
        environment = EnvironmentChoice.NEW
    return SendChoices(
        force_resend=args.force_resend,
        resend_unknown=args.resend_unknown,
        durable=args.durable,
        show_progress=show_progress(args.no_progress),
        operator=args.operator,
        sync=args.sync,
        environment=environment,
        shard=args.shard,
        shards=args.shards,
    )


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
    validate.set_defaults(func=_validate)

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
    rerun.set_defaults(func=_rerun)
    add_errata_command(commands)

    add_verify_command(commands)
    _add_merge(commands)
    add_subscribers_command(commands)
    add_report_command(commands)
    add_reach_command(commands)
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
    add_input_source_options(
        parser,
        input_help="the recipient CSV (default: from the job)",
        output_help="the results CSV (default: from the job)",
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
    add_no_progress_option(parser)
    add_operator_option(
        parser,
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
    merge.set_defaults(func=_merge)


def run_sandbox(args: argparse.Namespace) -> int:
    with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops a sandbox: not a failure
        serve_from_args(args)
    return ExitCode.OK
