"""Run the sandbox in process, as an httpx transport, with its faults seen as on a network.

``httpx.ASGITransport`` alone knows neither timeouts nor closed connections; this
one turns a request that outlives the client's read timeout into ``ReadTimeout``,
and a dropped connection into ``RemoteProtocolError``, as a real server would.
"""

from __future__ import annotations

import contextlib

import anyio
import httpx

from batch.sandbox.responses import AsgiApp, ConnectionDropped


class SandboxTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: AsgiApp) -> None:
        self._inner = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        read_timeout = request.extensions.get("timeout", {}).get("read")
        limit = (
            anyio.fail_after(read_timeout) if read_timeout is not None else contextlib.nullcontext()
        )
        try:
            with limit:
                return await self._inner.handle_async_request(request)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out waiting for the sandbox", request=request) from None
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
