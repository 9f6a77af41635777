"""What a paced turn costs the event loop: one timer and about one turn of the loop.

A paced run's CPU per call is made of its wake-ups (issue 28, point 4): at 150 calls
per 5 s every turn is a wake-up of its own, and each extra timer or hand-over between
tasks is paid on every call. These tests count them on a virtual clock, where they
do not depend on the machine's load."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import pytest

from batch.api.limiter import Limiter
from batch.config.job_sections import RateBudget
from tests.helpers.virtual_time import loop_time, run_virtual
from tests.unit.api.test_limiter import assert_never_over, hammer


@dataclass
class LoopCounts:
    timers: int = 0  # call_at: asyncio.sleep, a token bucket's wake-ups, deadlines
    rounds: int = 0  # turns of the event loop (one selector call each)


def count_loop_work() -> LoopCounts:
    """Count, from now on, the timers set and the turns of the running loop."""
    loop = asyncio.get_running_loop()
    counts = LoopCounts()
    call_at = loop.call_at
    selector: Any = loop._selector  # type: ignore[attr-defined]
    select = selector.select

    def counting_call_at(when: float, callback: Callable[..., object], *args: Any, **kw: Any):  # type: ignore[no-untyped-def]
        counts.timers += 1
        return call_at(when, callback, *args, **kw)

    def counting_select(timeout: float | None = None) -> Any:
        counts.rounds += 1
        return select(timeout)

    loop.call_at = counting_call_at  # type: ignore[method-assign]
    selector.select = counting_select
    return counts


@pytest.mark.parametrize(("calls", "window", "workers"), [(150, 5.0, 8), (20, 1.0, 16)])
def test_a_paced_turn_costs_one_timer_and_no_hand_over(
    calls: int, window: float, workers: int
) -> None:
    async def main() -> tuple[list[float], LoopCounts]:
        limiter = Limiter(RateBudget(calls=calls, window_seconds=window), clock=loop_time)
        counts = count_loop_work()
        times = await hammer(limiter, 6 * window, workers=workers)
        return times, counts

    times, counts = run_virtual(main)
    assert_never_over(times, calls, window)
    turns = len(times)
    # One sleep per turn, plus the sleeps cut off at the end (one per worker) and the
    # move_on_after of ``hammer``.
    assert counts.timers <= turns + workers + 1, (counts, turns)
    # Each turn: its timer fires, its task runs; nothing else (no lock or bucket
    # handing the turn from one task to the next).
    assert counts.rounds <= 2 * turns + workers + 2, (counts, turns)


def test_a_capped_unlimited_turn_costs_one_timer() -> None:
    async def main() -> tuple[int, LoopCounts]:
        limiter = Limiter(RateBudget(calls=None), clock=loop_time)
        limiter.cap(50.0)
        counts = count_loop_work()
        times = await hammer(limiter, 2.0, workers=8)
        return len(times), counts

    turns, counts = run_virtual(main)
    assert turns == pytest.approx(100, abs=2)
    assert counts.timers <= turns + 8 + 1, (counts, turns)
    assert counts.rounds <= 2 * turns + 8 + 2, (counts, turns)


def test_a_429_costs_each_waiting_caller_one_more_wake_up() -> None:
    """Reservations made before a 429 (or before the pace grows back, a window after
    it) are given up when they come due: each waiting caller reserves again, once."""

    async def main() -> tuple[float, list[float], LoopCounts]:
        limiter = Limiter(RateBudget(calls=20, window_seconds=1.0), clock=loop_time)
        counts = count_loop_work()
        paused_at = 0.0

        async def throttle() -> None:
            nonlocal paused_at
            await anyio.sleep(1.5)
            paused_at = loop_time()
            limiter.pause(0.5)

        async with anyio.create_task_group() as group:
            group.start_soon(throttle)
            times = await hammer(limiter, 4.0, workers=8)
        return paused_at, times, counts

    paused_at, times, counts = run_virtual(main)
    assert not [t for t in times if paused_at < t < paused_at + 0.5]
    assert_never_over(times, 20, 1.0)
    # The turns, the 8 sleeps cut off at the end, and 8 more for each of the two new
    # bases: the pause, then the pace grown back by a tenth one window after it.
    assert counts.timers <= len(times) + 3 * 8 + 1, (counts, len(times))
