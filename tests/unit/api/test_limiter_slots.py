"""The limiter's reserved instants where they are easiest to get wrong: more callers than
the budget has turns, a pace that changes while callers wait, a caller that gives up."""

from __future__ import annotations

import itertools

import anyio
import pytest

from batch.api.limiter import GUARD, LATE_ABSORBED, Limiter
from batch.config.job_sections import RateBudget
from tests.helpers.virtual_time import loop_time, run_virtual
from tests.unit.api.test_limiter import assert_never_over, count_in, hammer


@pytest.mark.parametrize(("calls", "workers"), [(1, 8), (3, 16), (8, 8)])
def test_more_callers_than_turns_in_the_window_never_go_over(calls: int, workers: int) -> None:
    """With ``calls`` or more callers waiting, the turn ``calls`` back is itself still
    waiting when an instant is reserved: the check when a turn is taken keeps the
    window exact, and the pace is still the budget's."""
    window = 1.0

    async def main() -> list[float]:
        limiter = Limiter(RateBudget(calls=calls, window_seconds=window), clock=loop_time)
        return await hammer(limiter, 10 * window, workers=workers)

    times = run_virtual(main)
    assert_never_over(times, calls, window * (1 + GUARD) - 1e-9)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved == pytest.approx(calls / (window * (1 + GUARD)), rel=0.01)


def test_a_new_pace_holds_from_the_next_turn_for_every_waiting_caller() -> None:
    """[schedule]'s pace changes while 8 callers wait with instants reserved at the old
    one: the turns follow the new pace at once, faster or slower."""

    async def main() -> tuple[list[float], float, float]:
        limiter = Limiter(RateBudget(calls=150, window_seconds=5.0), clock=loop_time)
        limiter.cap(4.0)
        faster_at = slower_at = 0.0

        async def change_pace() -> None:
            nonlocal faster_at, slower_at
            await anyio.sleep(3.0)
            faster_at = loop_time()
            limiter.cap(20.0)
            await anyio.sleep(3.0)
            slower_at = loop_time()
            limiter.cap(2.0)

        async with anyio.create_task_group() as group:
            group.start_soon(change_pace)
            times = await hammer(limiter, 10.0, workers=8)
        return times, faster_at, slower_at

    times, faster_at, slower_at = run_virtual(main)
    assert count_in(times, faster_at - 2.0, faster_at) == pytest.approx(8, abs=1)
    # The first second at 20/s: no turn waits for an instant reserved at 4/s.
    assert count_in(times, faster_at, faster_at + 1.0) == pytest.approx(20, abs=1)
    assert count_in(times, slower_at + 0.6, slower_at + 3.6) == pytest.approx(6, abs=1)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times) if later > slower_at]
    assert min(gaps[1:]) == pytest.approx(0.5, abs=1e-3)


def test_a_caller_that_gives_up_leaves_no_hole_in_the_pace() -> None:
    """A stop (or any cancellation) of the last caller to reserve gives its instant back:
    the next caller takes it, not the one after."""

    async def main() -> tuple[list[float], float]:
        limiter = Limiter(RateBudget(calls=10, window_seconds=1.0), clock=loop_time)
        interval = 1.0 * (1 + GUARD) / 10
        await limiter.acquire()
        first = loop_time()
        with anyio.move_on_after(interval / 2):
            await limiter.acquire()
        times = [first]
        for _ in range(3):
            await limiter.acquire()
            times.append(loop_time())
        return times, interval

    times, interval = run_virtual(main)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps == [pytest.approx(interval, abs=1e-5)] * 3


def test_a_turn_woken_late_loses_its_lateness_past_ten_ms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As a token bucket of one call does: the turn after a late wake-up keeps at least
    the spacing less 10 ms from it, so spans of ``calls`` turns keep a margin inside
    the window instead of sitting at its edge (what the gateway's jitter then eats)."""

    async def main() -> tuple[list[float], float]:
        limiter = Limiter(RateBudget(calls=10, window_seconds=1.0), clock=loop_time)
        interval = 1.0 * (1 + GUARD) / 10
        waits = 0
        wait_until = limiter._wait_until

        async def third_wakes_late(deadline: float) -> None:
            nonlocal waits
            waits += 1
            await wait_until(deadline + (0.05 if waits == 3 else 0.0))

        monkeypatch.setattr(limiter, "_wait_until", third_wakes_late)
        times = []
        for _ in range(5):
            await limiter.acquire()
            times.append(loop_time())
        return times, interval

    times, interval = run_virtual(main)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[1] == pytest.approx(interval + 0.05, abs=1e-4)  # the late one
    assert gaps[2] == pytest.approx(interval - LATE_ABSORBED, abs=1e-4)
    assert gaps[3] == pytest.approx(interval, abs=1e-4)
