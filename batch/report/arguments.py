"""The ``report`` command's arguments (``batch/arguments.py`` adds them to the one parser)."""

from __future__ import annotations

import argparse
from pathlib import Path

REPORT_DESCRIPTION = """\
Write one self-contained HTML report of a campaign: the funnel (rows, valid, reachable,
sent, PROCESSED, read, paid), invalid rows by reason, outcomes by status, messages sent
over time with the 429 pauses, IO's statuses from a verification file, and every run's
metadata, each chart with its numbers in words. The file is owner-only, loads nothing
from the network, masks fiscal codes, and prints on A4 without cutting a row or a chart.

A rerun chain is one campaign: pass the results file and its reruns in order
(RESULTS RESULTS-rerun.csv ...), or the first one with --chain to follow the default
rerun names. The counts come from the last file (it holds every row's latest outcome).
"""


def add_report_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report",
        help="write an HTML report of a campaign (one file, no network needed to open it)",
        description=REPORT_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "results",
        type=Path,
        nargs="+",
        help="the results CSV; several: a results file and its reruns, in order",
    )
    report.add_argument(
        "--job", type=Path, required=True, help="the job file that produced them (required)"
    )
    report.add_argument(
        "--verify",
        type=Path,
        help="the verification CSV of the last results file (adds PROCESSED, read, paid and "
        "IO's statuses; default: none)",
    )
    report.add_argument(
        "--output",
        type=Path,
        help="the HTML file (default: <last results stem>.report.html beside it)",
    )
    report.add_argument(
        "--chain",
        action="store_true",
        help="also report the reruns of the last results file found by their default names "
        "(<stem>-rerun.csv, <stem>-rerun-rerun.csv, ...) (default: off)",
    )
    report.set_defaults(func=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    # Loaded only for this command: the report's modules have no business in a send.
    from batch.report.command import ReportCommand, run_report  # noqa: PLC0415

    return run_report(
        ReportCommand(
            results=tuple(args.results),
            job=args.job,
            verify=args.verify,
            output=args.output,
            chain=args.chain,
        )
    )
