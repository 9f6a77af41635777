"""The shared rate budget against a real redis-server: one window for every process."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
import redis

from batch.api.limiter import GUARD, Limiter
from batch.api.shared_window import SharedWindow
from batch.config.job_sections import RateBudget
from batch.errors import BudgetLostError, ConfigError, ExitCode
from tests.helpers.redis_server import RedisServer, free_port

pytestmark = pytest.mark.anyio

CALLS, WINDOW = 10, 0.5


def budget(url: str, name: str = "comune") -> RateBudget:
    return RateBudget(calls=CALLS, window_seconds=WINDOW, shared=url, budget_name=name)


def most_in_any_window(times: list[float] | list[int], window: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


async def take_turns(limiter: Limiter, count: int, times: list[float]) -> None:
    for _ in range(count):
        await limiter.acquire()
        times.append(time.monotonic())


async def test_three_limiters_together_never_exceed_the_one_window(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    instants: list[int] = []  # microseconds of Redis' clock: exact, no float rounding
    reserve = SharedWindow.reserve

    async def recorded(self: SharedWindow, limit: int, span: float, interval: float) -> Any:
        turn = await reserve(self, limit, span, interval)
        instants.append(round(turn.at * 1_000_000))
        return turn

    monkeypatch.setattr(SharedWindow, "reserve", recorded)
    limiters = [Limiter(budget(redis_server.url)) for _ in range(3)]
    times: list[float] = []
    started = time.monotonic()
    async with anyio.create_task_group() as group:
        for limiter in limiters:
            group.start_soon(take_turns, limiter, 15, times)
    elapsed = time.monotonic() - started
    for limiter in limiters:
        await limiter.aclose()
    assert len(times) == 45
    # A turn woken late on a busy machine is given up and reserved again (still counted).
    assert len(instants) == 45 + sum(limiter.late_turns for limiter in limiters)
    # The guarantee, on Redis' clock: no span of the window (with its 1.5% guard) holds
    # more than the budget. (The turns' local times carry this machine's scheduling
    # jitter on top, which the guard absorbs on a quiet machine.)
    assert most_in_any_window(instants, round(WINDOW * (1 + GUARD) * 1_000_000)) <= CALLS
    # 45 turns at 10 per 0.5 s take at least 4 windows; a private budget each would
    # have taken about a third of that.
    assert elapsed >= 4 * WINDOW
    assert sum(limiter.calls for limiter in limiters) == 45


async def test_another_budget_name_is_another_window(redis_server: RedisServer) -> None:
    first, second = SharedWindow(redis_server.url, "a"), SharedWindow(redis_server.url, "b")
    for _ in range(CALLS):  # budget "a" is full for this window
        await first.reserve(CALLS, WINDOW, 0.0)
    assert (await first.reserve(CALLS, WINDOW, 0.0)).wait > 0.3
    assert (await second.reserve(CALLS, WINDOW, 0.0)).wait == 0
    await first.aclose()
    await second.aclose()


async def test_one_process_429_pauses_every_other(redis_server: RedisServer) -> None:
    throttled, other = Limiter(budget(redis_server.url)), Limiter(budget(redis_server.url))
    await other.acquire()
    throttled.pause(0.6)
    await throttled.publish_pause()
    paused_at = time.monotonic()
    await other.acquire()
    assert time.monotonic() - paused_at >= 0.55
    assert other.paused_until > 0  # it saw the pause and went slower
    assert other.current_rate < CALLS / WINDOW
    await throttled.aclose()
    await other.aclose()


async def test_a_turn_reserved_before_a_pause_waits_for_it(redis_server: RedisServer) -> None:
    window = SharedWindow(redis_server.url, "late")
    # Fill the window so that the next turn has to wait, then pause everybody.
    for _ in range(CALLS):
        await window.reserve(CALLS, WINDOW, 0.0)
    waiting = Limiter(budget(redis_server.url, "late"))
    times: list[float] = []

    async def pause_soon() -> None:
        await anyio.sleep(0.1)
        await window.pause(1.0)

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(take_turns, waiting, 1, times)
        group.start_soon(pause_soon)
    assert times[0] - started >= 1.0
    await window.aclose()
    await waiting.aclose()


async def test_redis_unreachable_at_start_is_a_configuration_error() -> None:
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"
    limiter = Limiter(budget(url))
    with pytest.raises(ConfigError) as raised:
        await limiter.acquire()
    await limiter.aclose()
    assert raised.value.exit_code is ExitCode.CONFIG_ERROR
    assert "127.0.0.1" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    assert limiter.calls == 0


async def test_redis_lost_during_the_run_is_its_own_exit_code(redis_server: RedisServer) -> None:
    limiter = Limiter(budget(redis_server.url))
    await limiter.acquire()
    redis_server.stop()
    with pytest.raises(BudgetLostError) as raised:
        await limiter.acquire()
    await limiter.aclose()
    assert raised.value.exit_code is ExitCode.BUDGET_LOST == 7
    assert limiter.calls == 1


async def test_instants_are_written_as_whole_microseconds(redis_server: RedisServer) -> None:
    """Redis writes a Lua number with 14 significant digits ("1.7966489898939e+15"): the
    script formats its 16-digit instants itself, so the next turn is spaced exactly."""
    window = SharedWindow(redis_server.url, "digits")
    first = await window.reserve(1000, 10.0, 1.0)
    second = await window.reserve(1000, 10.0, 1.0)
    await window.aclose()
    client = redis.Redis.from_url(redis_server.url)
    last = client.get("io-batch:budget:digits:last")
    turns = client.zrange("io-batch:budget:digits:turns", 0, -1, withscores=True)
    client.close()
    assert last is not None and last.isdigit() and len(last) == 16
    assert [int(score) for _, score in turns] == [round(first.at * 1e6), int(last)]
    assert int(last) - round(first.at * 1e6) == 1_000_000
    assert 0.5 < second.wait <= 1.0


async def test_a_turn_woken_late_is_given_up_and_taken_again(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy machine wakes a sleeper late: its call would land nearer the next window
    than its reserved instant. The turn is given up and a new one reserved from now."""
    limiter = Limiter(budget(redis_server.url))
    window = limiter.shared
    assert window is not None
    for _ in range(CALLS):  # fill the window: the next turn must wait
        await window.reserve(CALLS, WINDOW, 0.0)
    late_once = [0.2]  # the first wake-up comes 200 ms late, later ones on time
    wait_until = limiter._wait_until

    async def oversleeping(deadline: float) -> None:
        await wait_until(deadline)
        if late_once and deadline > time.monotonic() - 0.05:
            await anyio.sleep(late_once.pop())

    monkeypatch.setattr(limiter, "_wait_until", oversleeping)
    await limiter.acquire()
    await limiter.aclose()
    assert (limiter.late_turns, limiter.calls) == (1, 1)
