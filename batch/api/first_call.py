"""The job's first call goes alone: no other call leaves until its answer is understood.

A wrong base URL, a server that is not IO or a refused key gives the same answer to
every call; with N workers starting at once, N calls would be spent to learn it. So
the first call of a run (with its classification) is made alone; if its answer stops
the job, every worker that waited gets the same error without making a call, and
otherwise they all go ahead at full speed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from batch.errors import BatchError

T = TypeVar("T")


class FirstCallGate:
    def __init__(self) -> None:
        self._taken = False
        self._passed = anyio.Event()
        self._error: BatchError | None = None

    async def through(
        self, step: Callable[[], Awaitable[T]], stops_job: Callable[[T], BatchError | None]
    ) -> T:
        """Run ``step`` (a call and its classification), alone if it is the first one.

        ``stops_job`` says whether the first step's result stops the job; if it does,
        callers that waited raise that error instead of making their call."""
        if self._passed.is_set():
            return await step()
        if self._taken:
            await self._passed.wait()
            if self._error is not None:
                raise self._error
            return await step()
        self._taken = True
        try:
            result = await step()
            self._error = stops_job(result)
        finally:  # whatever happened (even a bug, a cancellation), nobody waits forever
            self._passed.set()
        return result
