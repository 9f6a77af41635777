"""One API call made until its answer is final: the one retry loop of send and verify.

Each attempt goes through the first-call gate (``first_call.py``: the run's first call
goes alone), and is classified by the caller's ``classify`` function; the loop retries
only what that decision says is safe to retry (``Retry``), up to the attempts allowed,
with full-jitter backoff in between. The backoff is slept outside the limiter (a row
that waits never holds up the others) and under the run's ``Stop``: a stop ends it at
once with ``StopRequested``, before another request goes out. An ``Abort`` decision
raises its job-level error; the job's ``FailureBudget`` is checked before every attempt.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

import httpx

from batch.api.decisions import Abort, Final, Result, Retry
from batch.api.first_call import FirstCallGate
from batch.api.stopping import Stop
from batch.common.logs import get_logger
from batch.config.job_sections import RetryPolicy
from batch.errors import AbortedError, BatchError
from batch.models import Status

# What a call may raise instead of answering: httpx's errors, and the client's deadline.
CALL_ERRORS = (httpx.HTTPError, httpx.InvalidURL, TimeoutError)

Decision = TypeVar("Decision")
#: One attempt's call, given the attempt's number (1 for the first).
Call = Callable[[int], Awaitable[httpx.Response]]


class FailureBudget:
    """Counts the job's calls and failed calls; once enough calls were made, a failure
    share above the limit stops the job rather than burning the rate budget.

    A failed call is one with no usable answer: 5xx, timeouts, dropped connections,
    unknown submits. A 429 is not one: the limiter deals with throttling.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self.calls = 0
        self.failures = 0
        self._max_ratio = policy.max_failure_ratio
        self._min_calls = policy.min_calls_before_abort
        self._last_failure = ""

    def record(self, *, failed: bool, reason_code: str = "") -> None:
        self.calls += 1
        if failed:
            self.failures += 1
            self._last_failure = reason_code

    def record_decision(self, decision: object) -> None:
        """Count one classified answer: a retryable failure that is not a 429, or a final
        ``failed`` / ``unknown`` outcome, is a failed call."""
        match decision:
            case Retry(throttled=False) | Final(status=Status.FAILED | Status.UNKNOWN):
                self.record(failed=True, reason_code=decision.reason_code)
            case _:
                self.record(failed=False)

    @property
    def exhausted(self) -> bool:
        return self.calls >= self._min_calls and self.failures > self._max_ratio * self.calls

    def check(self) -> None:
        """Raise ``AbortedError`` if the budget is spent: called before each call."""
        if self.exhausted:
            share = self.failures / self.calls
            raise AbortedError(
                f"stopped: {self.failures} of {self.calls} calls failed ({share:.0%}, more "
                f"than {self._max_ratio:.0%}); last failure: {self._last_failure}",
                hint="the API or the network is failing: check them, then run again to resume",
            )


@dataclass(frozen=True, slots=True)
class Answer(Generic[Decision]):
    """How a call ended: its last decision (a ``Retry`` only once the attempts ran out),
    the response (or the exception) that decision was made from, and the calls made."""

    decision: Decision
    result: Result
    attempts: int


class Retrier:
    """Makes calls until their answers are final; one per run, shared by all workers (so
    that the first-call gate and the failure budget are the run's)."""

    def __init__(
        self,
        policy: RetryPolicy,
        rng: random.Random,
        stop: Stop,
        budget: FailureBudget | None = None,
    ) -> None:
        self._policy = policy
        self._rng = rng
        self._stop = stop
        self.budget = budget if budget is not None else FailureBudget(policy)
        self._first_call = FirstCallGate()
        self._log = get_logger()

    async def call(
        self,
        call: Call,
        classify: Callable[[Result], Decision],
        *,
        tries: int | None = None,
    ) -> Answer[Decision]:
        """Make ``call`` until ``classify`` says its answer is final, at most ``tries``
        times (default: the policy's attempts). Raises an ``Abort``'s error, the budget's
        ``AbortedError`` and the stop's ``StopRequested``."""
        tries = self._policy.max_attempts if tries is None else tries
        for attempt in range(1, tries + 1):
            self.budget.check()
            result, decision = await self._first_call.through(
                partial(_attempt, call, classify, attempt), _stops_job
            )
            self.budget.record_decision(decision)
            if isinstance(decision, Abort):
                raise decision.error
            if not isinstance(decision, Retry) or attempt == tries:
                return Answer(decision, result, attempt)
            await self._back_off(decision, attempt)
        raise AssertionError("unreachable: the loop returns on its last attempt")

    async def _back_off(self, decision: Retry, attempt: int) -> None:
        """Full jitter: a random wait up to base * 2^(attempt-1), capped. A 429 waits
        for nothing here: the limiter holds every call until the hint expires."""
        if decision.throttled:
            return
        cap = min(self._policy.backoff_max, self._policy.backoff_base * 2 ** (attempt - 1))
        delay = self._rng.uniform(0, cap)
        self._log.debug(
            "call.retry", reason_code=decision.reason_code, attempt=attempt, delay_s=delay
        )
        await self._stop.sleep(delay)


async def _attempt(
    call: Call, classify: Callable[[Result], Decision], attempt: int
) -> tuple[Result, Decision]:
    """One call and what its answer (or the exception instead of one) means."""
    try:
        result: Result = await call(attempt)
    except CALL_ERRORS as exc:
        result = exc
    return result, classify(result)


def _stops_job(answer: tuple[Result, object]) -> BatchError | None:
    """The job-level error an answer means, if any (for the first-call gate)."""
    decision = answer[1]
    return decision.error if isinstance(decision, Abort) else None
