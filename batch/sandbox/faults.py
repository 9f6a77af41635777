"""Faults on demand: latency, 500s, read timeouts and dropped connections.

Each call that passes the gateway draws its fate from one seeded random stream,
so a run with the same seed and the same call order sees the same faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from batch.sandbox.config import Faults

ERROR, TIMEOUT, DROPPED = "error", "timeout", "dropped"


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What happens to one call."""

    delay: float  # seconds before the backend answers
    kind: str | None  # None, ERROR, TIMEOUT or DROPPED
    stored: bool  # submit only: the message is stored before the fault (True when no fault)


class FaultInjector:
    def __init__(self, faults: Faults, seed: int) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self.faults = faults

    def plan(self, operation: str) -> FaultPlan:
        faults = self.faults.for_operation(operation)
        delay = faults.latency_ms / 1000
        if faults.jitter_ms:
            delay += self._random.uniform(0, faults.jitter_ms) / 1000
        draw = self._random.random()
        if draw < faults.error_ratio:
            return FaultPlan(delay, ERROR, faults.error_stored)
        draw -= faults.error_ratio
        if draw < faults.timeout_ratio:
            return FaultPlan(delay, TIMEOUT, faults.timeout_stored)
        draw -= faults.timeout_ratio
        if draw < faults.drop_ratio:
            return FaultPlan(delay, DROPPED, faults.drop_stored)
        return FaultPlan(delay, None, True)

    def payment_status_fails(self) -> bool:
        return self._random.random() < self.faults.payment_status_error_ratio

    def reset(self, faults: Faults) -> None:
        self._random = random.Random(self._seed)
        self.faults = faults
