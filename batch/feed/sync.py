"""``subscribers sync``: fetch every day of the feed the store lacks, up to yesterday.

Days go out in date order from a queue to ``rate.concurrency`` workers, every call
under the job's one limiter and the client's stop gate; the first call goes alone (a
key without the feed permission costs one call, not one per worker). A day is
retried as a profile check is (full-jitter backoff, ``retry.max_attempts``) and
stored as soon as it arrives, so a stopped or failed sync resumes where it was. A day
IO says is not available yet (its clock's day has not ended) is left for the next sync.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
import httpx
from anyio import CancelScope
from anyio.streams.memory import MemoryObjectReceiveStream

from batch.api.classify_feed import classify_feed
from batch.api.client import IOClient
from batch.api.decisions import Abort, FeedDay, FeedDecision, FeedNotYet, Retry
from batch.api.first_call import FirstCallGate
from batch.api.stopping import StopRequested, watch_signals
from batch.common.logs import get_logger
from batch.common.progress import Progress, Tick
from batch.common.progress_line import Snapshot
from batch.config.job import Job
from batch.errors import AbortedError, BatchError
from batch.feed.store import SubscriberStore

CALL_ERRORS = (httpx.HTTPError, httpx.InvalidURL, TimeoutError)


@dataclass
class SyncCounts:
    days_missing: int = 0
    days_fetched: int = 0
    days_not_yet: int = 0
    subscriptions: int = 0
    unsubscriptions: int = 0
    interrupted: bool = False


def sync_ticks(log: Any) -> Tick:
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
        self._handle_signals = handle_signals
        self._rng = rng or random.Random()
        self._first_call = FirstCallGate()
        self._error: BatchError | None = None
        self._work: CancelScope | None = None
        self._log = get_logger()

    async def run(self, yesterday: date) -> SyncCounts:
        """Fetch the missing days from the job's ``feed_start`` to ``yesterday``."""
        start = date.fromisoformat(self.job.profile.feed_start)
        missing = self.store.missing_days(start, yesterday) if start <= yesterday else []
        self.counts.days_missing = len(missing)
        self._log.info(
            "feed.sync.start",
            job=self.job.name,
            store=str(self.store.path),
            start=start.isoformat(),
            through=yesterday.isoformat(),
            days_missing=len(missing),
        )
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
        try:
            async with anyio.create_task_group() as outer:
                if self._handle_signals:
                    outer.start_soon(self._watch_signals)
                with CancelScope() as self._work:
                    async with anyio.create_task_group() as group:
                        for _ in range(min(self.job.rate.concurrency, max(1, len(missing)))):
                            group.start_soon(self._worker, days_in.clone(), progress)
                        days_in.close()
                outer.cancel_scope.cancel()
        finally:
            progress.close()
        if self._error is not None:
            raise self._error
        self.counts.interrupted = self.client.stop.requested
        return self.counts

    async def _watch_signals(self) -> None:
        await watch_signals(
            self.client.stop,
            self._cut_off,
            detail="no new call; days already fetched are kept; signal again to cut off",
        )

    def _cut_off(self) -> None:
        if self._work is not None:
            self._work.cancel()

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
                    if self._error is None:
                        self._error = error
                        self._log.error("job.stopping", error=str(error))
                    self.client.stop.request(str(error))
                    continue
                if isinstance(decision, FeedDay):
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
                    progress.add("not_yet")
                    self._log.info("feed.day_not_yet", day=day.isoformat(), reason=decision.reason)

    async def _fetch(self, day: date) -> FeedDay | FeedNotYet:
        text = day.isoformat()
        policy = self.job.retry
        for attempt in range(1, policy.max_attempts + 1):

            async def call_and_classify() -> FeedDecision:
                try:
                    result: httpx.Response | Exception = await self.client.subscriptions_feed(text)
                except CALL_ERRORS as exc:
                    result = exc
                return classify_feed(result, text)

            decision = await self._first_call.through(call_and_classify, _stop_error)
            match decision:
                case FeedDay() | FeedNotYet():
                    return decision
                case Abort():
                    raise decision.error
                case Retry():
                    if attempt == policy.max_attempts:
                        raise AbortedError(
                            f"the subscriptions feed of {text} could not be fetched after "
                            f"{attempt} attempts: {decision.reason}",
                            hint="run the sync again: the days already fetched are kept",
                        )
                    if not decision.throttled:  # a 429: the limiter holds every call
                        cap = min(policy.backoff_max, policy.backoff_base * 2 ** (attempt - 1))
                        await self.client.stop.sleep(self._rng.uniform(0, cap))
        raise AssertionError("unreachable: the loop returns or raises on its last attempt")


def _stop_error(decision: object) -> BatchError | None:
    return decision.error if isinstance(decision, Abort) else None
