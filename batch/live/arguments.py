"""The command line of ``pilot`` and ``approve`` (README, "From trial to live")."""

from __future__ import annotations

import argparse
from pathlib import Path

from batch.live.approve import run_approve
from batch.live.pilot import run_pilot


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
    pilot.add_argument(
        "--operator", metavar="NAME", help="who sends it (default: IO_BATCH_OPERATOR)"
    )
    pilot.add_argument(
        "--no-progress", action="store_true", help="no progress bar even on a terminal"
    )
    pilot.set_defaults(func=run_pilot)

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
    approve.add_argument("--input", type=Path, help="the recipient file (default: from the job)")
    approve.add_argument(
        "--encoding",
        choices=("auto", "utf-8", "utf-8-sig", "cp1252", "latin-1"),
        help="the input's encoding (default: from the job, else auto-detect)",
    )
    approve.add_argument(
        "--separator",
        choices=(",", ";", "tab", "auto"),
        help="the input's separator (default: from the job, else auto-detect)",
    )
    approve.set_defaults(func=run_approve)
