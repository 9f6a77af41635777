"""The IO client over an in-process transport: paths, bodies, key, limiter, deadlines."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import httpx
import pytest

from batch.api.client import KEY_HEADER, IOClient, make_http_client
from batch.api.limiter import Limiter
from batch.api.quiet_gate import QuietGate
from batch.api.stopping import Stop
from batch.common.clock import SystemClock
from batch.config.job_sections import RateBudget, Timeouts
from batch.config.schedule import Schedule
from batch.errors import ConfigError

pytestmark = pytest.mark.anyio

KEY = "0123456789abcdef0123456789abcdef"
CF = "AAAAAA00A00A000A"
MESSAGE_ID = "01BX9NSMKVXXS5PSP2FATZMYYY"
Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]


class Recorder:
    """A MockTransport handler that records requests and answers from a script."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.times.append(time.monotonic())
        answer = self.answers.pop(0) if self.answers else httpx.Response(200, json={})
        if isinstance(answer, Exception):
            raise answer
        return answer


def client_for(
    handler: Handler,
    limiter: Limiter | None = None,
    base_url: str = "https://api.io.pagopa.it",
    timeouts: Timeouts | None = None,
) -> tuple[IOClient, httpx.AsyncClient, Limiter]:
    http = make_http_client(
        base_url, KEY, timeouts or Timeouts(), 8, transport=httpx.MockTransport(handler)
    )
    limiter = limiter or Limiter(RateBudget(calls=None))
    return IOClient(http, limiter), http, limiter


async def test_profile_posts_the_fiscal_code_with_the_key() -> None:
    recorder = Recorder(httpx.Response(200, json={"sender_allowed": True}))
    client, http, limiter = client_for(recorder)
    async with http:
        response = await client.profile(CF)
    assert response.status_code == 200
    (request,) = recorder.requests
    assert (request.method, str(request.url)) == (
        "POST",
        "https://api.io.pagopa.it/api/v1/profiles",
    )
    assert json.loads(request.content) == {"fiscal_code": CF}
    assert request.headers[KEY_HEADER] == KEY
    assert request.headers["content-type"] == "application/json"
    assert limiter.calls == 1


async def test_submit_posts_the_payload_as_given() -> None:
    payload = {
        "fiscal_code": CF,
        "content": {"subject": "Avviso di pagamento", "markdown": "è" * 80},
    }
    recorder = Recorder(httpx.Response(201, json={"id": MESSAGE_ID}))
    client, http, limiter = client_for(recorder, base_url="http://127.0.0.1:8080/prefix")
    async with http:
        response = await client.submit(payload)
    assert response.status_code == 201
    (request,) = recorder.requests
    assert str(request.url) == "http://127.0.0.1:8080/prefix/api/v1/messages"
    assert json.loads(request.content.decode("utf-8")) == payload
    assert request.headers[KEY_HEADER] == KEY
    assert limiter.calls == 1


async def test_get_message_reads_the_status_url() -> None:
    recorder = Recorder(httpx.Response(200, json={"status": "PROCESSED"}))
    client, http, limiter = client_for(recorder)
    async with http:
        await client.get_message(CF, MESSAGE_ID)
        await client.get_message(CF, "../x y")
    first, second = recorder.requests
    assert first.method == "GET"
    assert first.url.path == f"/api/v1/messages/{CF}/{MESSAGE_ID}"
    assert second.url.raw_path == f"/api/v1/messages/{CF}/..%2Fx%20y".encode()
    assert limiter.calls == 2


async def test_every_call_waits_for_its_turn() -> None:
    recorder = Recorder()
    limiter = Limiter(RateBudget(calls=5, window_seconds=0.5))
    client, http, _ = client_for(recorder, limiter)
    async with http:
        for _ in range(6):
            await client.profile(CF)
    assert limiter.calls == 6
    # The sixth call waits until the first leaves the (guarded) window.
    assert recorder.times[5] - recorder.times[0] > 0.5


