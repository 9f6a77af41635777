"""What the limiter records for the run summary (and so the report): calls by
operation, and the 429 pauses on the wall clock, one per overload."""

from __future__ import annotations

import httpx
import pytest

from batch.api.client import IOClient, make_http_client
from batch.api.limiter import PAUSES_KEPT, Limiter
from batch.config.job_sections import RateBudget, Timeouts

pytestmark = pytest.mark.anyio

CF = "RSSMRA85T10A562S"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_429s_during_one_pause_extend_it_and_a_later_one_starts_another() -> None:
    limiter = Limiter(RateBudget(calls=10, window_seconds=1.0), clock=FakeClock())
    limiter.pause(60.0)
    limiter.pause(60.0)  # a second call of the same overload, answered within the pause
    assert len(limiter.pauses) == 1
    first = limiter.pauses[0]
    assert first.answers == 2
    assert round((first.end - first.start).total_seconds()) == 60
    first.end = first.start  # as if the pause were over: the next 429 is a new pause
    limiter.pause(2.0)
    assert [pause.answers for pause in limiter.pauses] == [2, 1]
    entry = limiter.pauses[1].to_json()
    assert set(entry) == {"start", "end", "answers"}
    assert str(entry["start"]).endswith("Z") and str(entry["end"]).endswith("Z")


def test_the_pauses_kept_are_bounded() -> None:
    limiter = Limiter(RateBudget(calls=10, window_seconds=1.0), clock=FakeClock())
    for _ in range(PAUSES_KEPT + 20):
        limiter.pause(0.0)
        limiter.pauses[-1].end = limiter.pauses[-1].start.replace(year=2000)  # over at once
    assert len(limiter.pauses) == PAUSES_KEPT
    assert limiter.throttled == PAUSES_KEPT + 20


async def test_calls_are_counted_by_operation() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/profiles"):
            return httpx.Response(200, json={"sender_allowed": True})
        if request.method == "POST":
            return httpx.Response(201, json={"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})
        return httpx.Response(429, json={"statusCode": 429, "message": "Rate limit"})

    limiter = Limiter(RateBudget(calls=None))
    async with make_http_client(
        "https://io.test", "key", Timeouts(), 4, transport=httpx.MockTransport(handler)
    ) as http:
        client = IOClient(http, limiter)
        await client.profile(CF)
        await client.profile(CF)
        await client.submit({"fiscal_code": CF})
        await client.get_message(CF, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert client.calls_by_operation == {"profile": 2, "submit": 1, "get_message": 1, "feed": 0}
    assert limiter.calls == 4
    assert limiter.throttled == 1 and len(limiter.pauses) == 1
