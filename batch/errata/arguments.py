"""The ``errata`` command's options (``arguments.py`` adds the command with one call)."""

from __future__ import annotations

import argparse
from pathlib import Path

from batch.common.cli_options import add_no_progress_option, add_operator_option, show_progress
from batch.errata.command import ErrataCommand, run_errata
from batch.send.command import SendChoices

DESCRIPTION = """\
When a campaign went out wrong, PagoPA asks the sender to write to exactly the same
recipients, with a message titled "Errata corrige" and the original title. This sends
the errata job's message to the citizens whose rows in RESULTS are 'sent' or
'already_sent' with a message id, and to nobody else, filling its placeholders from
those rows' input columns. The errata job is a job file of its own (its own [job] name,
so its own journal): running the same command again resumes, and nothing goes out
twice. Give the last results file of a rerun chain: a rerun's results carry every row
of the run before. 'unknown' rows are not reached (the original may not have arrived).
"""


def add_errata_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    errata = commands.add_parser(
        "errata",
        help="send an 'Errata corrige' to exactly the citizens an earlier campaign reached",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    errata.add_argument(
        "results", type=Path, help="the results CSV of the campaign to correct (send/rerun/merge)"
    )
    errata.add_argument(
        "--job",
        type=Path,
        required=True,
        help="the errata job file: its own [job] name, its message (subject 'Errata corrige "
        "...'), target and rate budget (required)",
    )
    errata.add_argument(
        "--output",
        type=Path,
        help="the errata's results CSV (default: the errata job's [output] path)",
    )
    errata.add_argument(
        "--dry-run",
        action="store_true",
        help="say how many citizens it reaches and which rows it leaves out and why, check "
        "and preview the errata messages; make no call (default: off)",
    )
    errata.add_argument(
        "--durable",
        action="store_true",
        help="fsync the journal on every commit (default: off)",
    )
    add_no_progress_option(errata)
    add_operator_option(
        errata,
        help="who sends the errata, recorded in the summary, the journal and the report; with "
        "the errata job's [guard] require_approval, not its approver (default: "
        "IO_BATCH_OPERATOR)",
    )
    errata.set_defaults(func=_run_errata)


def _run_errata(args: argparse.Namespace) -> int:
    send = SendChoices(
        durable=args.durable, show_progress=show_progress(args.no_progress), operator=args.operator
    )
    return run_errata(
        ErrataCommand(
            results=args.results, job=args.job, output=args.output, dry_run=args.dry_run, send=send
        )
    )
