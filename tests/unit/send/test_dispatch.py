"""One row through profile check and submit, against scripted answers in process."""

from __future__ import annotations

import itertools
import random
import re
import time
from collections.abc import Callable, Sequence

import anyio
import httpx
import pytest

from batch.api.client import IOClient, make_http_client
from batch.api.limiter import Limiter
from batch.api.retry import FailureBudget
from batch.config.job_sections import RateBudget, RetryPolicy, Timeouts
from batch.errors import AbortedError, AuthError
from batch.models import Message, Outcome, Status
from batch.send.dispatch import Dispatcher

pytestmark = pytest.mark.anyio

CF = "AAAAAA00A00A000A"
API_KEY = "s3cr3t-io-key"
MESSAGE_ID = "01BX9NSMKVXXS5PSP2FATZMYYY"
MESSAGE = Message(fiscal_code=CF, subject="Avviso di pagamento", markdown="m" * 80)
ALLOWED = httpx.Response(200, json={"sender_allowed": True})
CREATED = httpx.Response(201, json={"id": MESSAGE_ID})
NO_BACKOFF = RetryPolicy(backoff_base=0.0, backoff_max=0.0)
Answer = httpx.Response | Exception | Callable[[], httpx.Response]


class FakeIO:
    """Answers each operation from its own script; records what happened, in order."""

    def __init__(
        self, profile: Sequence[Answer] | None = None, submit: Sequence[Answer] | None = None
    ) -> None:
        self.scripts = {"profile": list(profile or [ALLOWED]), "submit": list(submit or [CREATED])}
        self.events: list[str] = []
        self.times: dict[str, list[float]] = {"profile": [], "submit": []}

    def count(self, operation: str) -> int:
        return len(self.times[operation])

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        operation = "profile" if request.url.path.endswith("/profiles") else "submit"
        self.events.append(operation)
        self.times[operation].append(time.monotonic())
        script = self.scripts[operation]
        answer = script.pop(0) if len(script) > 1 else script[0]  # the last one repeats
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer()
        return answer


def dispatcher_for(
    io: FakeIO,
    policy: RetryPolicy = NO_BACKOFF,
    budget: FailureBudget | None = None,
    limiter: Limiter | None = None,
    rng: random.Random | None = None,
) -> tuple[Dispatcher, httpx.AsyncClient]:
    http = make_http_client(
        "https://api.io.pagopa.it", API_KEY, Timeouts(), 16, transport=httpx.MockTransport(io)
    )
    client = IOClient(http, limiter or Limiter(RateBudget(calls=None)))
    return Dispatcher(client, policy, rng or random.Random(7), budget), http


async def send(
    io: FakeIO, message: Message = MESSAGE, **options: object
) -> tuple[Outcome, list[str]]:
    dispatcher, http = dispatcher_for(io, **options)  # type: ignore[arg-type]

    async def before_submit() -> None:
        io.events.append("intent")

    async with http:
        outcome = await dispatcher.send(message, before_submit)
    return outcome, io.events


def error(kind: type[httpx.RequestError]) -> httpx.RequestError:
    return kind("boom", request=httpx.Request("POST", "https://api.io.pagopa.it"))


async def test_allowed_and_created_is_sent() -> None:
    outcome, events = await send(FakeIO())
    assert events == ["profile", "intent", "submit"]
    assert (outcome.status, outcome.reason_code, outcome.message_id) == (
        Status.SENT,
        "submit.accepted",
        MESSAGE_ID,
    )
    assert (outcome.http_status, outcome.attempts) == (201, 2)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", outcome.sent_at)


async def test_not_registered_makes_no_submit() -> None:
    outcome, events = await send(
        FakeIO(profile=[httpx.Response(404, json={"title": "Profile not found", "status": 404})])
    )
    assert events == ["profile"]
    assert (outcome.status, outcome.reason_code, outcome.http_status, outcome.attempts) == (
        Status.NOT_REGISTERED,
        "profile.not_found",
        404,
        1,
    )
    assert outcome.sent_at == "" and outcome.message_id == ""


async def test_sender_not_allowed_makes_no_submit() -> None:
    profile = [httpx.Response(200, json={"sender_allowed": False})]
    outcome, events = await send(FakeIO(profile=profile))
    assert events == ["profile"]
    assert (outcome.status, outcome.reason_code) == (
        Status.NOT_ALLOWED,
        "profile.sender_not_allowed",
    )


async def test_test_mode_recipient_makes_no_submit() -> None:
    profile = [httpx.Response(403, json={"title": "Recipient forbidden", "detail": "no"})]
    outcome, events = await send(FakeIO(profile=profile))
    assert events == ["profile"]
    assert outcome.status is Status.NOT_TEST_RECIPIENT


