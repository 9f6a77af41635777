"""``io-batch reach``'s command line, read once into a ``ReachCommand``."""

from __future__ import annotations

import argparse
from pathlib import Path

from batch.api.prepare import InputChoice
from batch.common.cli_options import add_input_source_options, add_no_progress_option, show_progress
from batch.reach.command import ReachCommand, run_reach


def add_reach_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    add_input_source_options(reach, input_help="the recipient file (default: from the job)")
    add_no_progress_option(reach)
    reach.set_defaults(func=_run_reach)


def _run_reach(args: argparse.Namespace) -> int:
    choice = InputChoice(
        input=args.input, output=args.output, encoding=args.encoding, separator=args.separator
    )
    return run_reach(
        ReachCommand(job=args.job, input=choice, show_progress=show_progress(args.no_progress))
    )
