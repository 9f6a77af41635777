"""The stop of a run: after the first SIGINT/SIGTERM (or a job-level error) no new call.

One ``Stop`` per run is shared by everything that may start an API call. The client
checks it right before a request goes out (the one gate every call passes), and every
wait that comes before a call (the limiter's turn, a 429 pause, a retry backoff, the
pause between two ``verify --wait`` rounds) runs under ``Stop.cuts_short``, so that a
stop ends the wait at once with ``StopRequested`` instead of letting it run out and
then make the call. Requests already on the wire are not touched: each is bounded by
its own timeouts. A second signal cancels those too (``watch_signals``' ``force``).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import anyio
from anyio import CancelScope

from batch.common.logs import get_logger


class StopRequested(Exception):  # noqa: N818 -- a request, not a failure
    """Raised instead of starting a call (or finishing a wait for one) once the run is
    stopping: no request went out, so the row it was for may safely stay pending."""


class Stop:
    """A shared "no new call" flag whose setting also ends every wait it watches."""

    def __init__(self) -> None:
        self._requested = anyio.Event()
        self._waits: set[CancelScope] = set()
        self.reason = ""

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def request(self, reason: str) -> None:
        """From now on no call starts; the waits in progress end with ``StopRequested``."""
        if self.requested:
            return
        self.reason = reason
        self._requested.set()
        for scope in list(self._waits):
            scope.cancel()

    async def wait(self) -> None:
        """Return once a stop is requested."""
        await self._requested.wait()

    def check(self) -> None:
        """Raise ``StopRequested`` if a stop was requested: the gate before a request."""
        if self.requested:
            raise StopRequested(self.reason)

    @contextmanager
    def cuts_short(self) -> Iterator[None]:
        """Run a wait that a stop ends at once (raising ``StopRequested`` after it)."""
        self.check()
        with CancelScope() as scope:
            self._waits.add(scope)
            try:
                yield
            finally:
                self._waits.discard(scope)
        # Also when the wait ended on its own in the same tick as the stop: no call after it.
        self.check()

    async def sleep(self, seconds: float) -> None:
        """``anyio.sleep`` that a stop cuts short with ``StopRequested``."""
        with self.cuts_short():
            await anyio.sleep(seconds)


async def watch_signals(stop: Stop, force: Callable[[], None], *, detail: str) -> None:
    """The first SIGINT/SIGTERM requests ``stop``; the second calls ``force`` (which cuts
    off the requests in flight). Run it as a task for as long as the work goes on."""
    log = get_logger()
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            name = signal.Signals(signum).name
            if stop.requested:
                log.warning("stop.forced", signal=name)
                force()
                return
            log.warning("stop.requested", signal=name, detail=detail)
            stop.request(f"stopped by {name}")
