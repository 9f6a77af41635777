"""The command line of ``pilot`` and ``approve`` (README, "From trial to live")."""

from __future__ import annotations

import argparse
from pathlib import Path

from batch.api.prepare import InputChoice
from batch.common.cli_options import (
    add_input_source_options,
    add_no_progress_option,
    add_operator_option,
    show_progress,
)
from batch.live.approve import ApproveCommand, run_approve
from batch.live.pilot import PilotCommand, run_pilot


def add_live_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pilot = commands.add_parser(
        "pilot",
        help="send the campaign's message to the colleagues of [pilot] input first",
        description="Send the pilot file ([pilot] input: colleagues' fiscal codes and sample "
        "values, in the campaign's columns) with the campaign's templates, every language and "
        "the payment fields, to the job's target. Its own journal and results "
        "(<output stem>.pilot.csv): the campaign's are never touched. Run it again after a "
        "correction: changed templates go out anew, the same ones never twice. Records the "
        "template digest it sent, for approve.",
    )
    pilot.add_argument("job", type=Path, help="the job file (TOML)")
    pilot.add_argument(
        "--output", type=Path, help="the pilot's results CSV (default: <output stem>.pilot.csv)"
    )
    add_operator_option(pilot, help="who sends it (default: IO_BATCH_OPERATOR)")
    add_no_progress_option(pilot)
    pilot.set_defaults(func=_run_pilot)

    approve = commands.add_parser(
        "approve",
        help="record a second person's approval of what the campaign will send (four eyes)",
        description="Record in the state folder who approves the campaign and what exactly: "
        "the digests of the input file, the exclusion list and the message part of the job, "
        "the target, the last pilot's template digest and the dry run's counts. With [guard] "
        "require_approval = true, a send to IO refuses (exit 2) anything that differs, and an "
        "operator who is the approver. An audit trail and a guard against mistakes, not "
        "access control.",
    )
    approve.add_argument("job", type=Path, help="the job file (TOML)")
    approve.add_argument("--by", required=True, metavar="NAME", help="the approver's name")
    add_input_source_options(approve, input_help="the recipient file (default: from the job)")
    approve.set_defaults(func=_run_approve)


def _run_pilot(args: argparse.Namespace) -> int:
    return run_pilot(
        PilotCommand(
            job=args.job,
            output=args.output,
            operator=args.operator,
            show_progress=show_progress(args.no_progress),
        )
    )


def _run_approve(args: argparse.Namespace) -> int:
    choice = InputChoice(input=args.input, encoding=args.encoding, separator=args.separator)
    return run_approve(ApproveCommand(job=args.job, by=args.by, input=choice))
