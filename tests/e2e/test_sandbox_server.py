"""The sandbox as a real HTTP server on 127.0.0.1: the window under concurrent clients,
retry hints, faults as a client sees them on the wire, test endpoints, start and stop."""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from batch.sandbox import (
    DEFAULT_API_KEY,
    Faults,
    OperationFaults,
    SandboxConfig,
    fetch_calls,
    fetch_ledger,
    max_calls_in_window,
    running_sandbox,
)
from tests.helpers.sandbox_contract import SANDBOX_CF, valid_body

pytestmark = pytest.mark.e2e

REPO = Path(__file__).parents[2]
KEY = {"Ocp-Apim-Subscription-Key": DEFAULT_API_KEY}
PROFILE = {"fiscal_code": SANDBOX_CF}


@pytest.mark.anyio
async def test_concurrent_clients_never_get_more_than_the_limit_in_any_window() -> None:
    limit, window, duration = 20, 1.0, 2.5
    config = SandboxConfig(rate_calls=limit, rate_window=window)
    with running_sandbox(config) as sandbox:
        hints: list[int] = []
        statuses: list[int] = []

        async def hammer(client: httpx.AsyncClient, deadline: float) -> None:
            while time.monotonic() < deadline:
                response = await client.post("/api/v1/profiles", json=PROFILE)
                statuses.append(response.status_code)
                if response.status_code == 429:
                    hints.append(int(response.headers["x-rate-limit-retry-after"]))

        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(
            base_url=sandbox.base_url, headers=KEY, limits=limits
        ) as client:
            deadline = time.monotonic() + duration
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(hammer, client, deadline)
        calls = sandbox.app.calls.entries()

    admitted = sorted(call.t for call in calls if call.status == 200)
    assert set(statuses) == {200, 429}
    assert len(calls) == len(statuses)
    assert max_calls_in_window(calls, window, key=DEFAULT_API_KEY, admitted_only=True) == limit
    # Every window was used to the full, and no more: about limit per second, give or take
    # the partial windows at the edges.
    assert limit * 2 <= len(admitted) <= limit * math.ceil(duration / window)
    rejected = [call for call in calls if call.status == 429]
    assert [call.retry_after for call in rejected] == hints or sorted(hints) == sorted(
        call.retry_after for call in rejected
    )
    for call in rejected:
        assert call.retry_after is not None
        in_window = [t for t in admitted if call.t - window < t <= call.t]
        assert len(in_window) == limit
        frees_at = min(in_window) + window
        # The hint is never too short, and no longer than the rounding up to whole seconds.
        assert call.t + call.retry_after >= frees_at
        assert call.t + call.retry_after - 1 < frees_at


@pytest.mark.anyio
async def test_a_call_arrives_when_its_body_has_arrived() -> None:
    # A request whose body comes slowly must be judged when it is complete, after the
    # quick ones that overtook it: judged at its first byte, it would be admitted or
    # refused "in the past", out of order, and its hint would be too long.
    async def slow_body() -> AsyncIterator[bytes]:
        yield b'{"fiscal_code": '
        await anyio.sleep(0.3)
        yield b'"AAAAAA00A00A000A"}'

    with running_sandbox(SandboxConfig(rate_calls=2, rate_window=1.0)) as sandbox:
        async with (
            httpx.AsyncClient(base_url=sandbox.base_url, headers=KEY) as client,
            anyio.create_task_group() as group,
        ):
            group.start_soon(lambda: client.post("/api/v1/profiles", content=slow_body()))
            for _ in range(2):
                await anyio.sleep(0.05)
                await client.post("/api/v1/profiles", json=PROFILE)
        calls = sandbox.app.calls.entries()
    assert [call.status for call in calls] == [200, 200, 429]
    quick_one, quick_two, slow = calls
    assert slow.t > quick_two.t > quick_one.t
    assert slow.retry_after == 1  # ceil(quick_one.t + 1 - slow.t), about 0.75 s


def test_a_call_made_when_the_hint_expires_is_accepted() -> None:
    with (
        running_sandbox(SandboxConfig(rate_calls=5, rate_window=1.0)) as sandbox,
        httpx.Client(base_url=sandbox.base_url, headers=KEY) as client,
    ):
        first = [client.post("/api/v1/profiles", json=PROFILE).status_code for _ in range(5)]
        refused = client.post("/api/v1/profiles", json=PROFILE)
        hint = int(refused.headers["x-rate-limit-retry-after"])
        time.sleep(hint)
        after = client.post("/api/v1/profiles", json=PROFILE)
    assert first == [200] * 5
    assert refused.status_code == 429
    assert refused.json() == {
        "statusCode": 429,
        "message": f"Rate limit is exceeded. Try again in {hint} seconds.",
    }
    assert hint == 1
    assert after.status_code == 200


