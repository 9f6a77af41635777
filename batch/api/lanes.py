"""The client's connections as lanes: one keep-alive connection each, one request at a time.

httpcore's pool re-examines every connection it holds on each request, two or three
times (is it closed, expired, idle; which one is free), and the idle check asks the
socket whether it is readable. With the job's ``concurrency`` connections (8 by
default) that bookkeeping cost more CPU than the request itself: about 0.5 ms of the
2.7 ms a call took in unlimited mode (``tests/benchmarks/cpu_profile.py``). Here each
lane is its own pool of exactly one connection, and a request takes a free lane from a
list: the pool's work is the same as for a single connection, whatever the concurrency.

Same bounds as the pool it replaces: at most ``count`` connections; a request that
finds no free lane waits at most the pool timeout (``httpx.PoolTimeout``), in arrival
order. A lane is given back when its response is closed (httpx closes it once the body
is read), or at once when the request fails.
"""

from __future__ import annotations

import math
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable

import anyio
import httpx

from batch.api.one_write import one_write

Release = Callable[[], None]


class _Waiter:
    __slots__ = ("event", "lane")

    def __init__(self) -> None:
        self.event = anyio.Event()
        self.lane: httpx.AsyncBaseTransport | None = None


class Lanes(httpx.AsyncBaseTransport):
    """``count`` single-connection transports behind one: HTTP/1.1, as the client's."""

    def __init__(
        self,
        count: int,
        *,
        trust_env: bool = True,
        make_lane: Callable[[], httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        """``make_lane``: what a lane is (tests); by default an ``AsyncHTTPTransport``
        limited to one connection."""
        if make_lane is None:
            # One TLS context for all lanes: building one reads the CA bundle (~70 ms).
            context: ssl.SSLContext = httpx.create_ssl_context(trust_env=trust_env)
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)

            def make_lane() -> httpx.AsyncBaseTransport:
                return one_write(  # a request in one write, not two (one_write.py)
                    httpx.AsyncHTTPTransport(
                        verify=context, http1=True, http2=False, limits=one, trust_env=trust_env
                    )
                )

        self._lanes = [make_lane() for _ in range(max(count, 1))]
        self._free = list(reversed(self._lanes))  # pop() hands out the first lane first
        self._waiters: deque[_Waiter] = deque()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lane = self._free.pop() if self._free else await self._wait(request)
        try:
            response = await lane.handle_async_request(request)
        except BaseException:
            self._give_back(lane)
            raise
        if response.is_closed:  # read whole already (an in-memory body): nothing to wait for
            self._give_back(lane)
        else:
            response.stream = _Releasing(response.stream, lambda: self._give_back(lane))
        return response

    async def aclose(self) -> None:
        for lane in self._lanes:
            await lane.aclose()

    async def _wait(self, request: httpx.Request) -> httpx.AsyncBaseTransport:
        timeouts = request.extensions.get("timeout", {})
        pool = timeouts.get("pool")
        waiter = _Waiter()
        self._waiters.append(waiter)
        try:
            with anyio.move_on_after(math.inf if pool is None else pool):
                await waiter.event.wait()
        except BaseException:  # cancelled: a lane handed over meanwhile goes on
            if waiter.lane is not None:
                self._give_back(waiter.lane)
            else:
                self._waiters.remove(waiter)
            raise
        if waiter.lane is None:
            self._waiters.remove(waiter)
            raise httpx.PoolTimeout("no connection became free in time", request=request)
        return waiter.lane

    def _give_back(self, lane: httpx.AsyncBaseTransport) -> None:
        if self._waiters:
            waiter = self._waiters.popleft()
            waiter.lane = lane
            waiter.event.set()
        else:
            self._free.append(lane)


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its lane back once, when it is closed."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, release: Release):
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream
        self._release: Release | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()
