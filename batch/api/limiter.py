"""The one rate budget of a job, shared by every call (profile, submit, get-message).

The gateway counts calls per sliding window (150 per 5 s by default) over all
operations of the account, so one limiter per job hands out every call's turn:

- pace: calls go out evenly, at ``calls / (window * (1 + guard))`` per second. Each
  caller reserves the next free instant at that pace (``_reserve``: arithmetic, no lock)
  and sleeps once until it: one timer per turn, which is what a paced run's CPU per call
  is made of (a FIFO lock and a token bucket cost two more hand-overs per turn).
- window: a log of the last ``calls`` turns makes the budget exact whatever the pace
  did: no span of ``window * (1 + guard)`` ever holds more than ``calls`` turns. The
  instant reserved already keeps to it (from the turn ``calls`` back, once taken), and
  the turn is checked against the log again when it is taken. The ``guard`` share
  (1.5%) is the jitter the network may add between our clock and the gateway's (75 ms
  at the default budget) while the pace stays >= 98% of the budget.
- reservations made before a 429 or a change of pace are given up when their owners
  wake (``_rebase``): they reserve again, after the pause and at the new pace.
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
# A turn woken this much after its instant keeps the pace; later, the pace loses the rest
# (``_Slots.taken``). The window log keeps the budget exact either way.
LATE_ABSORBED = 0.01
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
    sleeps on the loop's timers. Tests pass a virtual-time loop's
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
        self._recent: deque[float] = deque(maxlen=budget.calls or 1)  # turns taken
        self._turn = anyio.Lock()  # the shared budget's turns, one caller at a time
        self._slots = _Slots()
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
        self._slots.rebase(self._last_turn)  # every reserved instant waits for the pause
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
        if self._shared is not None and self._limit is not None:
            await self._acquire_shared(self._shared, self._limit)
        elif self._limit is not None or self._paced:
            await self._acquire_slot()
        else:
            await self._wait_until(self._paused_until)
            self.calls += 1

    async def _acquire_slot(self) -> None:
        """The turn at the next free instant of the pace and the window: reserved at once,
        then one sleep until it. Given up (and reserved again) if a 429 or a new pace
        came meanwhile; given back if the wait is cancelled (a stop)."""
        slots = self._slots
        while True:
            slot = self._reserve()
            epoch = slots.epoch
            try:
                if await self._wait_for_slot(slot, epoch):
                    return
            except BaseException:
                slots.give_back(epoch, slot)
                raise

    async def _wait_for_slot(self, slot: float, epoch: int) -> bool:
        """Sleep until ``slot``, then take the turn (True), or False if the reservation
        no longer holds. Exact whatever the timers did: should the window still be full
        (a turn ``calls`` back woke late), wait for it to open."""
        deadline = slot
        while True:
            await self._wait_until(deadline)
            if self._slots.epoch != epoch:
                return False  # reserved before a 429 or another pace: reserve again
            deadline = self._window_opens()
            if self._clock() >= deadline:
                self._take_turn()
                self._slots.taken(self._last_turn - slot)
                return True

    def _reserve(self) -> float:
        """The next free instant: after any pause, the pace's spacing after the last
        instant reserved, and ``span`` after the turn ``calls`` before this one."""
        slots, rate = self._slots, self._rate()
        if rate != slots.rate:
            slots.rebase(self._last_turn, rate)
        slot = max(self._clock(), self._paused_until, slots.next_free)
        if self._limit is not None:
            # This turn will be at most the ``outstanding + 1``-th from now: the one
            # ``calls`` before it is already taken (its time known) unless more callers
            # wait than the budget holds; the check when the turn is taken covers that.
            back = self._limit - slots.outstanding
            if 0 < back <= len(self._recent):
                slot = max(slot, self._recent[-back] + self._span)
        return slots.reserve(slot)

    def _window_opens(self) -> float:
        """When the window has room for one more turn (``-inf``: now)."""
        if self._limit is not None and len(self._recent) == self._limit:
            return self._recent[0] + self._span
        return -math.inf

    def _take_turn(self) -> None:
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

    async def _wait_until(self, deadline: float) -> None:
        # Not polling: one sleep, and another only if a timer fired a hair early.
        while (delay := deadline - self._clock()) > 0:  # noqa: ASYNC110
            await anyio.sleep(delay)


class _Slots:
    """The instants reserved by the callers waiting for a private turn.

    ``epoch`` changes when the reservations no longer hold (a 429, a new pace): their
    owners then reserve again. A reservation given back (its caller cancelled) returns
    its instant when it was the last one made, so that the next caller does not wait
    for a turn nobody takes."""

    __slots__ = ("epoch", "interval", "last", "next_free", "outstanding", "rate")

    def __init__(self) -> None:
        self.epoch = 0
        self.rate = 0.0  # the pace the reservations follow (0: none made yet)
        self.interval = 0.0
        self.next_free = -math.inf
        self.last = -math.inf  # the last instant reserved
        self.outstanding = 0  # reserved in this epoch, neither taken nor given back

    def rebase(self, last_turn: float, rate: float | None = None) -> None:
        """Drop every reservation; the next follows ``last_turn`` at ``rate``."""
        self.epoch += 1
        self.outstanding = 0
        if rate is not None:
            self.rate, self.interval = rate, 1 / rate
        self.next_free = self.last = last_turn + self.interval

    def reserve(self, slot: float) -> float:
        self.next_free = slot + self.interval
        self.last = slot
        self.outstanding += 1
        return slot

    def taken(self, late: float) -> None:
        """A turn taken ``late`` seconds after its instant. Past ``LATE_ABSORBED`` the
        pace loses the rest for good, as a token bucket of one call does: instants kept
        at the full pace after a late wake-up would put every span of ``calls`` turns
        right at the window's edge (the window log allows it), and leave only the guard
        for the jitter between our clock and the gateway's."""
        self.outstanding -= 1
        if late > LATE_ABSORBED:
            self.next_free += late - LATE_ABSORBED

    def give_back(self, epoch: int, slot: float) -> None:
        if epoch != self.epoch:
            return
        self.outstanding -= 1
        if slot == self.last:
            self.next_free, self.last = slot, -math.inf
