"""A request in one write: its head and body go to the socket together.

httpcore writes an HTTP/1.1 request as h11 hands it over: the head, then each body
chunk, each with its own ``write`` (a timeout scope, an event-loop turn and a ``send``
system call). On the far side every write that arrives is a wake-up of the server, and
on loopback the kernel charges the work of waking it to the sender. For io-batch's
requests (a head and a small JSON body) that was two writes, two packets and two
wake-ups of the server per call, paid on every call at a paced rate, where each call is
a wake-up of its own (``tests/benchmarks/cpu_profile.py --rate``).

``OneWriteStream`` keeps what is written and sends it all at the first ``read`` (a
request is written whole before its answer is read), or as soon as it passes
``FLUSH_BYTES``. What the server sees is the same bytes, in fewer packets. Errors are
httpcore's own: a ``WriteError`` when sending is passed over, as httpcore passes over a
failed write of the request (a server may close early and still answer), and the read
that follows reports the connection's state.

Before each request on a kept-alive connection httpcore asks whether the socket is
readable (the server closed it): its stream finds the socket anew every time (anyio
builds its attribute table, with a ``getpeername`` system call). The socket of a
connection never changes, so ``OneWriteStream`` finds it once.

httpcore's network interface passes a ``timeout`` to every call (hence the ASYNC109
exemptions below: the signatures are httpcore's).
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

#: A request larger than this goes out in several writes (it is not held whole).
FLUSH_BYTES = 64 * 1024


class OneWriteStream(httpcore.AsyncNetworkStream):
    """A network stream that sends what was written once the answer is read."""

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._pending: list[bytes] = []
        self._size = 0
        self._timeout: float | None = None  # the last write's timeout, for the send
        self._socket: socket.socket | None = None
        self._socket_found = False

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 -- httpcore
        if not buffer:
            return
        self._pending.append(buffer)
        self._size += len(buffer)
        self._timeout = timeout
        if self._size >= FLUSH_BYTES:
            await self._send()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 -- httpcore
        if self._pending:
            # Passed over as httpcore does: the server may have answered before closing.
            with contextlib.suppress(httpcore.WriteError):
                await self._send()
        return await self._stream.read(max_bytes, timeout)

    async def _send(self) -> None:
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        await self._stream.write(data, self._timeout)

    async def aclose(self) -> None:
        self._pending.clear()
        self._size = 0
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
    ) -> httpcore.AsyncNetworkStream:
        if self._pending:  # a proxy's CONNECT is read before TLS starts: nothing is left
            await self._send()
        return OneWriteStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            if not self._socket_found:
                self._socket, self._socket_found = self._stream.get_extra_info("socket"), True
            return _readable(self._socket)
        return self._stream.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """httpcore's ``is_socket_readable``: a socket gone counts as readable (its next read
    returns the end), as there."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class OneWriteBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, its streams wrapped in ``OneWriteStream``."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return OneWriteStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 -- httpcore's signature
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )
        return OneWriteStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def one_write(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """``transport`` with its requests sent in one write each.

    httpx builds httpcore's pool itself and takes no network backend, so the pool's
    backend is wrapped in place (httpcore reads it when it opens a connection)."""
    pool: Any = transport._pool
    if isinstance(pool, httpcore.AsyncConnectionPool) and not isinstance(
        pool._network_backend, OneWriteBackend
    ):
        pool._network_backend = OneWriteBackend(pool._network_backend)
    return transport