@pytest.mark.parametrize(
    ("headers", "body", "pause"),
    [
        (
            {"x-rate-limit-retry-after": "3"},
            {"statusCode": 429, "message": "Rate limit is exceeded."},
            3.0,
        ),
        ({"retry-after": "2"}, {}, 2.0),
        (
            {},
            {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 4 seconds."},
            4.0,
        ),
        ({}, {}, 5.0),  # no hint at all: one window
    ],
)
async def test_a_429_pauses_the_shared_limiter(
    headers: dict[str, str], body: dict[str, object], pause: float
) -> None:
    recorder = Recorder(httpx.Response(429, json=body, headers=headers))
    limiter = Limiter(RateBudget(calls=150, window_seconds=5.0))
    client, http, _ = client_for(recorder, limiter)
    async with http:
        before = time.monotonic()
        response = await client.submit({"fiscal_code": CF})
        after = time.monotonic()
    assert response.status_code == 429
    assert limiter.throttled == 1
    assert before + pause <= limiter.paused_until <= after + pause


async def test_the_next_call_after_a_429_waits_for_the_hint() -> None:
    recorder = Recorder(
        httpx.Response(429, json={}, headers={"x-rate-limit-retry-after": "0.3"}),
        httpx.Response(200, json={"sender_allowed": True}),
    )
    client, http, _ = client_for(recorder)
    async with http:
        await client.profile(CF)
        await client.profile(CF)
    assert recorder.times[1] - recorder.times[0] >= 0.3


async def test_other_answers_do_not_pause() -> None:
    recorder = Recorder(httpx.Response(500, json={}), httpx.Response(503, json={}))
    client, http, limiter = client_for(recorder)
    async with http:
        await client.profile(CF)
        await client.profile(CF)
    assert limiter.throttled == 0
    assert limiter.paused_until == float("-inf")


async def test_transport_errors_propagate_unchanged() -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"))
    client, http, limiter = client_for(recorder)
    async with http:
        with pytest.raises(httpx.ReadTimeout, match="timed out"):
            await client.submit({"fiscal_code": CF})
    assert limiter.calls == 1


async def test_no_call_outlives_the_sum_of_its_timeouts() -> None:
    async def trickle(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200)

    timeouts = Timeouts(connect=0.05, read=0.05, write=0.05, pool=0.05)
    client, http, _ = client_for(trickle, timeouts=timeouts)
    started = time.monotonic()
    async with http:
        with pytest.raises(TimeoutError):
            await client.submit({"fiscal_code": CF})
    assert time.monotonic() - started < 1.0


def test_the_client_carries_the_timeouts_and_a_lane_per_unit_of_concurrency() -> None:
    timeouts = Timeouts(connect=1.5, read=20.0, write=7.0, pool=3.0)
    http = make_http_client("https://api.io.pagopa.it", KEY, timeouts, 24)
    assert http.timeout == httpx.Timeout(connect=1.5, read=20.0, write=7.0, pool=3.0)
    lanes = http._transport._lanes  # type: ignore[attr-defined]
    assert len(lanes) == 24
    pools = [lane._pool for lane in lanes]
    assert {(pool._max_connections, pool._max_keepalive_connections) for pool in pools} == {(1, 1)}
    assert {(pool._http1, pool._http2) for pool in pools} == {(True, False)}
    assert len({id(pool._ssl_context) for pool in pools}) == 1  # one CA bundle read
    assert not http.follow_redirects


async def test_the_key_never_shows_in_a_repr() -> None:
    recorder = Recorder()
    client, http, _ = client_for(recorder)
    async with http:
        await client.profile(CF)
    shown = " ".join(
        [repr(client), repr(http), repr(http.auth), repr(http.headers), str(http.headers)]
    )
    assert KEY not in shown
    assert KEY_HEADER.lower() not in {name.lower() for name in http.headers}


async def test_the_key_is_scrubbed_from_an_exception_text() -> None:
    recorder = Recorder(httpx.LocalProtocolError(f"Illegal header value b'{KEY}'"))
    client, http, _ = client_for(recorder)
    async with http:
        with pytest.raises(httpx.LocalProtocolError) as caught:
            await client.profile(CF)
    assert KEY not in str(caught.value)
    assert "Illegal header value b'***'" in str(caught.value)


def test_a_key_with_a_trailing_newline_is_trimmed() -> None:
    http = make_http_client("https://api.io.pagopa.it", f"  {KEY}\n", Timeouts(), 4)
    flow = http.auth.auth_flow(httpx.Request("GET", "https://x"))  # type: ignore[union-attr]
    assert next(flow).headers[KEY_HEADER] == KEY


@pytest.mark.parametrize("bad", [f"{KEY[:10]} {KEY[10:]}", f"{KEY}\x00", f"{KEY}é", f"a\nb{KEY}"])
def test_a_key_that_cannot_be_a_header_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_http_client("https://api.io.pagopa.it", bad, Timeouts(), 4)
    assert KEY not in str(caught.value) and KEY[:10] not in str(caught.value)


async def test_no_key_sends_no_header() -> None:
    recorder = Recorder(httpx.Response(401, json={"statusCode": 401, "message": "missing key"}))
    http = make_http_client(
        "https://api.io.pagopa.it", "", Timeouts(), 4, transport=httpx.MockTransport(recorder)
    )
    async with http:
        await IOClient(http, Limiter(RateBudget(calls=None))).profile(CF)
    assert KEY_HEADER not in recorder.requests[0].headers


async def test_submit_runs_before_send_after_its_limiter_turn_and_before_the_request() -> None:
    """The intent is recorded only once the call has its turn: a crash while it waits in
    the limiter must leave the row pending, not unknown."""
    events: list[str] = []

    class TracingLimiter(Limiter):
        async def acquire(self) -> None:
            events.append("turn")
            await super().acquire()

        def take_turn_now(self) -> bool:  # the unlimited fast path: a turn all the same
            taken = super().take_turn_now()
            if taken:
                events.append("turn")
            return taken

    async def handler(request: httpx.Request) -> httpx.Response:
        events.append("request")
        return httpx.Response(201, json={"id": MESSAGE_ID})

    async def before_send() -> None:
        events.append("intent")

    client, http, _ = client_for(handler, TracingLimiter(RateBudget(calls=None)))
    async with http:
        await client.submit({"fiscal_code": CF}, before_send)
        await client.submit({"fiscal_code": CF})
    assert events == ["turn", "intent", "request", "turn", "request"]


async def test_an_unlimited_call_takes_its_turn_without_a_task_switch() -> None:
    """Nothing awaits between the call and its request: no other task runs in between."""
    switched: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sender_allowed": True})

    class NoWait(Limiter):
        async def acquire(self) -> None:
            switched.append("acquire")
            await super().acquire()

    client, http, limiter = client_for(handler, NoWait(RateBudget(calls=None)))
    async with http:
        await client.profile(CF)
    assert switched == []
    assert limiter.calls == 1


async def test_a_quiet_gate_without_quiet_hours_keeps_the_unlimited_fast_path() -> None:
    """A send run always hands the client a quiet gate; when the job has no quiet hours
    (or they do not hold profile checks) the call still takes its turn at once."""
    switched: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sender_allowed": True})

    class NoWait(Limiter):
        async def acquire(self) -> None:
            switched.append("acquire")
            await super().acquire()

    limiter = NoWait(RateBudget(calls=None))
    http = make_http_client(
        "https://api.io.pagopa.it", "k", Timeouts(), 4, transport=httpx.MockTransport(handler)
    )
    stop = Stop()
    quiet = QuietGate(Schedule(), SystemClock(), stop)
    async with http:
        await IOClient(http, limiter, stop, quiet).profile(CF)
        await IOClient(http, limiter, stop, quiet).submit({"fiscal_code": CF})
    assert switched == []
    assert limiter.calls == 2


async def test_cookies_an_answer_sets_are_sent_back_and_answers_without_one_keep_them() -> None:
    recorder = Recorder(
        httpx.Response(200, json={}, headers={"set-cookie": "affinity=lane-7; Path=/"}),
        httpx.Response(200, json={}),
        httpx.Response(200, json={}),
    )
    client, http, _ = client_for(recorder)
    async with http:
        for _ in range(3):
            await client.profile(CF)
    assert [request.headers.get("cookie") for request in recorder.requests] == [
        None,
        "affinity=lane-7",
        "affinity=lane-7",
    ]
