"""Throughput over time: messages sent per minute, a bucket at a time, with 429 pauses.

The times are the rows' ``sent_at`` (the 201's time, which the journal records and the
results file copies): they are there as long as the results are, even after the journal
forgets a run. The pauses come from the run summaries (``pauses``: every time the
gateway answered 429 and no call went out until its retry hint expired).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Bucket widths in seconds: the smallest that keeps the chart within MAX_BUCKETS bars.
NICE_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
MAX_BUCKETS = 90


@dataclass(frozen=True, slots=True)
class Pause:
    start: datetime
    end: datetime
    answers: int  # 429 answers during this pause


@dataclass(frozen=True, slots=True)
class Throughput:
    start: datetime  # of the first bucket
    bucket_s: int
    counts: tuple[int, ...]  # messages sent in each bucket
    pauses: tuple[Pause, ...]

    @property
    def sent(self) -> int:
        return sum(self.counts)

    def per_minute(self) -> list[float]:
        return [count * 60 / self.bucket_s for count in self.counts]

    def bucket_start(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.bucket_s)

    def paused_buckets(self) -> set[int]:
        """The buckets that overlap a 429 pause."""
        marked: set[int] = set()
        for pause in self.pauses:
            first = math.floor((pause.start - self.start).total_seconds() / self.bucket_s)
            last = math.floor((pause.end - self.start).total_seconds() / self.bucket_s)
            marked.update(i for i in range(first, last + 1) if 0 <= i < len(self.counts))
        return marked

    def peak_per_minute(self) -> float:
        return max(self.per_minute(), default=0.0)


def throughput(
    sent_seconds: Mapping[int, int], summaries: Iterable[Mapping[str, Any]]
) -> Throughput | None:
    """``sent_seconds``: sent rows per second (epoch) of their send time; None when no row
    carries a send time (nothing was sent, or only already_sent rows). Buckets are whole
    seconds, so counting by the second loses nothing."""
    seconds = {second: count for second, count in sent_seconds.items() if count}
    if not seconds:
        return None
    first, last = min(seconds), max(seconds)
    span = last - first
    bucket = next((b for b in NICE_BUCKETS if span / b < MAX_BUCKETS), NICE_BUCKETS[-1])
    start = first // bucket * bucket
    size = (last - start) // bucket + 1
    counts = [0] * size
    for second, count in seconds.items():
        counts[min((second - start) // bucket, size - 1)] += count
    return Throughput(
        datetime.fromtimestamp(start, UTC), bucket, tuple(counts), tuple(_pauses(summaries))
    )


def _pauses(summaries: Iterable[Mapping[str, Any]]) -> list[Pause]:
    found = []
    for summary in summaries:
        for entry in summary.get("pauses") or []:
            try:
                found.append(
                    Pause(_parse(entry["start"]), _parse(entry["end"]), int(entry["answers"]))
                )
            except (KeyError, TypeError, ValueError):
                continue  # a summary edited by hand: skip the entry, keep the report
    return sorted(found, key=lambda pause: pause.start)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
