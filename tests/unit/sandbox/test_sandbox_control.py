"""The test-only endpoints under /__sandbox/: ledger, calls, faults, reset."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from batch.sandbox import CallRecord, Faults, LedgerEntry, OperationFaults, SandboxConfig
from tests.helpers.sandbox_contract import SANDBOX_CF, sandbox_client, valid_body

pytestmark = pytest.mark.anyio


async def test_ledger_and_calls_read_over_http_are_the_apps() -> None:
    async with sandbox_client() as (app, client):
        await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        await client.post("/api/v1/messages", json=valid_body())
        ledger = (await client.get("/__sandbox/ledger")).json()
        calls = (await client.get("/__sandbox/calls")).json()
        health = await client.get("/__sandbox/health")
    assert [LedgerEntry.from_json(item) for item in ledger["entries"]] == app.ledger.entries()
    assert ledger["entries"][0]["delivered"] is True
    assert [CallRecord.from_json(item) for item in calls["calls"]] == app.calls.entries()
    assert health.json() == {"status": "ok"}
    assert app.calls.count() == 2  # the test endpoints are not API calls


async def test_faults_can_be_read_and_replaced_at_runtime() -> None:
    async with sandbox_client() as (app, client):
        before = (await client.get("/__sandbox/faults")).json()
        changed = await client.post(
            "/__sandbox/faults",
            json={"submit": {"error_ratio": 1.0, "error_stored": True}, "hang_seconds": 2},
        )
        failing = await client.post("/api/v1/messages", json=valid_body())
        await client.post("/__sandbox/faults", json={})
        working = await client.post("/api/v1/messages", json=valid_body())
    assert before == Faults().to_json()
    assert changed.status_code == 200
    assert changed.json()["submit"]["error_ratio"] == 1.0
    assert (failing.status_code, working.status_code) == (500, 201)
    assert [entry.outcome for entry in app.ledger.entries()] == ["error", "created"]
    assert app.faults == Faults()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"submit": {"error_ratio": 2}}, "fault ratios must be in [0, 1]"),
        ({"submit": {"nonsense": 1}}, "unknown submit fault setting: nonsense"),
        ({"submit": {"error_stored": 1}}, "submit.error_stored must be a boolean"),
        ({"submit": {"latency_ms": True}}, "submit.latency_ms must be a number"),
        ({"other": {}}, "unknown fault settings: other"),
        ({"hang_seconds": "long"}, "hang_seconds must be a number"),
        ([], "faults must be a JSON object"),
    ],
)
async def test_bad_fault_settings_are_a_400_and_change_nothing(body: object, error: str) -> None:
    config = SandboxConfig(faults=Faults(get=OperationFaults(latency_ms=1)))
    async with sandbox_client(config) as (app, client):
        response = await client.post("/__sandbox/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert app.faults == config.faults


async def test_reset_forgets_messages_calls_and_windows_and_restores_faults() -> None:
    config = SandboxConfig(rate_calls=1, rate_window=60)
    async with sandbox_client(config) as (app, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        refused = await client.post("/api/v1/messages", json=valid_body())
        await client.post("/__sandbox/faults", json={"get": {"error_ratio": 1}})
        reset = await client.post("/__sandbox/reset")
        gone = await client.get(created.headers["location"])
    assert (created.status_code, refused.status_code) == (201, 429)
    assert reset.json() == {"reset": True}
    assert gone.status_code == 404  # admitted: the window is empty again; the message is gone
    assert app.ledger.entries() == []
    assert [call.status for call in app.calls.entries()] == [404]
    assert app.faults == config.faults


async def test_an_unknown_test_endpoint_is_a_404() -> None:
    async with sandbox_client() as (_, client):
        response = await client.get("/__sandbox/nothing")
    assert response.status_code == 404
    assert response.json() == {"error": "no test endpoint GET /__sandbox/nothing"}


async def test_late_writes_rewrite_a_past_day_of_the_feed_and_the_profile_follows() -> None:
    """Issue 26, point 5: IO writes into a day already served; the sandbox can too."""
    today = datetime.now(UTC).date()
    day = (today - timedelta(days=3)).isoformat()
    config = SandboxConfig(
        citizens=(SANDBOX_CF,), feed_start=(today - timedelta(days=10)).isoformat()
    )
    digest = hashlib.sha256(SANDBOX_CF.encode()).hexdigest()
    async with sandbox_client(config) as (_, client):
        before = (await client.get(f"/api/v1/subscriptions-feed/{day}")).json()
        written = await client.post(
            "/__sandbox/feed-late-writes", json={"day": day, "unsubscribed": [SANDBOX_CF]}
        )
        after = (await client.get(f"/api/v1/subscriptions-feed/{day}")).json()
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        bad = await client.post("/__sandbox/feed-late-writes", json={"day": "yesterday"})
    assert written.json() == {"day": day, "written": 1}
    assert (before["unsubscriptions"], after["unsubscriptions"]) == ([], [digest])
    assert profile.json()["sender_allowed"] is False
    assert bad.status_code == 400 and "bad late writes" in bad.json()["error"]
