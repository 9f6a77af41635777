"""One row through the API: the profile check, then (only if allowed) the submit.

Reads are retried on any transient failure; a submit only when the answer proves that
nothing was queued (a 500, a 429, a request that never left). Every decision comes from
``classify.py``, the retry loop, its backoff and the job's failure budget from
``api/retry.py``; this module chains the two operations and turns decisions into outcomes.

A job-level stop (``AuthError``, ``AbortedError``) is raised only while no submit of the
row can have been accepted, so the pipeline may put the row back to pending. So is the
run's stop (``StopRequested``): it ends a backoff or a wait for the limiter at once, and
it is raised only before a request goes out, never for one on the wire.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx

from batch.api.classify import classify_profile, classify_submit
from batch.api.client import IOClient
from batch.api.decisions import Abort, Final, Proceed, ProfileDecision, Retry
from batch.api.retry import FailureBudget, Retrier
from batch.common.clock import utc_timestamp
from batch.config.job_sections import RetryPolicy
from batch.i18n import N_, _
from batch.models import Message, Outcome, Status
from batch.send.not_registered import NotRegisteredGuard

#: The reason of a ``reachable`` row (``io-batch reach``).
REACHABLE_REASON = N_("on IO, and the service may write to this citizen")

#: The profile's preferred languages -> (the language chosen, the message in it).
Localise = Callable[[tuple[str, ...]], tuple[str, Message]]


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
        self._retrier = Retrier(policy, rng, client.stop, budget)
        self.budget = self._retrier.budget
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
        preferred: tuple[str, ...] = ()  # feed mode: no profile, so no languages
        profile_attempts = 0
        if check_profile:
            allowed, profile_attempts = await self._profile(message.fiscal_code)
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

        submitted = await self._retrier.call(submit, classify_submit)
        outcome = _outcome(submitted.decision, profile_attempts + submitted.attempts)
        assert isinstance(outcome, Outcome)  # classify_submit never says Proceed
        return replace(outcome, language=language) if language else outcome

    async def check(self, fiscal_code: str) -> Outcome:
        """The profile check alone (``io-batch reach``): ``reachable``, or why not."""
        allowed, attempts = await self._profile(fiscal_code)
        if isinstance(allowed, Outcome):
            return allowed
        return Outcome(
            Status.REACHABLE,
            "profile.allowed",
            _(REACHABLE_REASON),
            http_status=200,
            attempts=attempts,
        )

    async def _profile(self, fiscal_code: str) -> tuple[Proceed | Outcome, int]:
        """The profile check through the one retry loop: ``Proceed`` (with the citizen's
        preferred languages) or the row's final outcome, and the attempts it took."""

        async def profile_call(_attempt: int) -> httpx.Response:
            return await self._client.profile(fiscal_code)

        self.budget.check()  # before the guard: a spent budget is the first news
        self._guard.check()
        profile = await self._retrier.call(profile_call, classify_profile)
        allowed = _outcome(profile.decision, profile.attempts)
        self._guard.record(allowed)
        return allowed, profile.attempts


def _outcome(decision: ProfileDecision, attempts: int) -> Proceed | Outcome:
    """What a settled call means for the row."""
    match decision:
        case Proceed():
            return decision
        case Final():
            return Outcome(
                status=decision.status,
                reason_code=decision.reason_code,
                reason=decision.reason,
                message_id=decision.message_id,
                http_status=decision.http_status,
                attempts=attempts,
                sent_at=utc_timestamp() if decision.status is Status.SENT else "",
            )
        case Retry():
            return Outcome(
                status=Status.FAILED,
                reason_code=decision.reason_code,
                reason=_("gave up after {attempts} attempts: {reason}").format(
                    attempts=attempts, reason=decision.reason
                ),
                http_status=decision.http_status,
                attempts=attempts,
            )
        case Abort():  # the retrier raises it: never an answer
            raise decision.error
