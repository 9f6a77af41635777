"""The gateway: a sliding window per key over all operations, 429s in APIM's format."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.sandbox import CallRecord, KeyConfig, SandboxConfig, max_calls_in_window
from batch.sandbox.gateway import SlidingWindowLimiter
from tests.helpers.sandbox_contract import SANDBOX_CF, FakeClock, sandbox_client, valid_body


def _admitted_and_rejections(
    limiter: SlidingWindowLimiter, times: list[float]
) -> tuple[list[float], list[tuple[float, int]]]:
    admitted: list[float] = []
    rejected: list[tuple[float, int]] = []
    for t in times:
        admission = limiter.admit("k", t)
        if admission.admitted:
            admitted.append(t)
        else:
            assert admission.retry_after is not None
            rejected.append((t, admission.retry_after))
    return admitted, rejected


@settings(max_examples=200, deadline=None)
@given(
    calls=st.integers(min_value=1, max_value=8),
    window=st.sampled_from([0.5, 1.0, 2.5, 5.0]),
    gaps=st.lists(st.floats(min_value=0, max_value=1.5), min_size=1, max_size=80),
)
def test_never_more_than_the_limit_in_any_window_and_hints_are_exact(
    calls: int, window: float, gaps: list[float]
) -> None:
    times = [1000.0 + sum(gaps[: i + 1]) for i in range(len(gaps))]
    admitted, rejected = _admitted_and_rejections(SlidingWindowLimiter(calls, window), times)
    records = [CallRecord(t, "k", "submit", "POST /messages", 201) for t in admitted]
    assert max_calls_in_window(records, window) <= calls
    for t, hint in rejected:
        in_window = [a for a in admitted if t - window < a <= t]
        assert len(in_window) == calls  # rejected only when the window is full
        frees_at = min(in_window) + window
        # Never too short (a call at t + hint finds a free slot), and whole seconds,
        # rounded up, so at most one second too long.
        assert t + hint >= frees_at
        assert hint == max(1, math.ceil(frees_at - t))


def test_rejected_calls_do_not_count_in_the_window() -> None:
    limiter = SlidingWindowLimiter(2, 1.0)
    admitted, rejected = _admitted_and_rejections(limiter, [0.0, 0.1, 0.5, 0.9, 1.0, 1.05, 1.1])
    # 0.5 and 0.9 are refused; had they counted, 1.0 and 1.1 would be refused too.
    assert admitted == [0.0, 0.1, 1.0, 1.1]
    assert [t for t, _ in rejected] == [0.5, 0.9, 1.05]


def test_a_call_exactly_one_window_later_is_in_a_new_window() -> None:
    limiter = SlidingWindowLimiter(1, 5.0)
    assert limiter.admit("k", 10.0).admitted
    assert limiter.admit("k", 14.999).retry_after == 1
    assert limiter.admit("k", 15.0).admitted


def test_keys_have_separate_windows_and_none_is_unlimited() -> None:
    limiter = SlidingWindowLimiter(1, 5.0)
    assert limiter.admit("a", 0).admitted and limiter.admit("b", 0).admitted
    assert not limiter.admit("a", 1).admitted
    unlimited = SlidingWindowLimiter(None, 5.0)
    assert all(unlimited.admit("a", 0).admitted for _ in range(1000))


def test_max_calls_in_window_counts_half_open_windows_per_key() -> None:
    records = [
        CallRecord(0.0, "a", "profile", "POST /profiles", 200),
        CallRecord(0.5, "a", "submit", "POST /messages", 201),
        CallRecord(0.9, "a", "submit", "POST /messages", 429, 1),
        CallRecord(1.0, "a", "get", "GET /messages/{fiscal_code}/{id}", 200),
        CallRecord(0.7, "b", "submit", "POST /messages", 201),
        CallRecord(0.8, None, "submit", "POST /messages", 401),
        CallRecord(0.85, "a", "unknown", "", 404),
    ]
    assert max_calls_in_window(records, 1.0, key="a") == 3  # 0.0, 0.5, 0.9; 1.0 is out
    assert max_calls_in_window(records, 1.0, key="a", admitted_only=True) == 2
    assert max_calls_in_window(records, 1.0, admitted_only=True) == 3  # no 429, no 401
    assert max_calls_in_window(records, 1.0) == 5  # all keys, the 401 too
    assert max_calls_in_window(records, 0.05, key="a") == 1
    assert max_calls_in_window([], 1.0) == 0


RATE_LIMITED = {
    "statusCode": 429,
    "message": "Rate limit is exceeded. Try again in 5 seconds.",
}


@pytest.mark.anyio
async def test_the_budget_is_shared_by_all_operations_and_429_is_apims() -> None:
    clock = FakeClock()
    config = SandboxConfig(rate_calls=3, rate_window=5.0)
    async with sandbox_client(config, clock=clock) as (app, client):
        first = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        created = await client.post("/api/v1/messages", json=valid_body())
        third = await client.get(created.headers["location"])
        clock.advance(0.5)
        refused = await client.post("/api/v1/messages", json=valid_body())
        clock.advance(4.4)  # 4.9 s after the first call: still in its window
        still = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        clock.advance(0.1)
        again = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
    assert [r.headers["x-rate-limit-remaining"] for r in (first, created, third)] == ["2", "1", "0"]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.headers["x-rate-limit-retry-after"] == "5"  # ceil(4.5)
    assert refused.json() == RATE_LIMITED
    assert still.status_code == 429
    assert still.headers["x-rate-limit-retry-after"] == "1"
    assert again.status_code == 200
    assert len(app.ledger.entries()) == 1  # the refused submit stored nothing
    calls = app.calls.entries()
    assert [(c.status, c.retry_after) for c in calls] == [
        (200, None),
        (201, None),
        (200, None),
        (429, 5),
        (429, 1),
        (200, None),
    ]
    assert app.throttled_count() == 2
    assert app.max_calls_in_window("sandbox-key", 5.0, admitted_only=True) == 3


@pytest.mark.anyio
async def test_each_key_has_its_own_budget_and_bad_keys_use_none() -> None:
    config = SandboxConfig(keys=(KeyConfig("a"), KeyConfig("b")), rate_calls=1)
    async with sandbox_client(config, key="a") as (app, client):
        profile = {"fiscal_code": SANDBOX_CF}
        bad = await client.post(
            "/api/v1/profiles", json=profile, headers={"Ocp-Apim-Subscription-Key": "x"}
        )
        a1 = await client.post("/api/v1/profiles", json=profile)
        b1 = await client.post(
            "/api/v1/profiles", json=profile, headers={"Ocp-Apim-Subscription-Key": "b"}
        )
        a2 = await client.post("/api/v1/profiles", json=profile)
    assert [r.status_code for r in (bad, a1, b1, a2)] == [401, 200, 200, 429]
    assert app.calls.count("a") == 2 and app.calls.count("b") == 1 and app.calls.count() == 4


@pytest.mark.anyio
async def test_unlimited_has_no_rate_headers() -> None:
    async with sandbox_client(SandboxConfig(rate_calls=None)) as (_, client):
        responses = [
            await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
            for _ in range(200)
        ]
    assert {r.status_code for r in responses} == {200}
    assert "x-rate-limit-remaining" not in responses[0].headers
