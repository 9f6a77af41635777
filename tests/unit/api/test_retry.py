"""The one retry loop of send and verify, on scripted answers: no HTTP, no sandbox."""

from __future__ import annotations

import random
import time

import anyio
import httpx
import pytest

from batch.api.decisions import Abort, Final, MessageFound, Result, Retry
from batch.api.retry import Retrier
from batch.api.stopping import Stop, StopRequested
from batch.config.job_sections import RetryPolicy
from batch.errors import AuthError
from batch.models import Status

pytestmark = pytest.mark.anyio

POLICY = RetryPolicy(max_attempts=4, backoff_base=0.0, backoff_max=0.0)
FAILED = Retry("net.connect", "no connection")
THROTTLED = Retry("http.429", "too many requests")


class Script:
    """Calls answered in order; each answer is classified as the next decision."""

    def __init__(self, *decisions: object) -> None:
        self.decisions = list(decisions)
        self.calls: list[int] = []

    async def call(self, attempt: int) -> httpx.Response:
        self.calls.append(attempt)
        return httpx.Response(200)

    def classify(self, _result: Result) -> object:
        return self.decisions.pop(0)


async def test_retries_until_an_answer_is_final_and_counts_the_attempts() -> None:
    found = MessageFound("PROCESSED")
    script = Script(FAILED, THROTTLED, found)
    retrier = Retrier(POLICY, random.Random(1), Stop())
    answer = await retrier.call(script.call, script.classify)
    assert (answer.decision, answer.attempts, script.calls) == (found, 3, [1, 2, 3])
    assert isinstance(answer.result, httpx.Response)
    # The failed call counts against the job's budget; the 429 does not.
    assert (retrier.budget.calls, retrier.budget.failures) == (3, 1)


async def test_the_last_retry_is_the_answer_once_the_tries_run_out() -> None:
    script = Script(FAILED, FAILED)
    answer = await Retrier(POLICY, random.Random(1), Stop()).call(
        script.call, script.classify, tries=2
    )
    assert (answer.decision, answer.attempts, script.calls) == (FAILED, 2, [1, 2])


async def test_an_unknown_submit_counts_as_a_failed_call() -> None:
    unknown = Final(Status.UNKNOWN, "net.read_timeout", "lost")
    retrier = Retrier(POLICY, random.Random(1), Stop())
    await retrier.call(Script(unknown).call, Script(unknown).classify)
    assert (retrier.budget.calls, retrier.budget.failures) == (1, 1)


async def test_an_abort_raises_its_error_without_another_call() -> None:
    script = Script(Abort("http.401", "key refused"))
    with pytest.raises(AuthError, match="key refused"):
        await Retrier(POLICY, random.Random(1), Stop()).call(script.call, script.classify)
    assert script.calls == [1]


class LongestWait(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b  # the full 30 s the jitter allows


async def test_a_stop_ends_the_backoff_at_once_and_no_call_follows() -> None:
    stop = Stop()
    slow = RetryPolicy(max_attempts=3, backoff_base=30.0, backoff_max=30.0)
    script = Script(FAILED, MessageFound("PROCESSED"))
    retrier = Retrier(slow, LongestWait(), stop)
    ended: list[str] = []

    async def call() -> None:
        try:
            await retrier.call(script.call, script.classify)
        except StopRequested as stopped:
            ended.append(str(stopped))

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(call)
        await anyio.sleep(0.05)  # the call failed; its backoff (up to 30 s) is going on
        stop.request("stopped by SIGTERM")
    assert time.monotonic() - started < 1
    assert (ended, script.calls) == (["stopped by SIGTERM"], [1])
