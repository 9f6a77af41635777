"""The shared rate budget, measured on real (short) budgets and, for the rate logic,
on a fake clock."""

from __future__ import annotations

import itertools
import math
import time

import anyio
import pytest

from batch.job import RateBudget
from batch.limiter import GUARD, Limiter

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def hammer(limiter: Limiter, seconds: float, workers: int = 16) -> list[float]:
    """``workers`` tasks acquiring as fast as they may; the times of their turns."""
    times: list[float] = []

    async def worker() -> None:
        while True:
            await limiter.acquire()
            times.append(time.monotonic())

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as group:
            for _ in range(workers):
                group.start_soon(worker)
    return sorted(times)


def assert_never_over(times: list[float], calls: int, window: float) -> None:
    """No window of ``window`` seconds, closed at both ends, holds more than ``calls``:
    any ``calls + 1`` consecutive turns span more than the window."""
    spans = [times[i + calls] - times[i] for i in range(len(times) - calls)]
    assert spans, "too few turns to test the window"
    assert min(spans) > window, f"{calls + 1} turns within {min(spans):.4f} s"


def count_in(times: list[float], start: float, end: float) -> int:
    return sum(1 for moment in times if start <= moment < end)


@pytest.mark.parametrize(("calls", "window"), [(20, 1.0), (50, 1.0)])
async def test_never_over_budget_and_at_least_97_percent_of_it(calls: int, window: float) -> None:
    limiter = Limiter(RateBudget(calls=calls, window_seconds=window))
    started = time.monotonic()
    times = await hammer(limiter, 2.5)
    # The first window too: the whole run, from the very first turn.
    assert_never_over(times, calls, window)
    assert count_in(times, started, started + window) <= calls
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved >= 0.97 * calls / window
    # ...and not faster than the guard allows, over the long run.
    assert achieved <= calls / window
    assert limiter.calls == len(times)


async def test_the_guard_holds_the_window_open_a_little_longer() -> None:
    calls, window = 10, 0.5
    limiter = Limiter(RateBudget(calls=calls, window_seconds=window))
    times = await hammer(limiter, 1.2, workers=4)
    spans = [times[i + calls] - times[i] for i in range(len(times) - calls)]
    assert min(spans) >= window * (1 + GUARD) - 0.005


async def test_after_a_pause_no_turn_before_the_hint_then_never_over_budget() -> None:
    calls, window, hint = 20, 1.0, 0.4
    limiter = Limiter(RateBudget(calls=calls, window_seconds=window))
    paused_at = 0.0

    async def throttle_soon() -> None:
        nonlocal paused_at
        await anyio.sleep(0.5)
        paused_at = time.monotonic()
        limiter.pause(hint)

    async with anyio.create_task_group() as group:
        group.start_soon(throttle_soon)
        times = await hammer(limiter, 2.0)
    resume = paused_at + hint
    assert count_in(times, paused_at + 0.001, resume) == 0
    assert count_in(times, resume, resume + 0.2) >= 1  # and it does resume
    assert_never_over(times, calls, window)
    # The window right after the pause: at the lowered pace, about half the budget.
    assert count_in(times, resume, resume + window) <= calls // 2 + 2
    assert limiter.throttled == 1


async def test_every_waiting_caller_respects_one_shared_pause() -> None:
    limiter = Limiter(RateBudget(calls=None))
    limiter.pause(0.3)
    paused_until = time.monotonic() + 0.3
    times: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        times.append(time.monotonic())

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(call)
    assert len(times) == 10
    assert min(times) >= paused_until - 0.001


async def test_the_pace_comes_back_gradually_after_a_pause() -> None:
    # 20 calls per 0.25 s: the pace recovers by 2 calls per 0.25 s window.
    calls, window = 20, 0.25
    limiter = Limiter(RateBudget(calls=calls, window_seconds=window))
    limiter.pause(0.05)
    resume = time.monotonic() + 0.05
    times = await hammer(limiter, 2.0, workers=8)
    per_window = [count_in(times, resume + i * window, resume + (i + 1) * window) for i in range(7)]
    assert per_window[0] <= calls // 2 + 1  # halved
    assert per_window[-1] >= calls - 2  # back to the budget
    # Additive increase: each window may add about a tenth of the budget, never a jump.
    steps = [later - earlier for earlier, later in itertools.pairwise(per_window)]
    assert max(steps) <= calls // 10 + 2, per_window
    assert_never_over(times, calls, window)


async def test_unlimited_does_not_block() -> None:
    limiter = Limiter(RateBudget(calls=None))
    started = time.monotonic()
    for _ in range(20_000):
        await limiter.acquire()
    assert time.monotonic() - started < 1.0
    assert limiter.calls == 20_000
    assert limiter.current_rate == math.inf


async def test_a_cancelled_caller_does_not_block_the_others() -> None:
    limiter = Limiter(RateBudget(calls=2, window_seconds=1.0))
    await limiter.acquire()
    with anyio.move_on_after(0.05):
        await limiter.acquire()  # waits ~0.45 s for its turn: cancelled first
    with anyio.fail_after(1.0):
        await limiter.acquire()
    assert limiter.calls == 2


# -- the rate logic, on a fake clock ------------------------------------------------


def test_the_rate_halves_on_a_429_then_grows_by_a_tenth_per_calm_window() -> None:
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=20, window_seconds=1.0), clock=clock)
    full = 20 / (1 + GUARD)
    assert limiter.current_rate == pytest.approx(full)

    limiter.pause(0.5)
    assert limiter.paused_until == clock.now + 0.5
    assert limiter.current_rate == pytest.approx(full / 2)
    expected = {0.4: 0.5, 1.49: 0.5, 1.5: 0.6, 2.5: 0.7, 4.49: 0.8, 4.5: 0.9, 5.5: 1.0, 60: 1.0}
    start = clock.now
    for offset, share in expected.items():
        clock.now = start + offset
        assert limiter.current_rate == pytest.approx(full * share), offset
    assert limiter.throttled == 1


def test_the_429s_of_one_overload_cut_the_rate_once() -> None:
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0), clock=clock)
    full = limiter.current_rate
    for _ in range(16):  # every call in flight gets its own 429
        limiter.pause(3.0)
        clock.now += 0.01
    assert limiter.current_rate == pytest.approx(full / 2)
    assert limiter.throttled == 16
    clock.now += 5.0  # a second overload, a window later: cut again
    limiter.pause(3.0)
    assert limiter.current_rate == pytest.approx(full / 4)


def test_the_rate_never_falls_below_a_floor() -> None:
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=160, window_seconds=1.0), clock=clock)
    full = limiter.current_rate
    for _ in range(10):
        limiter.pause(0.0)
        clock.now += 1.0
        limiter.pause(0.0)  # keep it from recovering in between
    assert limiter.current_rate == pytest.approx(full / 16)


def test_a_pause_only_ever_extends_the_deadline() -> None:
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=20, window_seconds=1.0), clock=clock)
    limiter.pause(2.0)
    limiter.pause(0.5)
    assert limiter.paused_until == clock.now + 2.0
    clock.now += 1.0
    limiter.pause(1.5)
    assert limiter.paused_until == clock.now + 1.5
    limiter.pause(-5.0)  # a nonsense hint never moves it back
    assert limiter.paused_until == clock.now + 1.5


def test_unlimited_pauses_but_has_no_rate_to_lower() -> None:
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=None), clock=clock)
    limiter.pause(1.0)
    assert limiter.paused_until == clock.now + 1.0
    assert limiter.current_rate == math.inf
    assert limiter.throttled == 1
