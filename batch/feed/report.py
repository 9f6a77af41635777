"""The sync's summary (printed, logged as one event, written as JSON beside the store)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TextIO

from batch.common.files import write_atomically
from batch.common.progress_line import format_duration


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
        out.write(f"\nio-batch: subscribers of job {self.job}\n")
        out.write(
            f"  fetched {self.days_fetched} of {self.days_missing_before} missing day(s) "
            f"in {format_duration(self.elapsed_s)}, {self.calls} API calls "
            f"(budget {self.budget}), {self.throttled} throttled (429)\n"
        )
        if self.days_reread:
            out.write(
                f"  read {self.days_reread} day(s) again: {self.days_rewritten} changed since "
                f"(+{self.reread_added} / -{self.reread_removed} subscribers)\n"
            )
        through = self.synced_through or "nothing yet"
        out.write(
            f"  synced from {self.start} through {through} (yesterday: {self.yesterday}); "
            f"{self.subscribers} subscribers\n"
        )
        if self.first_day_not_yet:
            out.write(
                f"  {self.days_not_yet} day(s) not published by IO yet, from "
                f"{self.first_day_not_yet}: run the sync again later\n"
            )
        elif self.days_missing:
            out.write(f"  {self.days_missing} day(s) still missing: run the sync again\n")
        if self.interrupted:
            out.write("interrupted: run the same command again to resume\n")
        out.write(f"store: {self.store}\n")
