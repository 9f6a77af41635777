"""The safety net behind the wrong-URL check: a run whose first N profile checks all
say "no IO profile" stops (exit 2) instead of reporting N citizens as not on IO.

A 404 in IO's own shape can still come from the wrong place (another environment, a
mock, a proxy that rewrites errors), and an operator who reads "exit 0, everybody
not_registered" believes the campaign went out. In a real population most citizens
are on IO, so the first N answers all being 404 is a configuration problem far more
often than a fact. ``[target] not_registered_guard`` sets N (default 100); 0 turns
the guard off, for a population that really is not on IO. The guard watches only the
start of a run: the first answer of any other kind disarms it.
"""

from __future__ import annotations

from batch.api.decisions import Proceed
from batch.errors import ConfigError
from batch.models import Outcome, Status


class NotRegisteredGuard:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._count = 0
        self._armed = limit > 0

    def record(self, decision: Proceed | Outcome) -> None:
        """Count a row's profile check outcome."""
        if not self._armed:
            return
        if isinstance(decision, Outcome) and decision.reason_code == "profile.not_found":
            self._count += 1
        elif not (isinstance(decision, Outcome) and decision.status is Status.FAILED):
            self._armed = False  # a real answer of another kind: the URL leads to IO

    def check(self) -> None:
        """Raise ``ConfigError`` once the first ``limit`` checks all answered 404."""
        if self._armed and self._count >= self._limit:
            raise ConfigError(
                f"stopped: the first {self._count} profile checks all answered 404 (no IO "
                "profile): a wrong base URL or environment is far likelier than a population "
                "nobody of which is on IO",
                hint="check target.base_url and the key's environment; if these citizens "
                "really are not on IO, set [target] not_registered_guard = 0 and run again "
                "(it resumes)",
            )
