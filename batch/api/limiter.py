"""The one rate budget of a job, shared by every call (profile, submit, get-message).

The gateway counts calls per sliding window (150 per 5 s by default) over all
operations of the account, so one limiter per job hands out every call's turn:

- pace: calls go out evenly, at ``calls / (window * (1 + guard))`` per second, through
  an ``aiolimiter.AsyncLimiter`` whose bucket holds about one call. Its usual bucket
  (``AsyncLimiter(L, W)``) would let 2L calls through the first window: a full bucket
  at the start, then the leak.
- window: a log of the last ``calls`` turns makes the budget exact whatever the pace
  did: no span of ``window * (1 + guard)`` ever holds more than ``calls`` turns. The
  ``guard`` share (1.5%) is the jitter the network may add between our clock and the
  gateway's (75 ms at the default budget) while the pace stays >= 98% of the budget.
- pause: a 429 sets one shared "no call before" deadline for every worker, then the
  pace is halved and grows back by a tenth of the budget per calm window (AIMD),
  because another job on the same account may be using the budget too.
- shared (``[rate] shared``): the window and the pause live in Redis, for every process
  that names the same budget (``shared_window``); the pace stays this process's own.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
from aiolimiter import AsyncLimiter

from batch.api.shared_window import SharedWindow
from batch.common.logs import get_logger
from batch.config.job_sections import RateBudget

Clock = Callable[[], float]

# The summary keeps at most this many pauses (a report marks them on its time line):
# a run throttled all night must not grow its summary without bound.
PAUSES_KEPT = 500


@dataclass(slots=True)
class Pause:
    """A time when no call went out after 429s: wall-clock UTC, for a report's time line.
    Answers that arrive while a pause holds extend it rather than start another."""

    start: datetime
    end: datetime
    answers: int = 1

    def to_json(self) -> dict[str, object]:
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "answers": self.answers,
        }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


GUARD = 0.015
# The pacing bucket holds one call plus some slack. A bucket of exactly 1 loses the
# lateness of every timer wake-up for good (its level cannot go below 0): the slack
# absorbs up to 10 ms of it, and the window log keeps the budget exact anyway.
SLACK_CALLS = 0.1
SLACK_SECONDS = 0.01
DECREASE = 0.5  # the pace after a 429, as a share of the pace before it
INCREASE = 0.1  # added per calm window, as a share of the full pace
FLOOR = 1 / 16  # the lowest pace, as a share of the full pace


class RateControl:
    """The pace after throttling: multiplicative decrease, additive increase."""

    def __init__(self, full_rate: float, window_seconds: float, clock: Clock) -> None:
        self.full_rate = full_rate
        self._window = window_seconds
        self._clock = clock
        self._rate = full_rate
        self._last_cut = -math.inf
        self._calm_from = -math.inf

    def throttled(self, resume_at: float) -> bool:
        """A 429 arrived; calls resume at ``resume_at``. True when the pace was cut."""
        now = self._clock()
        self._calm_from = max(self._calm_from, resume_at)
        # Every call in flight during one overload gets its own 429: cut once per window.
        if now - self._last_cut < self._window:
            return False
        self._last_cut = now
        self._rate = max(self.full_rate * FLOOR, self._rate * DECREASE)
        return True

    def rate(self) -> float:
        """The pace now, in calls per second."""
        if self._rate < self.full_rate:
            steps = math.floor((self._clock() - self._calm_from) / self._window)
            if steps > 0:
                self._rate = min(self.full_rate, self._rate + steps * self.full_rate * INCREASE)
                self._calm_from += steps * self._window
        return self._rate


class Limiter:
    """Hands out the turns of every API call of one job.

    ``clock`` must be the event loop's clock (asyncio's is ``time.monotonic``): ``acquire``
    sleeps on the loop's timers, as aiolimiter does. Tests pass a virtual-time loop's
    clock, or a fake one for the rate logic alone (``pause``, ``current_rate``)."""

    def __init__(
        self, budget: RateBudget, *, clock: Clock = time.monotonic, guard: float = GUARD
    ) -> None:
        self.calls = 0
        self.throttled = 0
        self.pauses: list[Pause] = []
        self.window_seconds = budget.window_seconds
        self._limit = budget.calls
        self._clock = clock
        self._paused_until = -math.inf
        self._log = get_logger()
        self._span = budget.window_seconds * (1 + guard)
        full_rate = math.inf if budget.calls is None else budget.calls / self._span
        self._control = RateControl(full_rate, budget.window_seconds, clock)
        self._recent: deque[float] = deque(maxlen=budget.calls or 1)
        self._turn = anyio.Lock()  # one caller at a time through the pace: FIFO
        self._bucket: AsyncLimiter | None = None
        self._bucket_rate = 0.0
        self._last_turn = -math.inf
        self._shared = (
            None
            if budget.shared is None or budget.calls is None
            else SharedWindow(budget.shared, budget.budget_name or "")
        )
        self._shared_pause = 0.0  # seconds of shared pause not yet told to Redis
        # Half the guard: a shared turn woken later than that is given up (the other
        # half is for the call's own way to the gateway).
        self._late_after = budget.window_seconds * guard / 2
        self.late_turns = 0  # shared turns given up for a late wake-up
        # A pace for the day ([schedule] not_before, finish_within): no turn while held,
        # and at most ``_cap`` turns per second, whatever the budget allows.
        self._held: anyio.Event | None = None
        self._cap: float | None = None
        self._next_capped = -math.inf

    def hold(self) -> None:
        """No turn until ``release`` (a run that waits for its ``not_before``)."""
        if self._held is None:
            self._held = anyio.Event()

    def release(self) -> None:
        if self._held is not None:
            self._held.set()
            self._held = None

    def cap(self, calls_per_s: float | None) -> None:
        """At most this many turns per second (None: as many as the budget allows)."""
        self._cap = calls_per_s if calls_per_s is None or calls_per_s > 0 else None

    @property
    def capped_rate(self) -> float | None:
        return self._cap

    @property
    def shared(self) -> SharedWindow | None:
        """The Redis window this limiter takes its turns from (None: its own)."""
        return self._shared

    @property
    def current_rate(self) -> float:
        """The pace now, in calls per second (``inf`` when the budget is unlimited)."""
        return self._control.rate()

    @property
    def paused_until(self) -> float:
        """The clock time before which no call goes out (``-inf``: no pause)."""
        return self._paused_until

    def pause(self, seconds: float) -> None:
        """A 429: no call of any kind before ``seconds`` from now; lower the pace."""
        self.throttled += 1
        self._paused_until = max(self._paused_until, self._clock() + max(seconds, 0.0))
        self._note_pause(max(seconds, 0.0))
        if self._shared is not None:
            self._shared_pause = max(self._shared_pause, seconds)
        if self._limit is not None and self._control.throttled(self._paused_until):
            self._log.warning(
                "rate.throttled",
                retry_after_s=round(seconds, 3),
                pace_per_s=round(self._control.rate(), 3),
                detail="the gateway answered 429: every call waits, then goes slower",
            )

    def _note_pause(self, seconds: float) -> None:
        start = datetime.now(UTC)
        end = datetime.fromtimestamp(start.timestamp() + seconds, UTC)
        if self.pauses and start <= self.pauses[-1].end:
            last = self.pauses[-1]
            last.end = max(last.end, end)
            last.answers += 1
        elif len(self.pauses) < PAUSES_KEPT:
            self.pauses.append(Pause(start, end))

    def take_turn_now(self) -> bool:
        """The turn without waiting, when it needs none: no budget and no pause. True
        when taken (counted as ``acquire`` counts it); False: call ``acquire``."""
        if self._limit is None and self._clock() >= self._paused_until and not self._paced:
            self.calls += 1
            return True
        return False

    @property
    def _paced(self) -> bool:
        return self._held is not None or self._cap is not None

    async def publish_pause(self) -> None:
        """Tell the other processes of a shared budget about this process's 429 (a no-op
        for a budget of its own): one process's 429 pauses them all."""
        seconds, self._shared_pause = self._shared_pause, 0.0
        if self._shared is not None and seconds > 0:
            await self._shared.pause(seconds)

    async def aclose(self) -> None:
        """Let go of the shared budget's connection (nothing to do for an own budget)."""
        if self._shared is not None:
            await self._shared.aclose()

    async def acquire(self) -> None:
        """Wait for this call's turn: after any pause, at the pace, within the window."""
        if self._held is not None:
            await self._held.wait()
        if self._limit is None:
            if self._paced:
                async with self._turn:
                    await self._wait_until(self._paused_until)
                    await self._wait_until(self._next_capped)
                    self._take_capped_slot()
            else:
                await self._wait_until(self._paused_until)
            self.calls += 1
            return
        if self._shared is not None:
            await self._acquire_shared(self._shared, self._limit)
            return
        async with self._turn:
            while True:
                await self._wait_until(self._paused_until)
                await self._pace()
                if len(self._recent) == self._limit:
                    await self._wait_until(self._recent[0] + self._span)
                # A 429 may have arrived while this turn waited: then wait for it too.
                if self._clock() >= self._paused_until:
                    break
            self._last_turn = self._clock()
            self._recent.append(self._last_turn)
            self.calls += 1

    async def _acquire_shared(self, shared: SharedWindow, limit: int) -> None:
        """The turn from the Redis window, at this process's pace; the window and the
        pause hold across every process of the budget."""
        async with self._turn:
            while True:
                await self._wait_until(self._paused_until)
                asked = self._clock()
                turn = await shared.reserve(limit, self._span, 1 / self._rate())
                if turn.paused_for > 0:
                    self._pause_seen(turn.paused_for)
                due = asked + turn.wait  # no later than the instant reserved, on our clock
                await self._wait_until(due)
                # Woken late (a busy machine): the call would land nearer the next
                # window than its reserved instant says. Give the turn up (it stays
                # counted) and reserve another, from now.
                if self._clock() - due > self._late_after:
                    self.late_turns += 1
                    continue
                # A pause that began while this turn waited: give the turn up, take
                # another after it. Asked only when the turn had to wait.
                if turn.wait <= 0 or (paused := await shared.paused_for()) <= 0:
                    break
                self._pause_seen(paused)
            self._last_turn = self._clock()
            self.calls += 1

    def _pause_seen(self, seconds: float) -> None:
        """A shared pause, perhaps another process's 429: wait it out, go slower."""
        until = self._clock() + seconds
        if until > self._paused_until + 0.001:
            self._paused_until = until
            self._control.throttled(until)

    def _rate(self) -> float:
        """The pace now: the budget's (after any 429), or the day's pace if lower."""
        rate = self._control.rate()
        return rate if self._cap is None else min(rate, self._cap)

    def _take_capped_slot(self) -> None:
        if self._cap is not None:
            self._next_capped = max(self._clock(), self._next_capped) + 1 / self._cap

    async def _pace(self) -> None:
        rate = self._rate()
        if self._bucket is None or rate != self._bucket_rate:
            # A new bucket starts empty and would let one call through at once: keep
            # the spacing from the last turn as the bucket itself would.
            size = 1 + max(SLACK_CALLS, SLACK_SECONDS * rate)
            await self._wait_until(self._last_turn + (2 - size) / rate)
            self._bucket = AsyncLimiter(size, size / rate)
            self._bucket_rate = rate
        await self._bucket.acquire()

    async def _wait_until(self, deadline: float) -> None:
        # Not polling: one sleep, and another only if a timer fired a hair early.
        while (delay := deadline - self._clock()) > 0:  # noqa: ASYNC110
            await anyio.sleep(delay)
