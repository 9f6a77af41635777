"""An asyncio event loop on a virtual clock, for tests of timing logic.

When every task waits, the clock jumps to the next timer; otherwise each turn of the
loop costs one microsecond, as work does on a real machine (with no cost at all, a timer
set a rounding error ahead of now would fire at the same instant forever). So
``anyio.sleep``, ``move_on_after`` and the limiter's timers all keep their arithmetic,
a minute of budget runs in milliseconds, and a loaded machine cannot make a test late.
``loop.time()`` is the clock to hand to the code under test.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


TICK = 1e-6  # the virtual cost of one turn of the loop


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0


class _JumpingSelector(selectors.BaseSelector):
    """A real selector (the loop's own wake-up pipe still works) that, instead of
    blocking until the next timer, moves the clock forward to it."""

    def __init__(self, clock: _Clock) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready or timeout == 0:
            self._clock.now += TICK
            return ready
        if timeout is None:  # no timer at all: only another thread can wake the loop
            return self._real.select(None)
        self._clock.now += max(timeout, TICK)
        return []

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._virtual = _Clock()
        super().__init__(selector=_JumpingSelector(self._virtual))

    def time(self) -> float:
        return self._virtual.now


def run_virtual(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` on a virtual-time loop (inside, ``loop_time()`` is its clock)."""

    async def wrapper() -> T:
        return await main()

    return anyio.run(wrapper, backend="asyncio", backend_options={"loop_factory": VirtualTimeLoop})


def loop_time() -> float:
    return asyncio.get_running_loop().time()
