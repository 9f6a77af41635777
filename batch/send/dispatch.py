"""One row through the API: the profile check, then (only if allowed) the submit.

Reads are retried on any transient failure; a submit only when the answer proves that
nothing was queued (a 500, a 429, a request that never left). Every decision comes from
``classify.py``; this module adds the retry loop, full-jitter backoff (slept outside
the limiter, so a waiting row never holds up the others) and the job's failure budget.

A job-level stop (``AuthError``, ``AbortedError``) is raised only while no submit of the
row can have been accepted, so the pipeline may put the row back to pending. So is the
run's stop (``StopRequested``): it ends a backoff or a wait for the limiter at once, and
it is raised only before a request goes out, never for one on the wire.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import httpx

from batch.api.classify import (
    Abort,
    Final,
    Proceed,
    ProfileDecision,
    Retry,
    SubmitDecision,
    classify_profile,
    classify_submit,
)
from batch.api.client import IOClient
from batch.api.first_call import FirstCallGate
from batch.common.logs import get_logger
from batch.config.job import RetryPolicy
from batch.errors import AbortedError, BatchError
from batch.models import Message, Outcome, Status
from batch.send.not_registered import NotRegisteredGuard

# What a call may raise instead of answering: httpx's errors, and the client's deadline.
CALL_ERRORS = (httpx.HTTPError, httpx.InvalidURL, TimeoutError)
#: The profile's preferred languages -> (the language chosen, the message in it).
Localise = Callable[[tuple[str, ...]], tuple[str, Message]]


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


@dataclass
class _Row:
    attempts: int = 0


class Dispatcher:
    """Sends rows; one per job, shared by all workers."""

    def __init__(
        self,
        client: IOClient,
        policy: RetryPolicy,
        rng: random.Random,
        budget: FailureBudget | None = None,
        *,
        not_registered_guard: int = 0,
    ) -> None:
        self._client = client
        self._policy = policy
        self._rng = rng
        self.budget = budget if budget is not None else FailureBudget(policy)
        self._log = get_logger()
        self._first_call = FirstCallGate()
        self._guard = NotRegisteredGuard(not_registered_guard)

    async def send(
        self,
        message: Message,
        before_submit: Callable[[], Awaitable[None]],
        *,
        check_profile: bool = True,
        localise: Localise | None = None,
    ) -> Outcome:
        """The row's final outcome. ``before_submit`` (the journal's intent) completes
        before the first submit goes out (after its turn in the limiter), and is called
        only if one does. ``check_profile=False`` (feed mode: the subscriber list already
        said yes) submits at once. ``localise`` picks the message in the citizen's
        language from the profile's preferred languages (none in feed mode); the outcome
        of a submit names the language."""
        row = _Row()
        preferred: tuple[str, ...] = ()  # feed mode: no profile, so no languages
        if check_profile:
            allowed = await self._profile(message.fiscal_code, row)
            if isinstance(allowed, Outcome):
                return allowed
            preferred = allowed.preferred_languages
        language = ""
        if localise is not None:
            language, message = localise(preferred)
        payload = message.to_payload()

        async def submit(attempt: int) -> httpx.Response:
            # Only the first submit records the intent; a retry comes only after an answer
            # that says the earlier submit was not queued.
            return await self._client.submit(payload, before_submit if attempt == 1 else None)

        self.budget.check()
        outcome = await self._with_retries(submit, classify_submit, row)
        assert isinstance(outcome, Outcome)  # classify_submit never says Proceed
        return replace(outcome, language=language) if language else outcome

    async def check(self, fiscal_code: str) -> Outcome:
        """The profile check alone (``io-batch reach``): ``reachable``, or why not."""
        row = _Row()
        allowed = await self._profile(fiscal_code, row)
        if isinstance(allowed, Outcome):
            return allowed
        return Outcome(
            Status.REACHABLE,
            "profile.allowed",
            "on IO, and the service may write to this citizen",
            http_status=200,
            attempts=row.attempts,
        )

    async def _profile(self, fiscal_code: str, row: _Row) -> Proceed | Outcome:
        """The profile check's decision: ``Proceed`` (with the citizen's preferred
        languages), or the row's final outcome."""

        async def profile_call(_attempt: int) -> httpx.Response:
            return await self._client.profile(fiscal_code)

        self.budget.check()
        self._guard.check()
        allowed = await self._with_retries(profile_call, classify_profile, row)
        self._guard.record(allowed)
        return allowed

    async def _with_retries(
        self,
        call: Callable[[int], Awaitable[httpx.Response]],
        classify: Callable[[httpx.Response | Exception], ProfileDecision | SubmitDecision],
        row: _Row,
    ) -> Proceed | Outcome:
        """Make ``call`` until its answer is final, retrying what ``classify`` says is
        safe to retry, with backoff, up to the policy's attempts."""
        for attempt in range(1, self._policy.max_attempts + 1):
            if attempt > 1:
                self.budget.check()
            row.attempts += 1

            async def call_and_classify(
                attempt: int = attempt,
            ) -> ProfileDecision | SubmitDecision:
                try:
                    result: httpx.Response | Exception = await call(attempt)
                except CALL_ERRORS as exc:
                    result = exc
                return classify(result)

            decision = await self._first_call.through(call_and_classify, stop_error)
            self._record(decision)
            match decision:
                case Proceed():
                    return decision
                case Final():
                    return _outcome(decision, row)
                case Abort():
                    raise decision.error
                case Retry():
                    if attempt == self._policy.max_attempts:
                        return _gave_up(decision, row)
                    await self._back_off(decision, attempt)
        raise AssertionError("unreachable: the loop returns on its last attempt")

    def _record(self, decision: Proceed | Final | Retry | Abort) -> None:
        match decision:
            case Retry(throttled=False):
                self.budget.record(failed=True, reason_code=decision.reason_code)
            case Final(status=Status.FAILED | Status.UNKNOWN):
                self.budget.record(failed=True, reason_code=decision.reason_code)
            case _:
                self.budget.record(failed=False)

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
        await self._client.stop.sleep(delay)


def stop_error(decision: object) -> BatchError | None:
    """The job-level error a decision means, if any (for the first-call gate)."""
    return decision.error if isinstance(decision, Abort) else None


def _outcome(decision: Final, row: _Row) -> Outcome:
    return Outcome(
        status=decision.status,
        reason_code=decision.reason_code,
        reason=decision.reason,
        message_id=decision.message_id,
        http_status=decision.http_status,
        attempts=row.attempts,
        sent_at=utc_timestamp() if decision.status is Status.SENT else "",
    )


def _gave_up(decision: Retry, row: _Row) -> Outcome:
    return Outcome(
        status=Status.FAILED,
        reason_code=decision.reason_code,
        reason=f"gave up after {row.attempts} attempts: {decision.reason}",
        http_status=decision.http_status,
        attempts=row.attempts,
    )


def utc_timestamp(now: datetime | None = None) -> str:
    """``YYYY-MM-DDTHH:MM:SS.sssZ`` in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
