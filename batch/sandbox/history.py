"""Who subscribed when: the sandbox's citizens over days, and the feed they make.

Every citizen of ``SandboxConfig.citizens`` has a history fixed by the seed and the code:

- a registered citizen (``population.profile_state``) joins IO, and so subscribes to the
  service, on a day J in ``[feed_start, feed_end]``; before J there is no profile (404);
- one who blocked the service leaves it on a day L >= J; on J == L the two events net to
  nothing that day, as IO's feed nets a service-level S and U (docs/io-sources.md, feed);
- a share of the others leave and come back (J < L < B), to exercise the feed's
  unsubscriptions of citizens who are subscribers today.

A citizen's state on a day is the state after its last event up to that day, and the
profile check answers that state for today. Events end on ``feed_end`` (yesterday at the
latest), so today's state is the final one: ``profile_state`` itself. The feed of a day
lists, per citizen whose state changed over that day, the digest under the new state.

Codes outside ``citizens`` have no events: those registered joined before the feed
began, so the feed never names them (a sender that keeps its list from the feed skips
them), and the profile check answers ``profile_state`` on every day.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from batch.sandbox.config import SANDBOX_FISCAL_CODE, SandboxConfig
from batch.sandbox.population import ProfileState, profile_state, unit_draw

CHURN_RATIO = 0.1  # share of allowed citizens who left the service and came back


@dataclass(frozen=True, slots=True)
class FeedDay:
    subscriptions: tuple[str, ...] = ()
    unsubscriptions: tuple[str, ...] = ()


def default_feed_end(today: date | None = None) -> date:
    """The last day with events when none is configured: yesterday (UTC)."""
    return (today or datetime.now(UTC).date()) - timedelta(days=1)


def feed_span(config: SandboxConfig, today: date | None = None) -> tuple[date, date]:
    start = date.fromisoformat(config.feed_start)
    end = date.fromisoformat(config.feed_end) if config.feed_end else default_feed_end(today)
    return start, max(start, end)


def _day_in(seed: int, what: str, code: str, first: date, last: date) -> date:
    span = (last - first).days + 1
    return first + timedelta(days=int(unit_draw(seed, what, code) * span))


def events(code: str, config: SandboxConfig, start: date, end: date) -> list[tuple[date, bool]]:
    """``(day, subscribed after it)`` in time order; empty for a code with no history."""
    final = profile_state(code, config)
    if final == "not_registered":
        return []
    seed = config.seed
    joined = start if code == SANDBOX_FISCAL_CODE else _day_in(seed, "joined", code, start, end)
    if final == "blocked":
        return [(joined, True), (_day_in(seed, "left", code, joined, end), False)]
    churns = code != SANDBOX_FISCAL_CODE and unit_draw(seed, "churn", code) < CHURN_RATIO
    if churns and (end - joined).days >= 2:
        left = _day_in(seed, "left", code, joined + timedelta(days=1), end - timedelta(days=1))
        back = _day_in(seed, "back", code, left + timedelta(days=1), end)
        return [(joined, True), (left, False), (back, True)]
    return [(joined, True)]


def _citizens(config: SandboxConfig) -> frozenset[str]:
    return frozenset((*config.citizens, SANDBOX_FISCAL_CODE))


class FeedHistory:
    """The feed of every day, computed once for the configured citizens.

    ``late_write`` adds an event to a day already past, as IO's late writes do (a
    retried write dated by its original time, the 2026 recovery backfill: docs/io-sources.md,
    "Subscriptions feed"): the feed of that day changes after it was served, and the citizen's
    profile state follows."""

    def __init__(self, config: SandboxConfig, today: date | None = None) -> None:
        self.config = config
        self.start, self.end = feed_span(config, today)
        self._citizens = set(_citizens(config))
        self._late: dict[str, list[tuple[date, bool]]] = defaultdict(list)
        self._subscribed: dict[date, set[str]] = defaultdict(set)
        self._unsubscribed: dict[date, set[str]] = defaultdict(set)
        for code in self._citizens:
            self._add(code)

    def knows(self, code: str) -> bool:
        return code in self._citizens

    def state_on(self, code: str, day: date) -> ProfileState:
        if code not in self._citizens:
            return profile_state(code, self.config)
        history = [e for e in self._events(code) if e[0] <= day]
        if not history:
            return "not_registered"  # no profile yet
        return "allowed" if history[-1][1] else "blocked"

    def day(self, day: date) -> FeedDay:
        return FeedDay(
            tuple(sorted(self._subscribed.get(day, ()))),
            tuple(sorted(self._unsubscribed.get(day, ()))),
        )

    def late_write(self, day: date, code: str, subscribed: bool) -> None:
        """``code`` (un)subscribed on ``day``, written into that day after the fact."""
        self._remove(code)
        self._citizens.add(code)
        self._late[code].append((day, subscribed))
        self._add(code)

    def _events(self, code: str) -> list[tuple[date, bool]]:
        seeded = events(code, self.config, self.start, self.end)
        return sorted([*seeded, *self._late.get(code, ())], key=lambda event: event[0])

    def _add(self, code: str) -> None:
        # Net each day: the state after its last event against the state before it.
        before = False
        last_after: dict[date, bool] = {}
        first_before: dict[date, bool] = {}
        for day, after in self._events(code):
            first_before.setdefault(day, before)
            last_after[day] = after
            before = after
        digest = _feed_digest(code)
        for day, after in last_after.items():
            if after != first_before[day]:
                (self._subscribed if after else self._unsubscribed)[day].add(digest)

    def _remove(self, code: str) -> None:
        digest = _feed_digest(code)
        for days in (self._subscribed, self._unsubscribed):
            for codes in days.values():
                codes.discard(digest)


def _feed_digest(fiscal_code: str) -> str:
    """IO's name for a citizen in the feed: ``lowercase(hex(sha256(uppercase(code))))``.

    Written here again, not imported from the client's ``rules/code_digest.py``: the
    sandbox is an independent oracle, so a wrong digest in the client fails the tests."""
    return hashlib.sha256(fiscal_code.upper().encode("utf-8")).hexdigest()
