"""Faults on demand, in process: 500s with and without storing, drops, timeouts, latency."""

from __future__ import annotations

import time

import httpx
import pytest

from batch.sandbox import Faults, OperationFaults, SandboxConfig
from batch.sandbox.faults import DROPPED, ERROR, TIMEOUT, FaultInjector
from tests.helpers.sandbox_contract import SANDBOX_CF, FakeClock, sandbox_client, valid_body

pytestmark = pytest.mark.anyio


def _config(**submit: object) -> SandboxConfig:
    return SandboxConfig(faults=Faults(submit=OperationFaults(**submit)))  # type: ignore[arg-type]


INTERNAL_ERROR = {
    "title": "Internal server error",
    "status": 500,
    "detail": "Injected fault: the operation failed",
}


async def test_a_500_that_stored_nothing_leaves_no_message() -> None:
    async with sandbox_client(_config(error_ratio=1.0)) as (app, client):
        response = await client.post("/api/v1/messages", json=valid_body())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == INTERNAL_ERROR
    assert app.ledger.entries() == []
    [call] = app.calls.entries()
    assert (call.status, call.fault) == (500, ERROR)


async def test_a_500_after_storing_leaves_a_record_stuck_in_accepted() -> None:
    clock = FakeClock()
    config = _config(error_ratio=1.0, error_stored=True)
    async with sandbox_client(config, clock=clock) as (app, client):
        response = await client.post("/api/v1/messages", json=valid_body())
        [entry] = app.ledger.entries()
        app.set_faults(Faults())
        clock.advance(3600)
        shown = await client.get(f"/api/v1/messages/{SANDBOX_CF}/{entry.message_id}")
    assert response.status_code == 500
    assert (entry.outcome, entry.delivered) == ("error", False)
    assert shown.json()["status"] == "ACCEPTED"  # never processed, never delivered


async def test_a_500_does_not_hide_a_400() -> None:
    async with sandbox_client(_config(error_ratio=1.0)) as (_, client):
        response = await client.post("/api/v1/messages", json={"content": {}})
    assert response.status_code == 400


async def test_a_dropped_connection_is_a_remote_protocol_error_and_may_have_stored() -> None:
    async with sandbox_client(_config(drop_ratio=1.0)) as (app, client):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/api/v1/messages", json=valid_body())
    [entry] = app.ledger.entries()
    assert (entry.outcome, entry.delivered) == (DROPPED, True)
    [call] = app.calls.entries()
    assert (call.status, call.fault) == (None, DROPPED)


async def test_a_dropped_connection_that_stored_nothing() -> None:
    async with sandbox_client(_config(drop_ratio=1.0, drop_stored=False)) as (app, client):
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/api/v1/messages", json=valid_body())
    assert app.ledger.entries() == []


async def test_a_held_call_is_a_read_timeout_and_the_message_went_out() -> None:
    config = SandboxConfig(
        faults=Faults(submit=OperationFaults(timeout_ratio=1.0), hang_seconds=30)
    )
    async with sandbox_client(config, client_timeout=0.2) as (app, client):
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/v1/messages", json=valid_body())
        elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2
    [entry] = app.ledger.entries()
    assert (entry.outcome, entry.delivered) == (TIMEOUT, True)
    [call] = app.calls.entries()
    assert (call.status, call.fault) == (201, TIMEOUT)


async def test_a_held_call_answers_late_to_a_patient_client() -> None:
    config = SandboxConfig(
        faults=Faults(profile=OperationFaults(timeout_ratio=1.0), hang_seconds=0.3)
    )
    async with sandbox_client(config, client_timeout=5) as (_, client):
        started = time.monotonic()
        response = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_latency_delays_every_answer_of_its_operation_only() -> None:
    config = SandboxConfig(faults=Faults(profile=OperationFaults(latency_ms=150)))
    async with sandbox_client(config) as (_, client):
        started = time.monotonic()
        await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        slow = time.monotonic() - started
        started = time.monotonic()
        await client.post("/api/v1/messages", json=valid_body())
        fast = time.monotonic() - started
    assert slow >= 0.15
    assert fast < 0.1


async def test_profile_and_get_faults_answer_500_too() -> None:
    config = SandboxConfig(
        faults=Faults(
            profile=OperationFaults(error_ratio=1.0), get=OperationFaults(error_ratio=1.0)
        )
    )
    async with sandbox_client(config) as (_, client):
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        created = await client.post("/api/v1/messages", json=valid_body())
        shown = await client.get(created.headers["location"])
    assert (profile.status_code, created.status_code, shown.status_code) == (500, 201, 500)


async def test_a_failing_payment_status_lookup_fails_the_whole_get() -> None:
    clock = FakeClock()
    config = SandboxConfig(faults=Faults(payment_status_error_ratio=1.0))
    body = valid_body(feature_level_type="ADVANCED")
    body["content"]["payment_data"] = {"amount": 100, "notice_number": "301011100007347557"}
    async with sandbox_client(config, clock=clock) as (app, client):
        created = await client.post("/api/v1/messages", json=body)
        accepted = await client.get(created.headers["location"])  # not looked up yet
        clock.advance(5)
        processed = await client.get(created.headers["location"])
    assert accepted.status_code == 200
    assert processed.status_code == 500
    assert processed.json()["detail"] == "Error retrieving Payment Status"
    assert app.calls.entries()[-1].fault == "payment_status"


def test_fault_shares_and_latency_are_seeded() -> None:
    faults = Faults(
        submit=OperationFaults(
            latency_ms=10, jitter_ms=20, error_ratio=0.2, timeout_ratio=0.1, drop_ratio=0.1
        )
    )
    first = FaultInjector(faults, seed=5)
    second = FaultInjector(faults, seed=5)
    runs = [
        [first.plan("submit") for _ in range(4000)],
        [second.plan("submit") for _ in range(4000)],
    ]
    assert runs[0] == runs[1]
    kinds = [plan.kind for plan in runs[0]]
    assert abs(kinds.count(ERROR) / 4000 - 0.2) < 0.03
    assert abs(kinds.count(TIMEOUT) / 4000 - 0.1) < 0.02
    assert abs(kinds.count(DROPPED) / 4000 - 0.1) < 0.02
    delays = [plan.delay for plan in runs[0]]
    assert min(delays) >= 0.010 and max(delays) < 0.030
    assert FaultInjector(faults, seed=6).plan("submit") != runs[0][0]


@pytest.mark.parametrize(
    "bad",
    [
        {"error_ratio": 0.6, "drop_ratio": 0.6},
        {"error_ratio": -0.1},
        {"latency_ms": -1},
    ],
)
def test_impossible_faults_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        OperationFaults(**bad)  # type: ignore[arg-type]