def test_faults_look_on_the_wire_as_they_would_from_the_real_api() -> None:
    faults = Faults(
        profile=OperationFaults(timeout_ratio=1.0),
        submit=OperationFaults(drop_ratio=1.0, drop_stored=False),
        hang_seconds=30,
    )
    with (
        running_sandbox(SandboxConfig(faults=faults)) as sandbox,
        httpx.Client(base_url=sandbox.base_url, headers=KEY, timeout=0.3) as client,
    ):
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/api/v1/messages", json=valid_body())
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.post("/api/v1/profiles", json=PROFILE)
        assert time.monotonic() - started < 2
        # Stored, then dropped: the message exists though the client never heard of it.
        client.post("/__sandbox/faults", json={"submit": {"drop_ratio": 1.0}})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post("/api/v1/messages", json=valid_body())
        client.post("/__sandbox/faults", json={"submit": {"error_ratio": 1.0}})
        not_stored = client.post("/api/v1/messages", json=valid_body())
        client.post(
            "/__sandbox/faults", json={"submit": {"error_ratio": 1.0, "error_stored": True}}
        )
        stored = client.post("/api/v1/messages", json=valid_body())
        ledger = fetch_ledger(sandbox.base_url)
        calls = fetch_calls(sandbox.base_url)
    assert (not_stored.status_code, stored.status_code) == (500, 500)
    assert [entry.outcome for entry in ledger] == ["dropped", "error"]
    assert [(call.operation, call.status, call.fault) for call in calls] == [
        ("submit", None, "dropped"),
        ("profile", 200, "timeout"),
        ("submit", None, "dropped"),
        ("submit", 500, "error"),
        ("submit", 500, "error"),
    ]


def test_latency_is_felt_by_the_client() -> None:
    faults = Faults(submit=OperationFaults(latency_ms=200, jitter_ms=100))
    with (
        running_sandbox(SandboxConfig(faults=faults)) as sandbox,
        httpx.Client(base_url=sandbox.base_url, headers=KEY) as client,
    ):
        started = time.monotonic()
        created = client.post("/api/v1/messages", json=valid_body())
        elapsed = time.monotonic() - started
    assert created.status_code == 201
    assert 0.2 <= elapsed < 1.0


def test_answers_are_not_held_back_by_nagles_algorithm() -> None:
    # With Nagle on, each small answer waits ~40 ms for the client's delayed ACK: 20 calls
    # would take 0.8 s. Without it they take a few ms each.
    with (
        running_sandbox(SandboxConfig(rate_calls=None)) as sandbox,
        httpx.Client(base_url=sandbox.base_url, headers=KEY) as client,
    ):
        client.post("/api/v1/profiles", json=PROFILE)  # connected
        started = time.monotonic()
        for _ in range(20):
            client.post("/api/v1/profiles", json=PROFILE)
        elapsed = time.monotonic() - started
    assert elapsed < 0.6


def test_stopping_is_quick_even_with_a_request_held_by_a_timeout_fault() -> None:
    faults = Faults(profile=OperationFaults(timeout_ratio=1.0), hang_seconds=60)
    outcome: list[BaseException | httpx.Response] = []

    def patient_client(base_url: str) -> None:
        try:
            outcome.append(
                httpx.post(f"{base_url}/api/v1/profiles", json=PROFILE, headers=KEY, timeout=30)
            )
        except httpx.HTTPError as error:
            outcome.append(error)

    with running_sandbox(SandboxConfig(faults=faults)) as sandbox:
        thread = threading.Thread(target=patient_client, args=(sandbox.base_url,))
        thread.start()
        while sandbox.app.calls.count() == 0:
            time.sleep(0.01)
        stopping = time.monotonic()
    stopped_in = time.monotonic() - stopping
    thread.join(timeout=5)
    assert stopped_in < 1.5
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.RemoteProtocolError)


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"),
            running_sandbox(port=port),
        ):
            pass


def test_the_sandbox_serves_from_its_own_process_until_interrupted() -> None:
    command = [sys.executable, "-m", "batch.sandbox", "--port", "0", "--rate-calls", "2",
               "--rate-window", "30", "--test-mode"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    with subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
            assert match, line
            base_url = match.group(0)
            with httpx.Client(base_url=base_url, headers=KEY) as client:
                own = client.post("/api/v1/profiles", json=PROFILE)
                stranger = client.post("/api/v1/profiles", json={"fiscal_code": "RSSMRA80A01H501U"})
                limited = client.post("/api/v1/profiles", json=PROFILE)
                calls = fetch_calls(base_url)
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=10)
    assert own.status_code == 200
    assert stranger.json()["title"] == "Recipient forbidden"
    assert limited.status_code == 429
    assert int(limited.headers["x-rate-limit-retry-after"]) == 30
    assert [call.status for call in calls] == [200, 403, 429]
    assert code == 0
