"""The shared rate budget: its arithmetic on a virtual clock (exact, and immune to a
busy machine), one smoke test on the real clock, and the rate logic on a fake clock."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

import anyio
import pytest

from batch.api.limiter import GUARD, Limiter
from batch.config.job_sections import RateBudget
from tests.helpers.virtual_time import loop_time, run_virtual


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def hammer(
    limiter: Limiter, seconds: float, workers: int = 16, clock: Callable[[], float] = loop_time
) -> list[float]:
    """``workers`` tasks acquiring as fast as they may; the times of their turns."""
    times: list[float] = []

    async def worker() -> None:
        while True:
            await limiter.acquire()
            times.append(clock())

    with anyio.move_on_after(seconds):
        async with anyio.create_task_group() as group:
            for _ in range(workers):
                group.start_soon(worker)
    return sorted(times)


def virtual_limiter(calls: int | None, window: float = 1.0) -> Limiter:
    """A limiter on the running (virtual) loop's clock."""
    return Limiter(RateBudget(calls=calls, window_seconds=window), clock=loop_time)


def assert_never_over(times: list[float], calls: int, window: float) -> None:
    """No window of ``window`` seconds, closed at both ends, holds more than ``calls``:
    any ``calls + 1`` consecutive turns span more than the window."""
    spans = [times[i + calls] - times[i] for i in range(len(times) - calls)]
    assert spans, "too few turns to test the window"
    assert min(spans) > window, f"{calls + 1} turns within {min(spans):.4f} s"


def count_in(times: list[float], start: float, end: float) -> int:
    return sum(1 for moment in times if start <= moment < end)


# -- the budget, on a virtual clock ----------------------------------------------------


@pytest.mark.parametrize(("calls", "window"), [(20, 1.0), (50, 1.0), (150, 5.0)])
def test_never_over_budget_and_the_pace_is_the_budget_less_the_guard(
    calls: int, window: float
) -> None:
    async def main() -> tuple[float, list[float], int]:
        limiter = virtual_limiter(calls, window)
        started = loop_time()
        times = await hammer(limiter, 12 * window)
        return started, times, limiter.calls

    started, times, counted = run_virtual(main)
    # The first window too: the whole run, from the very first turn.
    assert_never_over(times, calls, window)
    assert count_in(times, started, started + window) <= calls
    achieved = (len(times) - 1) / (times[-1] - times[0])
    paced = calls / (window * (1 + GUARD))
    assert achieved == pytest.approx(paced, rel=0.002)
    assert achieved < calls / window
    assert counted == len(times)


def test_the_guard_holds_the_window_open_a_little_longer() -> None:
    calls, window = 10, 0.5

    async def main() -> list[float]:
        return await hammer(virtual_limiter(calls, window), 6.0, workers=4)

    times = run_virtual(main)
    spans = [times[i + calls] - times[i] for i in range(len(times) - calls)]
    assert min(spans) >= window * (1 + GUARD) - 1e-9


def test_after_a_pause_no_turn_before_the_hint_then_half_the_budget() -> None:
    calls, window, hint = 20, 1.0, 0.4

    async def main() -> tuple[float, list[float], int]:
        limiter = virtual_limiter(calls, window)
        paused_at = 0.0

        async def throttle_soon() -> None:
            nonlocal paused_at
            await anyio.sleep(0.5)
            paused_at = loop_time()
            limiter.pause(hint)

        async with anyio.create_task_group() as group:
            group.start_soon(throttle_soon)
            times = await hammer(limiter, 3.0)
        return paused_at, times, limiter.throttled

    paused_at, times, throttled = run_virtual(main)
    resume = paused_at + hint
    assert count_in(times, paused_at + 1e-9, resume) == 0
    assert min(t for t in times if t > paused_at) == pytest.approx(resume, abs=1e-6)
    assert_never_over(times, calls, window)
    # The window right after the pause: at the halved pace, half the budget.
    assert count_in(times, resume, resume + window) == pytest.approx(calls / 2, abs=1)
    assert throttled == 1


