"""``subscribers sync``: fetch every day of the feed the store lacks, up to yesterday.

Days go out in date order from a queue to ``rate.concurrency`` workers, every call
under the job's one limiter and the client's stop gate; the first call goes alone (a
key without the feed permission costs one call, not one per worker). A day is
retried as a profile check is (``api/retry.py``'s loop: full-jitter backoff,
``retry.max_attempts``, the job's failure budget) and
stored as soon as it arrives, so a stopped or failed sync resumes where it was. A day
IO says is not available yet (its clock's day has not ended) is left for the next sync.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import anyio
import httpx
from anyio.streams.memory import MemoryObjectReceiveStream

from batch.api.classify_feed import classify_feed
from batch.api.client import IOClient
from batch.api.decisions import Abort, FeedDay, FeedNotYet, Retry
from batch.api.retry import Retrier
from batch.api.run_loop import RunLoop
from batch.api.stopping import StopRequested
from batch.common.logs import Logger, get_logger
from batch.common.progress import Progress, Tick
from batch.common.progress_line import Snapshot
from batch.config.job import Job
from batch.errors import AbortedError, BatchError
from batch.feed.store import SubscriberStore


@dataclass
class SyncCounts:
    days_missing: int = 0
    days_fetched: int = 0
    days_not_yet: int = 0
    first_day_not_yet: date | None = None  # the earliest day IO does not serve yet
    not_yet_reason: str = ""  # what IO said about it
    subscriptions: int = 0
    unsubscriptions: int = 0
    days_reread: int = 0  # stored days read again (late writes)
    days_rewritten: int = 0  # of those, days IO now serves differently
    reread_added: int = 0  # subscribers the re-reads added ...
    reread_removed: int = 0  # ... and removed (a late unsubscription)
    interrupted: bool = False


def sync_ticks(log: Logger) -> Tick:
    """The sync's ``feed.progress`` event, every 10 s off a terminal."""

    def tick(snapshot: Snapshot) -> None:
        log.info(
            "feed.progress",
            done=snapshot.done,
            total=snapshot.total,
            days_per_s=round(snapshot.rate, 2),
            eta_s=None if snapshot.eta_s is None else round(snapshot.eta_s),
        )

    return tick


def reread_days(
    store: SubscriberStore, start: date, yesterday: date, job: Job, reread_from: date | None
) -> list[date]:
    """The stored days a sync reads again: from ``reread_from`` to yesterday, or else the
    job's ``feed_reread_days`` days before yesterday (0: none)."""
    if reread_from is None:
        days = job.profile.feed_reread_days
        if days == 0:
            return []
        first, last = yesterday - timedelta(days=days), yesterday - timedelta(days=1)
    else:
        first, last = reread_from, yesterday
    first = max(first, start)
    return sorted(store.stored_days(first, last)) if first <= last else []


class FeedSync:
    def __init__(
        self,
        job: Job,
        store: SubscriberStore,
        client: IOClient,
        *,
        show_progress: bool = False,
        handle_signals: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        self.job = job
        self.store = store
        self.client = client
        self.counts = SyncCounts()
        self._show_progress = show_progress
        self._retrier = Retrier(job.retry, rng or random.Random(), client.stop)
        self._loop = RunLoop(
            client.stop,
            detail="no new call; days already fetched are kept; signal again to cut off",
            handle_signals=handle_signals,
        )
        self._reread: set[date] = set()
        self._log = get_logger()

    async def run(self, yesterday: date, reread_from: date | None = None) -> SyncCounts:
        """Fetch the missing days from the job's ``feed_start`` to ``yesterday``, and read
        again the stored days from ``reread_from`` (default: the job's
        ``feed_reread_days`` before yesterday)."""
        start = date.fromisoformat(self.job.profile.feed_start)
        missing = self.store.missing_days(start, yesterday) if start <= yesterday else []
        self._reread = set(reread_days(self.store, start, yesterday, self.job, reread_from))
        self.counts.days_missing = len(missing)
        self._log.info(
            "feed.sync.start",
            job=self.job.name,
            store=str(self.store.path),
            start=start.isoformat(),
            through=yesterday.isoformat(),
            days_missing=len(missing),
            days_reread=len(self._reread),
        )
        missing = sorted([*missing, *self._reread])
        progress = Progress(
            len(missing),
            draw=self._show_progress,
            on_tick=sync_ticks(self._log),
            label="feed",
            unit="days",
        )
        days_out, days_in = anyio.create_memory_object_stream[date](len(missing) + 1)
        for day in missing:
            days_out.send_nowait(day)
        days_out.close()

        async def days_through_workers() -> None:
            async with anyio.create_task_group() as group:
                for _ in range(min(self.job.rate.concurrency, max(1, len(missing)))):
                    group.start_soon(self._worker, days_in.clone(), progress)
                days_in.close()

        try:
            await self._loop.run(days_through_workers)
        finally:
            progress.close()
        self._loop.raise_error()
        self.counts.interrupted = self.client.stop.requested
        return self.counts

    async def _worker(self, days_in: MemoryObjectReceiveStream[date], progress: Progress) -> None:
        async with days_in:
            async for day in days_in:
                if self.client.stop.requested:
                    continue
                try:
                    decision = await self._fetch(day)
                except StopRequested:
                    continue
                except BatchError as error:
                    self._loop.fail(error)
                    continue
                if isinstance(decision, FeedDay) and day in self._reread:
                    self._apply_again(day, decision)
                    progress.add("reread")
                elif isinstance(decision, FeedDay):
                    self.store.apply_day(day, decision.subscriptions, decision.unsubscriptions)
                    self.counts.days_fetched += 1
                    self.counts.subscriptions += len(decision.subscriptions)
                    self.counts.unsubscriptions += len(decision.unsubscriptions)
                    progress.add("fetched")
                    self._log.debug(
                        "feed.day",
                        day=day.isoformat(),
                        subscriptions=len(decision.subscriptions),
                        unsubscriptions=len(decision.unsubscriptions),
                    )
                else:
                    self.counts.days_not_yet += 1
                    first = self.counts.first_day_not_yet
                    if first is None or day < first:
                        self.counts.first_day_not_yet = day
                        self.counts.not_yet_reason = decision.reason
                    progress.add("not_yet")
                    self._log.info("feed.day_not_yet", day=day.isoformat(), reason=decision.reason)

    def _apply_again(self, day: date, decision: FeedDay) -> None:
        change = self.store.reread_day(day, decision.subscriptions, decision.unsubscriptions)
        self.counts.days_reread += 1
        self.counts.days_rewritten += change.changed > 0
        self.counts.reread_added += change.added
        self.counts.reread_removed += change.removed
        if change.changed:
            self._log.info(
                "feed.day_rewritten",
                day=day.isoformat(),
                entries_changed=change.changed,
                subscribers_added=change.added,
                subscribers_removed=change.removed,
            )

    async def _fetch(self, day: date) -> FeedDay | FeedNotYet:
        text = day.isoformat()

        async def fetch(_attempt: int) -> httpx.Response:
            return await self.client.subscriptions_feed(text)

        answer = await self._retrier.call(fetch, partial(classify_feed, day=text))
        decision = answer.decision
        if isinstance(decision, Retry):  # the attempts ran out
            raise AbortedError(
                f"the subscriptions feed of {text} could not be fetched after "
                f"{answer.attempts} attempts: {decision.reason}",
                hint="run the sync again: the days already fetched are kept",
            )
        assert not isinstance(decision, Abort)  # the retrier raises its error
        return decision
