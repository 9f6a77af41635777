"""The stop gate, in process: no call after a stop, every wait before a call cut short."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import anyio
import pytest

from batch.api.client import IOClient, make_http_client
from batch.api.limiter import Limiter
from batch.api.stopping import Stop, StopRequested
from batch.config.job import load_job
from batch.config.job_sections import RateBudget, RetryPolicy, Timeouts
from batch.config.state_dir import journal_location
from batch.models import Message, Status
from batch.sandbox import (
    DEFAULT_API_KEY,
    Faults,
    OperationFaults,
    SandboxApp,
    SandboxConfig,
    create_app,
)
from batch.send.dispatch import Dispatcher
from batch.send.pipeline import SendOptions, SendRun
from tests.helpers.e2e import read_rows, write_csv, write_job

pytestmark = pytest.mark.anyio

CF = "AAAAAA00A00A000A"
MESSAGE = Message(fiscal_code=CF, subject="Avviso di pagamento", markdown="m" * 80)
BASE_URL = "http://127.0.0.1:9"  # never dialled: the sandbox runs in process


def client_for(app: SandboxApp, limiter: Limiter, stop: Stop) -> tuple[IOClient, object]:
    http = make_http_client(BASE_URL, DEFAULT_API_KEY, Timeouts(), 8, transport=app.transport())
    return IOClient(http, limiter, stop), http


async def stop_after(stop: Stop, seconds: float) -> None:
    await anyio.sleep(seconds)
    stop.request("test")


async def test_sleep_is_cut_short_by_a_stop() -> None:
    stop = Stop()
    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(stop_after, stop, 0.05)
        with pytest.raises(StopRequested):
            await stop.sleep(60)
    assert time.monotonic() - started < 1.0


async def test_after_a_stop_no_operation_makes_a_call_and_no_intent_is_recorded() -> None:
    app = create_app(SandboxConfig(rate_calls=None))
    stop = Stop()
    client, http = client_for(app, Limiter(RateBudget(calls=None)), stop)
    intents: list[str] = []

    async def before_send() -> None:
        intents.append("intent")

    stop.request("test")
    async with http:  # type: ignore[attr-defined]
        with pytest.raises(StopRequested):
            await client.profile(CF)
        with pytest.raises(StopRequested):
            await client.submit(MESSAGE.to_payload(), before_send)
        with pytest.raises(StopRequested):
            await client.get_message(CF, "01BX9NSMKVXXS5PSP2FATZMYYY")
    assert app.calls.entries() == []
    assert intents == []


async def test_a_stop_ends_a_long_429_pause_at_once_without_a_call() -> None:
    app = create_app(SandboxConfig(rate_calls=None))
    limiter = Limiter(RateBudget(calls=10, window_seconds=1.0))
    limiter.pause(600)  # the longest hint io-batch obeys
    stop = Stop()
    client, http = client_for(app, limiter, stop)
    started = time.monotonic()
    async with http, anyio.create_task_group() as group:  # type: ignore[attr-defined]
        group.start_soon(stop_after, stop, 0.1)
        with pytest.raises(StopRequested):
            await client.profile(CF)
    assert time.monotonic() - started < 1.0
    assert app.calls.entries() == []
    assert limiter.calls == 0


async def test_a_stop_ends_a_retry_backoff_without_the_retry() -> None:
    faults = Faults(profile=OperationFaults(error_ratio=1.0))  # every profile check: 500
    app = create_app(SandboxConfig(rate_calls=None, faults=faults))
    stop = Stop()
    client, http = client_for(app, Limiter(RateBudget(calls=None)), stop)
    slow = RetryPolicy(backoff_base=30.0, backoff_max=30.0)
    dispatcher = Dispatcher(client, slow, random.Random(1))

    async def never() -> None:
        raise AssertionError("no submit may start")

    # Wait for the first 500, then stop while the row sleeps out its backoff.
    async def stop_after_first_call() -> None:
        while not app.calls.entries():  # noqa: ASYNC110
            await anyio.sleep(0.01)
        await anyio.sleep(0.05)
        stop.request("test")

    started = time.monotonic()
    async with http, anyio.create_task_group() as group:  # type: ignore[attr-defined]
        group.start_soon(stop_after_first_call)
        with pytest.raises(StopRequested):
            await dispatcher.send(MESSAGE, never)
    assert time.monotonic() - started < 2.0
    assert [call.status for call in app.calls.entries()] == [500]


async def test_a_call_on_the_wire_is_awaited_not_cut_off() -> None:
    slow = Faults(profile=OperationFaults(latency_ms=300))
    app = create_app(SandboxConfig(rate_calls=None, faults=slow))
    stop = Stop()
    client, http = client_for(app, Limiter(RateBudget(calls=None)), stop)
    async with http, anyio.create_task_group() as group:  # type: ignore[attr-defined]
        group.start_soon(stop_after, stop, 0.1)
        answer = await client.profile(CF)
    assert stop.requested
    assert answer.status_code == 200
    assert len(app.calls.entries()) == 1


def slow_job(folder: Path, rows: int = 1) -> Path:
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], [[CF, "Ada"]] * rows)
    # Two calls per 5 s, one worker: the first row's profile check goes out at once, its
    # submit waits ~2.5 s for its turn: the stop comes between the two.
    return write_job(folder, base_url=BASE_URL, calls=2, window=5.0, concurrency=1)


async def test_a_row_between_its_profile_check_and_its_submit_stays_pending(
    tmp_path: Path,
) -> None:
    app = create_app(SandboxConfig(rate_calls=None))
    job = load_job(slow_job(tmp_path))
    run = SendRun(
        job,
        SendOptions(handle_signals=False),
        base_url=BASE_URL,
        api_key=DEFAULT_API_KEY,
        transport=app.transport(),
    )

    async def stop_after_the_profile_check() -> None:
        while not app.calls.entries():  # noqa: ASYNC110
            await anyio.sleep(0.01)
        await anyio.sleep(0.2)
        run.stop()

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(stop_after_the_profile_check)
        report = (await run.run()).report
    assert time.monotonic() - started < 2.0
    assert [call.operation for call in app.calls.entries()] == ["profile"]
    assert app.ledger.count() == 0
    assert report.interrupted and report.exit_code == 130
    assert report.counts == {Status.PENDING.value: 1}
    assert report.unknown_after_crash == 0
    assert [row["status"] for row in read_rows(job.output)] == ["pending"]
    # Released, not in flight: the journal holds no claim and no intent for the row, so
    # the next run sends it (an intent left behind would have made it "unknown").
    with sqlite3.connect(journal_location(job).path) as db:
        assert db.execute("SELECT count(*) FROM rows WHERE state != 'done'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM sent").fetchone() == (0,)
