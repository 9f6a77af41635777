"""The API gateway (Azure APIM) in front of IO: subscription keys and the rate limit.

The limit is a sliding window per key over all operations together: a call at
time ``t`` is admitted when fewer than ``calls`` admitted calls arrived in
``(t - window, t]``. Rejected calls (429) are *not* counted, as APIM does not
count them: a client that keeps knocking does not push its own window further
away. So in any ``window`` seconds a key gets at most ``calls`` non-429 answers.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

from batch.sandbox.config import KeyConfig, SandboxConfig

SUBSCRIPTION_KEY_HEADER = "ocp-apim-subscription-key"
MISSING_KEY_MESSAGE = (
    "Access denied due to missing subscription key. "
    "Make sure to include subscription key when making requests to an API."
)
INVALID_KEY_MESSAGE = (
    "Access denied due to invalid subscription key. "
    "Make sure to provide a valid key for an active subscription."
)


def rate_limit_message(retry_after: int) -> str:
    """Azure's default 429 message."""
    return f"Rate limit is exceeded. Try again in {retry_after} seconds."


@dataclass(frozen=True, slots=True)
class Admission:
    admitted: bool
    retry_after: int | None = None  # whole seconds until the window admits a call again
    remaining: int | None = None  # calls left in the window after this one (None: unlimited)


class SlidingWindowLimiter:
    """At most ``calls`` admissions per key in any ``window`` seconds; None: no limit."""

    def __init__(self, calls: int | None, window: float) -> None:
        self.calls = calls
        self.window = window
        self._admitted: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # reset() may come from another thread

    def admit(self, key: str, now: float) -> Admission:
        """Admit a call of ``key`` at ``now``, which must not go back in time."""
        if self.calls is None:
            return Admission(admitted=True)
        with self._lock:
            times = self._admitted.setdefault(key, deque())
            horizon = now - self.window
            while times and times[0] <= horizon:
                times.popleft()
            if len(times) < self.calls:
                times.append(now)
                return Admission(admitted=True, remaining=self.calls - len(times))
            # The window admits again when its oldest call leaves it. Round up: a hint
            # that is too short would send the client straight into another 429.
            wait = times[0] + self.window - now
            return Admission(admitted=False, retry_after=max(1, math.ceil(wait)), remaining=0)

    def reset(self) -> None:
        with self._lock:
            self._admitted.clear()


@dataclass(frozen=True, slots=True)
class KeyProblem:
    message: str  # APIM's 401 message


class Gateway:
    """Authenticates a call by its key, then admits it or not under the rate limit."""

    def __init__(self, config: SandboxConfig) -> None:
        self._keys = {key.key: key for key in config.keys}
        self.limiter = SlidingWindowLimiter(config.rate_calls, config.rate_window)

    def authenticate(self, presented: str | None) -> KeyConfig | KeyProblem:
        if not presented:
            return KeyProblem(MISSING_KEY_MESSAGE)
        key = self._keys.get(presented)
        return key if key is not None else KeyProblem(INVALID_KEY_MESSAGE)

    def admit(self, key: KeyConfig, now: float) -> Admission:
        return self.limiter.admit(key.key, now)

    def reset(self) -> None:
        self.limiter.reset()
