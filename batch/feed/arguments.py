"""``io-batch subscribers sync|status``'s command line, read once into typed options."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from batch.common.cli_options import add_no_progress_option, show_progress
from batch.feed.command import (
    StatusCommand,
    SyncCommand,
    run_subscribers_status,
    run_subscribers_sync,
)

SUBSCRIBERS_DESCRIPTION = """\
The subscriptions feed (for services PagoPA authorised to read it): a local list of
the service's subscribers, kept beside the job's journal, lets a job with
[profile] check = "feed" send with one call per subscriber and no call for anyone
else. 'sync' fetches every day the list lacks, from [profile] feed_start to yesterday,
under the job's rate budget; running it again fetches only the new days, and reads
again the last [profile] feed_reread_days days it holds (IO rewrites past days). 'status'
says how far the list goes (exit 1 when a day is missing).
"""


def add_subscribers_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    add_no_progress_option(sync)
    sync.set_defaults(func=_run_sync)
    status = actions.add_parser(
        "status",
        help="how far the subscriber list goes, and how many subscribers it holds (no call)",
        description="Say from which day through which day the job's subscriber list is "
        "synced and how many subscribers it holds. No call. Exit 1 when a day up to "
        "yesterday is missing.",
    )
    status.add_argument("job", type=Path, help="the job file (TOML)")
    status.set_defaults(func=_run_status)


def _run_sync(args: argparse.Namespace) -> int:
    return run_subscribers_sync(
        SyncCommand(
            job=args.job,
            reread_from=args.reread_from,
            show_progress=show_progress(args.no_progress),
        )
    )


def _run_status(args: argparse.Namespace) -> int:
    return run_subscribers_status(StatusCommand(job=args.job))


def feed_day(text: str) -> date:
    """``--from``'s value: a day ``YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