def test_every_waiting_caller_respects_one_shared_pause() -> None:
    async def main() -> tuple[float, list[float]]:
        limiter = virtual_limiter(None)
        limiter.pause(0.3)
        paused_until = loop_time() + 0.3
        times: list[float] = []

        async def call() -> None:
            await limiter.acquire()
            times.append(loop_time())

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(call)
        return paused_until, times

    paused_until, times = run_virtual(main)
    assert times == [pytest.approx(paused_until)] * 10


def test_the_pace_comes_back_by_a_tenth_of_the_budget_per_calm_window() -> None:
    calls, window = 20, 1.0

    async def main() -> tuple[float, list[float]]:
        limiter = virtual_limiter(calls, window)
        limiter.pause(0.05)
        resume = loop_time() + 0.05
        return resume, await hammer(limiter, 9.0, workers=8)

    resume, times = run_virtual(main)
    per_window = [count_in(times, resume + i * window, resume + (i + 1) * window) for i in range(8)]
    # Halved, then +2 calls (a tenth of 20) per window, back to the paced budget.
    assert per_window == pytest.approx([10, 12, 14, 16, 18, 20, 20, 20], abs=1), per_window
    steps = [later - earlier for earlier, later in itertools.pairwise(per_window)]
    assert max(steps) <= calls // 10 + 1, per_window
    assert_never_over(times, calls, window)


def test_unlimited_never_waits() -> None:
    async def main() -> tuple[float, float, Limiter]:
        limiter = virtual_limiter(None)
        started = loop_time()
        for _ in range(5_000):
            await limiter.acquire()
        return started, loop_time(), limiter

    started, ended, limiter = run_virtual(main)
    assert ended == started  # not one timer: no time passed at all
    assert limiter.calls == 5_000
    assert limiter.current_rate == math.inf


def test_a_cancelled_caller_does_not_block_the_others() -> None:
    async def main() -> tuple[float, float, int]:
        limiter = virtual_limiter(2, 1.0)
        await limiter.acquire()
        with anyio.move_on_after(0.05):
            await limiter.acquire()  # waits ~0.5 s for its turn: cancelled first
        cancelled_at = loop_time()
        await limiter.acquire()
        return cancelled_at, loop_time(), limiter.calls

    cancelled_at, granted_at, calls = run_virtual(main)
    assert calls == 2
    # The next caller gets the turn the cancelled one would have had, no later.
    assert granted_at - cancelled_at <= 1.0 / 2 * (1 + GUARD)


# -- one smoke test on the real clock --------------------------------------------------


@pytest.mark.anyio
async def test_on_the_real_clock_never_over_budget_and_near_it() -> None:
    """The real timers and the limiter's reservations together. The bound on the pace is loose on
    purpose (a busy machine wakes timers late); the exact pace is tested above."""
    calls, window = 20, 1.0
    limiter = Limiter(RateBudget(calls=calls, window_seconds=window))
    times = await hammer(limiter, 2.5, clock=time.monotonic)
    assert_never_over(times, calls, window)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert 0.5 * calls / window <= achieved <= calls / window
    assert limiter.calls == len(times)


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


def test_without_a_budget_the_turn_is_taken_at_once_unless_a_pause_holds() -> None:
    """The unlimited fast path: no await, the call counted; a 429 pause still holds."""
    clock = FakeClock()
    limiter = Limiter(RateBudget(calls=None), clock=clock)
    assert [limiter.take_turn_now() for _ in range(3)] == [True, True, True]
    assert limiter.calls == 3
    limiter.pause(2.0)
    assert limiter.take_turn_now() is False  # the caller then waits in acquire()
    clock.now += 2.0
    assert limiter.take_turn_now() is True
    assert limiter.calls == 4


def test_with_a_budget_every_turn_goes_through_acquire() -> None:
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0), clock=FakeClock())
    assert limiter.take_turn_now() is False
    assert limiter.calls == 0
