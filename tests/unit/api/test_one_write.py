"""A request in one write: the head and the body reach the socket together."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
import pytest

from batch.api.lanes import Lanes
from batch.api.one_write import FLUSH_BYTES, OneWriteBackend, OneWriteStream, one_write
from batch.sandbox import SandboxConfig, running_sandbox

pytestmark = pytest.mark.anyio

CF = "AAAAAA00A00A000A"


class Recording(httpcore.AsyncNetworkStream):
    """A stream that records what is done to it; its reads answer ``answer``."""

    def __init__(self, answer: bytes = b"HTTP/1.1 200 OK\r\n", fail_writes: bool = False) -> None:
        self.events: list[tuple[str, object]] = []
        self._answer = answer
        self._fail_writes = fail_writes

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        self.events.append(("read", timeout))
        return self._answer

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.events.append(("write", (bytes(buffer), timeout)))
        if self._fail_writes:
            raise httpcore.WriteError("connection reset")

    async def aclose(self) -> None:
        self.events.append(("close", None))

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        return Recording()

    def get_extra_info(self, info: str) -> Any:
        return f"info:{info}"


async def test_the_writes_of_a_request_go_out_together_before_the_answer_is_read() -> None:
    inner = Recording()
    stream = OneWriteStream(inner)
    await stream.write(b"POST /api/v1/profiles HTTP/1.1\r\n\r\n", timeout=5.0)
    await stream.write(b"", timeout=5.0)  # h11's end of a Content-Length body
    await stream.write(b'{"fiscal_code": "X"}', timeout=6.0)
    assert inner.events == []
    assert await stream.read(1024, timeout=7.0) == b"HTTP/1.1 200 OK\r\n"
    whole = b'POST /api/v1/profiles HTTP/1.1\r\n\r\n{"fiscal_code": "X"}'
    assert inner.events == [("write", (whole, 6.0)), ("read", 7.0)]
    # The next read of the same answer sends nothing.
    await stream.read(1024, timeout=7.0)
    assert inner.events[-1] == ("read", 7.0) and len(inner.events) == 3
    assert stream.get_extra_info("server_addr") == "info:server_addr"


async def test_readable_asks_for_the_socket_once_and_polls_it_each_time() -> None:
    left, right = socket.socketpair()
    asked: list[str] = []

    class WithSocket(Recording):
        def get_extra_info(self, info: str) -> Any:
            asked.append(info)
            return left if info == "socket" else None

    stream = OneWriteStream(WithSocket())
    try:
        assert stream.get_extra_info("is_readable") is False
        right.send(b"")  # nothing to read yet
        assert stream.get_extra_info("is_readable") is False
        right.close()  # the server closed the kept-alive connection: readable (the end)
        assert stream.get_extra_info("is_readable") is True
        assert asked == ["socket"]
    finally:
        left.close()

    class NoSocket(Recording):  # a socket gone: readable, its next read returns the end
        def get_extra_info(self, info: str) -> Any:
            return None

    assert OneWriteStream(NoSocket()).get_extra_info("is_readable") is True


async def test_a_large_request_is_not_held_whole() -> None:
    inner = Recording()
    stream = OneWriteStream(inner)
    await stream.write(b"head\r\n\r\n")
    await stream.write(b"x" * FLUSH_BYTES)
    assert inner.events == [("write", (b"head\r\n\r\n" + b"x" * FLUSH_BYTES, None))]
    await stream.write(b"tail")
    await stream.read(10)
    assert [event for event, _ in inner.events] == ["write", "write", "read"]


async def test_a_failed_send_is_passed_over_and_the_answer_is_still_read() -> None:
    """As httpcore does when writing a request fails: a server that closed early may
    have answered (a 413, a 429) and the read says what happened."""
    inner = Recording(answer=b"HTTP/1.1 429 Too Many Requests\r\n", fail_writes=True)
    stream = OneWriteStream(inner)
    await stream.write(b"head\r\n\r\nbody")
    assert await stream.read(100) == b"HTTP/1.1 429 Too Many Requests\r\n"
    assert [event for event, _ in inner.events] == ["write", "read"]


async def test_closing_drops_what_was_not_sent() -> None:
    inner = Recording()
    stream = OneWriteStream(inner)
    await stream.write(b"head")
    await stream.aclose()
    assert inner.events == [("close", None)]


class CountedStream(httpcore.AsyncNetworkStream):
    """A real socket stream that records the writes reaching it (empty ones send nothing)."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, writes: list[bytes]) -> None:
        self._stream, self._writes = stream, writes

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if buffer:
            self._writes.append(bytes(buffer))
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class CountingBackend(httpcore.AsyncNetworkBackend):
    """The real backend, counting the writes that reach its sockets."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend
        self.writes: list[bytes] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return CountedStream(stream, self.writes)


def counted_transport(*, whole: bool) -> tuple[httpx.AsyncHTTPTransport, CountingBackend]:
    transport = httpx.AsyncHTTPTransport(http1=True, http2=False)
    pool: Any = transport._pool
    counting = CountingBackend(pool._network_backend)
    pool._network_backend = counting
    return (one_write(transport) if whole else transport), counting


@pytest.mark.parametrize(("whole", "writes_per_request"), [(True, 1), (False, 2)])
async def test_over_the_network_a_request_with_a_body_is_one_write(
    whole: bool, writes_per_request: int
) -> None:
    """httpx alone writes the head and the body apart; through ``one_write``, one write
    carries both, and the sandbox answers as before."""
    with running_sandbox(SandboxConfig(rate_calls=None)) as sandbox:
        transport, counting = counted_transport(whole=whole)
        async with httpx.AsyncClient(base_url=sandbox.base_url, transport=transport) as client:
            headers = {"Ocp-Apim-Subscription-Key": "sandbox-key"}
            for _ in range(3):
                answer = await client.post(
                    "/api/v1/profiles", json={"fiscal_code": CF}, headers=headers
                )
                assert answer.status_code in (200, 404)
    assert len(counting.writes) == 3 * writes_per_request
    if whole:
        assert all(
            write.endswith(b'{"fiscal_code":"' + CF.encode() + b'"}') for write in counting.writes
        )


def test_every_lane_sends_its_requests_in_one_write() -> None:
    lanes = Lanes(3)
    backends = [lane._pool._network_backend for lane in lanes._lanes]  # type: ignore[attr-defined]
    assert len(backends) == 3
    assert all(isinstance(backend, OneWriteBackend) for backend in backends)
    # Wrapped once, however often it is asked.
    transport = httpx.AsyncHTTPTransport()
    first = one_write(transport)._pool._network_backend  # type: ignore[attr-defined]
    assert one_write(transport)._pool._network_backend is first  # type: ignore[attr-defined]
