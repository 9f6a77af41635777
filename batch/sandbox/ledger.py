"""What the sandbox saw: every stored message (the ledger) and every call (the call log).

Tests read them to prove "nothing sent twice", "nothing sent but not recorded",
"never more than L calls in any window" and "no call inside a retry hint". Times
are ``time.monotonic()`` at the request's arrival, the same clock in every process
of the machine, so a test can compare them with its own readings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

import httpx


def payload_hash(body: Any) -> str:
    """sha256 of the canonical JSON of a request body: equals models.Message.content_hash()."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One message the API stored: it exists, whatever the client was told."""

    message_id: str
    fiscal_code: str
    payload_hash: str  # of the body exactly as sent (before defaults and stripping)
    created_at: str  # ISO-8601 UTC, as get-message shows it
    t: float  # monotonic arrival time of the submit
    service_id: str
    # What the client got: "created" (201), "error" (500 after the record was made: the
    # message stays ACCEPTED and is never delivered), "timeout" (the answer came too late
    # for the client), "dropped" (the connection was closed with no answer).
    outcome: str
    # What the citizen reads (test-only, like the whole ledger): which language went out.
    subject: str = ""
    markdown: str = ""

    @property
    def delivered(self) -> bool:
        """Whether the citizen gets this message (a 500'd record never leaves ACCEPTED)."""
        return self.outcome != "error"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "delivered": self.delivered}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerEntry:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request to the API, whatever became of it."""

    t: float  # monotonic arrival time
    key: str | None  # the configured key it used; None when missing or not a valid key
    operation: str  # "profile", "submit", "get", "feed", or "unknown" for a path the API lacks
    route: str  # e.g. "POST /messages", "GET /profiles/{fiscal_code}" (no personal data)
    status: int | None  # None: no answer (dropped, or held by a timeout fault)
    retry_after: int | None = None  # the 429's x-rate-limit-retry-after
    fault: str | None = None  # "error", "timeout", "dropped", "payment_status" when injected

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CallRecord:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


class Ledger:
    """Every message the sandbox stored, in order (appended from the server's thread)."""

    def __init__(self) -> None:
        self._entries: list[LedgerEntry] = []

    def add(self, entry: LedgerEntry) -> None:
        self._entries.append(entry)

    def entries(self) -> list[LedgerEntry]:
        return list(self._entries)  # a copy: safe to read while the server appends

    def count(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


class CallLog:
    """Every call the sandbox received, in the order their answers were decided."""

    def __init__(self) -> None:
        self._records: list[CallRecord] = []

    def add(self, record: CallRecord) -> None:
        self._records.append(record)

    def entries(self) -> list[CallRecord]:
        return list(self._records)

    def count(self, key: str | None = None) -> int:
        """Calls of ``key`` (every call if None)."""
        return sum(1 for record in self._records if key is None or record.key == key)

    def clear(self) -> None:
        self._records.clear()


def max_calls_in_window(
    calls: Iterable[CallRecord],
    window: float,
    *,
    key: str | None = None,
    admitted_only: bool = False,
) -> int:
    """The most calls (of ``key``, if given) that arrived within any ``window`` seconds.

    A window is half-open, like the gateway's: calls at ``t`` and ``t + window`` are
    in different windows. ``admitted_only`` leaves out the calls the gateway refused
    (429, and 401 for a bad key).
    """
    times = sorted(
        call.t
        for call in calls
        if (key is None or call.key == key)
        and call.operation != "unknown"
        and not (admitted_only and call.status in (401, 429))
    )
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def fetch_ledger(base_url: str) -> list[LedgerEntry]:
    """The ledger of a sandbox running at ``base_url`` (e.g. in another process)."""
    response = httpx.get(f"{base_url}/__sandbox/ledger", timeout=10)
    response.raise_for_status()
    return [LedgerEntry.from_json(item) for item in response.json()["entries"]]


def fetch_calls(base_url: str) -> list[CallRecord]:
    """The call log of a sandbox running at ``base_url``."""
    response = httpx.get(f"{base_url}/__sandbox/calls", timeout=10)
    response.raise_for_status()
    return [CallRecord.from_json(item) for item in response.json()["calls"]]