async def test_a_500_on_submit_is_retried_until_sent() -> None:
    failing = httpx.Response(500, json={"title": "Internal server error"})
    io = FakeIO(submit=[failing, failing, CREATED])
    outcome, events = await send(io)
    assert io.count("submit") == 3
    assert events == ["profile", "intent", "submit", "submit", "submit"]
    assert (outcome.status, outcome.message_id, outcome.attempts) == (Status.SENT, MESSAGE_ID, 4)


async def test_a_500_every_time_gives_up_after_max_attempts() -> None:
    io = FakeIO(submit=[httpx.Response(500, json={"title": "Internal server error"})])
    policy = RetryPolicy(max_attempts=3, backoff_base=0.0, backoff_max=0.0)
    outcome, _ = await send(io, policy=policy)
    assert io.count("submit") == 3
    assert (outcome.status, outcome.reason_code, outcome.http_status, outcome.attempts) == (
        Status.FAILED,
        "submit.server_error",
        500,
        4,
    )
    assert outcome.reason.startswith("gave up after 4 attempts: server error, not queued")


@pytest.mark.parametrize(
    ("answer", "reason_code"),
    [
        (error(httpx.ReadTimeout), "submit.timeout"),
        (error(httpx.WriteTimeout), "submit.timeout"),
        (error(httpx.RemoteProtocolError), "submit.connection_lost"),
        (error(httpx.ReadError), "submit.connection_lost"),
        (httpx.Response(502), "submit.gateway_error"),
        (httpx.Response(504), "submit.gateway_error"),
    ],
)
async def test_a_lost_submit_answer_is_unknown_after_exactly_one_submit(
    answer: Answer, reason_code: str
) -> None:
    io = FakeIO(submit=[answer, CREATED])
    outcome, events = await send(io)
    assert io.count("submit") == 1
    assert events == ["profile", "intent", "submit"]
    assert (outcome.status, outcome.reason_code, outcome.attempts) == (
        Status.UNKNOWN,
        reason_code,
        2,
    )
    assert outcome.message_id == "" and outcome.sent_at == ""


async def test_a_submit_that_never_left_is_retried() -> None:
    io = FakeIO(submit=[error(httpx.ConnectError), error(httpx.PoolTimeout), CREATED])
    outcome, events = await send(io)
    assert io.count("submit") == 3
    assert events.count("intent") == 1
    assert (outcome.status, outcome.attempts) == (Status.SENT, 4)


async def test_profile_failures_are_retried_and_every_call_counted() -> None:
    profile: list[Answer] = [
        httpx.Response(503),
        error(httpx.ReadTimeout),
        error(httpx.RemoteProtocolError),
        ALLOWED,
    ]
    io = FakeIO(profile=profile)
    outcome, events = await send(io)
    assert events == ["profile"] * 4 + ["intent", "submit"]
    assert (outcome.status, outcome.attempts) == (Status.SENT, 5)


async def test_profile_retries_run_out() -> None:
    io = FakeIO(profile=[httpx.Response(503)])
    policy = RetryPolicy(max_attempts=4, backoff_base=0.0, backoff_max=0.0)
    outcome, events = await send(io, policy=policy)
    assert events == ["profile"] * 4
    assert (outcome.status, outcome.reason_code, outcome.attempts, outcome.http_status) == (
        Status.FAILED,
        "profile.server_error",
        4,
        503,
    )


async def test_a_429_waits_for_the_hint_then_retries() -> None:
    throttled = httpx.Response(
        429,
        json={"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."},
        headers={"x-rate-limit-retry-after": "0.3"},
    )
    io = FakeIO(profile=[throttled, ALLOWED], submit=[throttled, CREATED])
    limiter = Limiter(RateBudget(calls=100, window_seconds=1.0))
    outcome, events = await send(io, limiter=limiter)
    assert events == ["profile", "profile", "intent", "submit", "submit"]
    assert io.times["profile"][1] - io.times["profile"][0] >= 0.3
    assert io.times["submit"][1] - io.times["submit"][0] >= 0.3
    assert (outcome.status, outcome.attempts) == (Status.SENT, 4)
    assert limiter.throttled == 2


async def test_a_refused_key_stops_the_job() -> None:
    refused = httpx.Response(
        401, json={"statusCode": 401, "message": "Access denied due to invalid subscription key."}
    )
    io = FakeIO(profile=[refused])
    with pytest.raises(AuthError, match="HTTP 401") as caught:
        await send(io)
    assert io.events == ["profile"]
    assert "invalid subscription key" in str(caught.value)
    assert API_KEY not in str(caught.value)


async def test_a_refused_submit_stops_the_job_after_one_try() -> None:
    io = FakeIO(submit=[httpx.Response(403, json={"title": "User has no valid scopes"})])
    with pytest.raises(AuthError, match="User has no valid scopes"):
        await send(io)
    assert io.events == ["profile", "intent", "submit"]


