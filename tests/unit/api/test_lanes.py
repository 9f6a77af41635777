"""The client's lanes: one connection each, a free lane per request, the pool timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
import pytest

from batch.api.client import IOClient, make_http_client
from batch.api.lanes import Lanes
from batch.api.limiter import Limiter
from batch.config.job_sections import RateBudget, Timeouts
from batch.sandbox import SandboxConfig, running_sandbox

pytestmark = pytest.mark.anyio

CF = "AAAAAA00A00A000A"
URL = "http://io.test/api/v1/profiles"


class Gated:
    """A lane (a mock transport) whose answers wait for the test's go-ahead."""

    def __init__(self, name: str, log: list[str], gate: anyio.Event) -> None:
        self.name, self._log, self._gate = name, log, gate

    def transport(self) -> httpx.MockTransport:
        async def handler(request: httpx.Request) -> httpx.Response:
            self._log.append(f"{self.name} {request.headers['x-n']}")
            await self._gate.wait()
            return httpx.Response(200, content=b"ok")

        return httpx.MockTransport(handler)


async def get(client: httpx.AsyncClient, number: int) -> None:
    await client.get(URL, headers={"x-n": str(number)})


def lanes_of(count: int, log: list[str], gate: anyio.Event) -> Lanes:
    names = iter("abcdefgh")
    return Lanes(count, make_lane=lambda: Gated(next(names), log, gate).transport())


async def test_requests_take_free_lanes_in_order_and_wait_for_one_when_all_are_busy() -> None:
    log: list[str] = []
    gate = anyio.Event()
    async with httpx.AsyncClient(transport=lanes_of(2, log, gate)) as client:
        answers: list[int] = []

        async def call(number: int) -> None:
            answers.append((await client.get(URL, headers={"x-n": str(number)})).status_code)

        async with anyio.create_task_group() as group:
            for number in range(3):
                group.start_soon(call, number)
                await anyio.wait_all_tasks_blocked()
            assert log == ["a 0", "b 1"]  # the third waits: two lanes, two requests
            gate.set()
    assert answers == [200, 200, 200]
    assert log[2] in {"a 2", "b 2"}  # a lane given back once its answer was read


async def test_a_request_finding_no_free_lane_fails_after_the_pool_timeout() -> None:
    log: list[str] = []
    gate = anyio.Event()
    lanes = lanes_of(1, log, gate)
    timeout = httpx.Timeout(5.0, pool=0.05)
    async with httpx.AsyncClient(transport=lanes, timeout=timeout) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(get, client, 0)
            await anyio.wait_all_tasks_blocked()
            started = time.monotonic()
            with pytest.raises(httpx.PoolTimeout):
                await client.get(URL, headers={"x-n": "1"})
            assert 0.04 < time.monotonic() - started < 1.0
            gate.set()
        # The timed-out waiter left no trace: the lane goes to the next request at once.
        assert (await client.get(URL, headers={"x-n": "2"})).status_code == 200
    assert log == ["a 0", "a 2"]


async def test_a_failed_request_gives_its_lane_back() -> None:
    calls: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadError("dropped")
        return httpx.Response(200)

    lanes = Lanes(1, make_lane=lambda: httpx.MockTransport(handler))
    async with httpx.AsyncClient(transport=lanes, timeout=httpx.Timeout(5.0, pool=0.05)) as client:
        with pytest.raises(httpx.ReadError):
            await client.get(URL)
        assert (await client.get(URL)).status_code == 200


async def test_a_cancelled_wait_leaves_the_lane_to_the_next_request() -> None:
    log: list[str] = []
    gate = anyio.Event()
    async with httpx.AsyncClient(transport=lanes_of(1, log, gate)) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(get, client, 0)
            await anyio.wait_all_tasks_blocked()
            with anyio.move_on_after(0.05):
                await client.get(URL, headers={"x-n": "1"})  # waits for the lane, cancelled
            gate.set()
        assert (await client.get(URL, headers={"x-n": "2"})).status_code == 200
    assert log == ["a 0", "a 2"]


async def test_many_calls_over_the_network_use_at_most_one_connection_per_lane() -> None:
    with running_sandbox(SandboxConfig(rate_calls=None)) as sandbox:
        http = make_http_client(sandbox.base_url, "sandbox-key", Timeouts(), 3)
        client = IOClient(http, Limiter(RateBudget(calls=None)))
        async with http:
            async with anyio.create_task_group() as group:
                for _ in range(30):
                    group.start_soon(client.profile, CF)
            lanes = http._transport._lanes  # type: ignore[attr-defined]
            connections = [len(lane._pool.connections) for lane in lanes]
    assert client.calls_by_operation["profile"] == 30
    assert connections == [1, 1, 1]  # kept alive, one each, every lane used


@contextmanager
def trickling_server() -> Iterator[str]:
    """Answers every request with a body it sends one byte every 50 ms: each read
    succeeds well within a read timeout, so only the call's total deadline ends it."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            while not stop.is_set():
                try:
                    connection.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)


async def test_a_trickling_server_is_cut_off_at_the_sum_of_the_timeouts() -> None:
    """The per-call deadline (connect + read + write + pool = 0.8 s) over a real socket:
    the body would take 50 s, each byte comes within the read timeout."""
    timeouts = Timeouts(connect=0.2, read=0.2, write=0.2, pool=0.2)
    with trickling_server() as base_url:
        http = make_http_client(base_url, "key", timeouts, 2)
        client = IOClient(http, Limiter(RateBudget(calls=None)))
        async with http:
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await client.profile(CF)
            elapsed = time.monotonic() - started
    assert 0.75 < elapsed < 2.0
