"""Throughput over time: messages sent per bucket of time, with 429 pauses.

The times are the rows' ``sent_at`` (the 201's time, which the journal records and the
results file copies): they are there as long as the results are, even after the journal
forgets a run. The pauses come from the run summaries (``pauses``: every time the
gateway answered 429 and no call went out until its retry hint expired).
"""

from __future__ import annotations

import math
from collections import Counter
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

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class Throughput:
    """Messages sent per bucket of ``bucket_s`` seconds. The rates it states are counted,
    never extrapolated: a 15 s run of 196 messages has no "900 per minute" in it."""

    start: datetime  # of the first bucket
    bucket_s: int
    counts: tuple[int, ...]  # messages sent in each bucket
    pauses: tuple[Pause, ...]
    first: datetime  # the second of the first send time
    last: datetime  # the second of the last send time
    busiest_minute: tuple[datetime, int]  # the calendar minute that saw the most sends

    @property
    def sent(self) -> int:
        return sum(self.counts)

    @property
    def span_s(self) -> int:
        """From the first send second to the end of the last one."""
        return int((self.last - self.first).total_seconds()) + 1

    def bucket_start(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.bucket_s)

    def paused_shares(self) -> list[float]:
        """Each bucket's share of time (0 to 1) spent in a 429 pause."""
        paused = [0.0] * len(self.counts)
        for pause in self.pauses:
            begin = (pause.start - self.start).total_seconds()
            end = (pause.end - self.start).total_seconds()
            first = max(0, math.floor(begin / self.bucket_s))
            last = min(len(paused) - 1, math.floor(end / self.bucket_s))
            for index in range(first, last + 1):
                low, high = index * self.bucket_s, (index + 1) * self.bucket_s
                paused[index] += max(0.0, min(end, high) - max(begin, low))
        return [min(1.0, seconds / self.bucket_s) for seconds in paused]

    @property
    def paused_s(self) -> float:
        return sum(pause.seconds for pause in self.pauses)

    def longest_pauses(self, count: int) -> list[Pause]:
        """The ``count`` longest pauses, in time order."""
        longest = sorted(self.pauses, key=lambda pause: (-pause.seconds, pause.start))[:count]
        return sorted(longest, key=lambda pause: pause.start)


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
    minutes: Counter[int] = Counter()
    for second, count in seconds.items():
        counts[min((second - start) // bucket, size - 1)] += count
        minutes[second // 60] += count
    minute, most = min(minutes.items(), key=lambda item: (-item[1], item[0]))
    return Throughput(
        start=_at(start),
        bucket_s=bucket,
        counts=tuple(counts),
        pauses=tuple(_pauses(summaries)),
        first=_at(first),
        last=_at(last),
        busiest_minute=(_at(minute * 60), most),
    )


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


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
