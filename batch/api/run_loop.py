"""The loop every run of calls goes through: send, verify and the feed sync.

Each of them runs its workers the same way: a task watches the signals (the first one
asks for a graceful stop, the second cuts the calls in flight off), side tasks may run
beside the work for as long as it goes on (the day's pace planner), the work itself
runs in one cancel scope that the second signal cancels, and the first job-level error
(a refused key, too many failures) stops every worker the graceful way and is kept to
be raised once the run has written what it did. ``RunLoop`` is that frame, written once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from anyio import CancelScope

from batch.api.stopping import Stop, watch_signals
from batch.common.logs import get_logger
from batch.errors import BatchError

#: What the first signal's log event says a run does next (``stop.requested``'s detail).
FINISH_IN_FLIGHT = "no new call; finishing the calls in flight; signal again to cut them off"

Task = Callable[[], Coroutine[Any, Any, None]]


class RunLoop:
    """One run's stop, cut-off and first job-level error."""

    def __init__(
        self,
        stop: Stop | None = None,
        *,
        detail: str = FINISH_IN_FLIGHT,
        handle_signals: bool = True,
    ) -> None:
        self.stop = stop if stop is not None else Stop()
        self.error: BatchError | None = None
        self._detail = detail
        self._handle_signals = handle_signals
        self._work_scope: CancelScope | None = None

    async def run(self, work: Task, *beside: Task) -> None:
        """Run ``work`` to its end under the signal watch, with the ``beside`` tasks
        running until it ends; a second signal cancels ``work`` (the calls in flight)."""
        async with anyio.create_task_group() as outer:
            if self._handle_signals:
                outer.start_soon(self._watch_signals)
            for task in beside:
                outer.start_soon(task)
            with CancelScope() as self._work_scope:
                await work()
            outer.cancel_scope.cancel()

    def fail(self, error: BatchError) -> None:
        """A job-level error: the first one is kept (and logged), and the run stops."""
        if self.error is None:
            self.error = error
            get_logger().error("job.stopping", error=str(error))
        self.stop.request(str(error))

    def raise_error(self) -> None:
        """Raise the job-level error that stopped the run, if one did."""
        if self.error is not None:
            raise self.error

    def cut_off(self) -> None:
        """Cancel the work now (the calls in flight too): what the second signal does."""
        if self._work_scope is not None:
            self._work_scope.cancel()

    async def _watch_signals(self) -> None:
        await watch_signals(self.stop, self.cut_off, detail=self._detail)