async def test_the_failure_budget_stops_the_job() -> None:
    io = FakeIO(profile=[httpx.Response(503)])
    policy = RetryPolicy(
        max_attempts=10, backoff_base=0.0, backoff_max=0.0, min_calls_before_abort=4
    )
    budget = FailureBudget(policy)
    with pytest.raises(AbortedError, match=r"4 of 4 calls failed .*profile\.server_error"):
        await send(io, policy=policy, budget=budget)
    assert io.count("profile") == 4
    assert (budget.calls, budget.failures) == (4, 4)


async def test_the_failure_budget_is_shared_by_rows() -> None:
    policy = RetryPolicy(backoff_base=0.0, backoff_max=0.0, min_calls_before_abort=10)
    budget = FailureBudget(policy)
    for _ in range(4):
        budget.record(failed=False)
    for _ in range(6):
        budget.record(failed=True, reason_code="net.connect")
    io = FakeIO()
    with pytest.raises(AbortedError, match="6 of 10 calls failed"):
        await send(io, policy=policy, budget=budget)
    assert io.events == []  # stopped before any call


async def test_an_unknown_submit_is_never_lost_to_an_abort() -> None:
    policy = RetryPolicy(backoff_base=0.0, backoff_max=0.0, min_calls_before_abort=2)
    budget = FailureBudget(policy)
    budget.record(failed=True, reason_code="net.connect")
    io = FakeIO(submit=[error(httpx.ReadTimeout)])
    # The profile call (ok) makes 1 of 2 failed; the lost submit makes 2 of 3: over the
    # limit, but the row still gets its outcome. The next row is stopped.
    outcome, _ = await send(io, policy=policy, budget=budget)
    assert outcome.status is Status.UNKNOWN
    assert budget.exhausted
    with pytest.raises(AbortedError):
        await send(FakeIO(), policy=policy, budget=budget)


async def test_throttling_is_not_a_failure() -> None:
    throttled = httpx.Response(429, json={}, headers={"x-rate-limit-retry-after": "0"})
    policy = RetryPolicy(max_attempts=5, backoff_base=0.0, backoff_max=0.0)
    budget = FailureBudget(policy)
    await send(FakeIO(profile=[throttled, throttled, ALLOWED]), policy=policy, budget=budget)
    assert (budget.calls, budget.failures) == (4, 0)


class RecordingRandom(random.Random):
    def __init__(self) -> None:
        super().__init__(1)
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return b  # the longest wait the jitter allows


async def test_backoff_is_full_jitter_doubling_up_to_the_cap() -> None:
    rng = RecordingRandom()
    policy = RetryPolicy(max_attempts=5, backoff_base=0.01, backoff_max=0.03)
    io = FakeIO(profile=[httpx.Response(500)] * 4 + [ALLOWED])
    outcome, _ = await send(io, policy=policy, rng=rng)
    assert rng.bounds == [(0, 0.01), (0, 0.02), (0, 0.03), (0, 0.03)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(io.times["profile"])]
    assert all(gap >= bound - 0.001 for gap, (_, bound) in zip(gaps, rng.bounds, strict=True))
    assert outcome.attempts == 6


async def test_a_row_backing_off_does_not_hold_up_the_others() -> None:
    rng = RecordingRandom()
    policy = RetryPolicy(max_attempts=2, backoff_base=0.5, backoff_max=0.5)
    slow = FakeIO(profile=[httpx.Response(503), ALLOWED])
    fast = FakeIO()
    limiter = Limiter(RateBudget(calls=20, window_seconds=1.0))
    done: dict[str, float] = {}

    async def run(name: str, io: FakeIO) -> None:
        dispatcher, http = dispatcher_for(io, policy=policy, limiter=limiter, rng=rng)

        async def before_submit() -> None:
            pass

        async with http:
            await dispatcher.send(MESSAGE, before_submit)
        done[name] = time.monotonic()

    async with anyio.create_task_group() as group:
        group.start_soon(run, "slow", slow)
        await anyio.sleep(0.01)
        group.start_soon(run, "fast", fast)
    assert done["fast"] < slow.times["profile"][1]  # finished during the other's backoff


async def test_before_submit_completes_before_the_submit_goes_out() -> None:
    io = FakeIO()
    dispatcher, http = dispatcher_for(io)

    async def slow_intent() -> None:
        await anyio.sleep(0.05)
        io.events.append("intent")

    async with http:
        outcome = await dispatcher.send(MESSAGE, slow_intent)
    assert io.events == ["profile", "intent", "submit"]
    assert outcome.status is Status.SENT


async def test_cancelled_while_the_submit_is_in_flight_propagates() -> None:
    class Hanging(FakeIO):
        async def __call__(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/messages"):
                self.events.append("submit")
                await anyio.sleep(10)
            return await super().__call__(request)

    io = Hanging()
    dispatcher, http = dispatcher_for(io)

    async def before_submit() -> None:
        io.events.append("intent")

    async with http:
        with anyio.move_on_after(0.1) as scope:
            await dispatcher.send(MESSAGE, before_submit)
    assert scope.cancelled_caught
    assert io.events == ["profile", "intent", "submit"]
