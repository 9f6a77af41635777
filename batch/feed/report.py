"""The sync's summary (printed, logged as one event, written as JSON beside the store)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TextIO

from batch.common.files import write_atomically
from batch.common.progress_line import format_duration
from batch.i18n import _, format_number, ngettext


@dataclass
class SyncReport:
    job: str
    store: str
    start: str
    yesterday: str
    synced_through: str | None = None
    days_missing_before: int = 0  # days this sync had to fetch
    days_fetched: int = 0
    days_not_yet: int = 0  # IO said "not available yet": left for the next sync
    first_day_not_yet: str | None = None  # the earliest of them (exit 69)
    not_yet_detail: str = ""  # IO's words about it
    days_missing: int = 0  # still missing at the end
    subscriptions: int = 0  # digests named by the fetched days
    unsubscriptions: int = 0
    days_reread: int = 0  # stored days read again ([profile] feed_reread_days, --from)
    days_rewritten: int = 0  # of those, days IO serves differently now (late writes)
    reread_added: int = 0  # subscribers the re-read days added
    reread_removed: int = 0  # and removed: they are not messaged any more
    subscribers: int = 0  # current subscribers in the store
    elapsed_s: float = 0.0
    calls: int = 0
    throttled: int = 0
    calls_by_operation: dict[str, int] = field(default_factory=dict)
    budget: str = ""
    interrupted: bool = False
    error: str = ""
    exit_code: int = 0

    def write_json(self, path: Path) -> None:
        """The summary as JSON, 0600, written whole (``common/files.py``)."""

        def dump(handle: IO[str]) -> None:
            json.dump(asdict(self), handle, indent=2, sort_keys=True)
            handle.write("\n")

        write_atomically(path, dump)

    def print(self, out: TextIO) -> None:
        out.write("\n" + subscribers_title(self.job) + "\n")
        fetched = ngettext(
            "fetched {fetched} of {missing} missing day(s) in {elapsed}, {calls} API calls "
            "(budget {budget}), {throttled} throttled (429)",
            "fetched {fetched} of {missing} missing day(s) in {elapsed}, {calls} API calls "
            "(budget {budget}), {throttled} throttled (429)",
            self.days_missing_before,
        )
        lines = [
            fetched.format(
                fetched=format_number(self.days_fetched),
                missing=format_number(self.days_missing_before),
                elapsed=format_duration(self.elapsed_s),
                calls=format_number(self.calls),
                budget=self.budget,
                throttled=format_number(self.throttled),
            )
        ]
        if self.days_reread:
            reread = ngettext(
                "read {reread} day(s) again: {rewritten} changed since "
                "(+{added} / -{removed} subscribers)",
                "read {reread} day(s) again: {rewritten} changed since "
                "(+{added} / -{removed} subscribers)",
                self.days_reread,
            )
            lines.append(
                reread.format(
                    reread=format_number(self.days_reread),
                    rewritten=format_number(self.days_rewritten),
                    added=format_number(self.reread_added),
                    removed=format_number(self.reread_removed),
                )
            )
        lines.append(synced_text(self.start, self.synced_through, self.yesterday, self.subscribers))
        if self.first_day_not_yet:
            lines.append(
                ngettext(
                    "{days} day(s) not published by IO yet, from {first}: run the sync again later",
                    "{days} day(s) not published by IO yet, from {first}: run the sync again later",
                    self.days_not_yet,
                ).format(days=format_number(self.days_not_yet), first=self.first_day_not_yet)
            )
        elif self.days_missing:
            lines.append(
                ngettext(
                    "{days} day(s) still missing: run the sync again",
                    "{days} day(s) still missing: run the sync again",
                    self.days_missing,
                ).format(days=format_number(self.days_missing))
            )
        out.write("".join(f"  {line}\n" for line in lines))
        if self.interrupted:
            out.write(_("interrupted: run the same command again to resume") + "\n")
        out.write(_("store: {path}").format(path=self.store) + "\n")


def subscribers_title(job: str) -> str:
    return _("io-batch: subscribers of job {job}").format(job=job)


def synced_text(start: object, through: object, yesterday: object, subscribers: int) -> str:
    """How far the subscriber list goes: a sync's summary and ``subscribers status``."""
    return _(
        "synced from {start} through {through} (yesterday: {yesterday}); {subscribers} subscribers"
    ).format(
        start=start,
        through=through or _("nothing yet"),
        yesterday=yesterday,
        subscribers=format_number(subscribers),
    )
