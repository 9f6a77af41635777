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
    days_missing: int = 0  # still missing at the end
    subscriptions: int = 0  # digests named by the fetched days
    unsubscriptions: int = 0
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
        through = self.synced_through or "nothing yet"
        out.write(
            f"  synced from {self.start} through {through} (yesterday: {self.yesterday}); "
            f"{self.subscribers} subscribers\n"
        )
        if self.days_missing:
            out.write(f"  {self.days_missing} day(s) still missing: run the sync again\n")
        if self.interrupted:
            out.write("interrupted: run the same command again to resume\n")
        out.write(f"store: {self.store}\n")
