"""What a sandbox simulates: its keys, rate budget, population, processing and faults.

Every value has a default that makes a plain ``SandboxConfig()`` behave like a
production service with bulk sending enabled, at the gateway's default budget.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from batch.sandbox.quirks import (
    CREATED_IDS,
    FORBIDDEN_ANSWERS,
    MESSAGE_ANSWERS,
    PROFILE_ANSWERS,
    UNROUTED_ANSWERS,
    check_choice,
)

DEFAULT_API_KEY = "sandbox-key"  # a normal (not test-mode) key: what the demo uses
SANDBOX_FISCAL_CODE = "AAAAAA00A00A000A"  # IO's own test citizen: always reachable
MAX_PAYMENT_AMOUNT = 9_999_999_999  # euro cents: the spec's PaymentAmount maximum
OPERATIONS = ("profile", "submit", "get", "feed")
FEED_FIRST_DAY = "2020-03-24"  # the day IO's docs say to read the feed from


@dataclass(frozen=True, slots=True)
class KeyConfig:
    """One subscription key and what its APIM user may do."""

    key: str
    # Test ("limited") mode: only ``authorized_recipients`` may be checked or messaged;
    # any other fiscal code gets 403 "Recipient forbidden", as for a new IO account.
    test_mode: bool = False
    authorized_recipients: frozenset[str] = frozenset({SANDBOX_FISCAL_CODE})
    # Without the group ApiLimitedProfileRead the profile check is 403 "User has no valid scopes".
    profile_scope: bool = True
    # False: the caller's IP is outside the service's authorized CIDRs: every backend
    # operation is 403 "You are not allowed here" (after the gateway has counted the call).
    ip_allowed: bool = True
    # The service behind the key; keys of one service (primary/secondary) share messages.
    service_id: str | None = None
    organization_fiscal_code: str = "01234567890"  # filled in as payee when a message omits it
    # The APIM group ApiSubscriptionsFeedRead: without it the feed is 403.
    feed_scope: bool = True

    @property
    def effective_service_id(self) -> str:
        if self.service_id is not None:
            return self.service_id
        # Derived from the key so that it is stable, without ever showing the key itself.
        return "SBX" + hashlib.sha256(self.key.encode()).hexdigest()[:23].upper()


@dataclass(frozen=True, slots=True)
class OperationFaults:
    """Faults injected into one operation (profile, submit or get), after the gateway."""

    latency_ms: float = 0.0  # fixed delay before the backend answers
    jitter_ms: float = 0.0  # plus a uniform random delay in [0, jitter_ms)
    error_ratio: float = 0.0  # share of calls answered 500
    timeout_ratio: float = 0.0  # share of calls held past any client timeout (hang_seconds)
    drop_ratio: float = 0.0  # share of calls whose connection is closed with no response
    # For submit: whether a message hit by each fault was stored (and counts as sent)
    # before the fault. A 500 normally means "not queued"; a lost response usually
    # means the message went out, which is the case that tests duplicate prevention.
    error_stored: bool = False
    timeout_stored: bool = True
    drop_stored: bool = True

    def __post_init__(self) -> None:
        for name in ("latency_ms", "jitter_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        ratios = (self.error_ratio, self.timeout_ratio, self.drop_ratio)
        if any(not 0.0 <= ratio <= 1.0 for ratio in ratios) or sum(ratios) > 1.0 + 1e-9:
            raise ValueError("fault ratios must be in [0, 1] and add up to at most 1")


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults for every operation; can be replaced while the sandbox runs."""

    profile: OperationFaults = OperationFaults()
    submit: OperationFaults = OperationFaults()
    get: OperationFaults = OperationFaults()
    feed: OperationFaults = OperationFaults()
    # Share of get-message calls whose live payment-status lookup fails: the whole GET is 500.
    payment_status_error_ratio: float = 0.0
    hang_seconds: float = 60.0  # how long a timeout fault holds the request before answering

    def __post_init__(self) -> None:
        if not 0.0 <= self.payment_status_error_ratio <= 1.0:
            raise ValueError("payment_status_error_ratio must be in [0, 1]")
        if self.hang_seconds <= 0:
            raise ValueError("hang_seconds must be > 0")

    def for_operation(self, operation: str) -> OperationFaults:
        faults: OperationFaults = getattr(self, operation)
        return faults

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Faults:
        """Faults from their JSON form; a missing member keeps its default."""
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name in OPERATIONS:
                values[name] = _operation_faults(name, value)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            else:
                values[name] = float(value)
        return cls(**values)


def _operation_faults(name: str, data: Any) -> OperationFaults:
    if not isinstance(data, dict):
        raise ValueError(f"{name} faults must be a JSON object")
    types = {f.name: f.type for f in fields(OperationFaults)}
    for member, value in data.items():
        if member not in types:
            raise ValueError(f"unknown {name} fault setting: {member}")
        wants_bool = types[member] == "bool"
        if wants_bool != isinstance(value, bool) or not isinstance(value, bool | int | float):
            raise ValueError(f"{name}.{member} must be a {'boolean' if wants_bool else 'number'}")
    return OperationFaults(**data)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Everything that makes one sandbox behave as it does."""

    keys: tuple[KeyConfig, ...] = (KeyConfig(DEFAULT_API_KEY),)
    # The gateway's sliding window: at most rate_calls calls per rate_window seconds per
    # key, all operations together. None: unlimited (the ApiNoRateLimit group).
    rate_calls: int | None = 150
    rate_window: float = 5.0
    # The population: a pure function of (seed, fiscal code); see population.profile_state.
    seed: int = 0
    registered_ratio: float = 0.9  # share of fiscal codes with an IO profile
    blocked_ratio: float = 0.05  # share of registered citizens who blocked the service
    # The citizens the subscriptions feed knows (history.py): each joined IO on a day from
    # feed_start to feed_end (None: the day before the sandbox started) and may have left
    # the service since. Codes not listed joined before the feed began: no feed rows.
    citizens: tuple[str, ...] = ()
    feed_start: str = FEED_FIRST_DAY
    feed_end: str | None = None
    # Messages leave ACCEPTED this many seconds after the 201; failed_ratio of those that
    # would be PROCESSED end FAILED instead.
    processing_delay: float = 1.0
    failed_ratio: float = 0.0
    max_allowed_payment_amount: int = MAX_PAYMENT_AMOUNT  # real services default to 0
    faults: Faults = field(default_factory=Faults)
    # Misconfiguration switches (quirks.py), off by default. How a path with no API
    # operation (a wrong base URL) is answered: APIM's JSON 404, an HTML page, no body.
    unrouted_answer: str = "gateway"
    # "spec_example": profile 200s carry the spec's stale example, with no sender_allowed.
    profile_answer: str = "limited_profile"
    # "empty" / "unknown": every API call past the gateway is a 403 that is not IO's.
    forbid_all: str | None = None
    # "other_id" / "other_fiscal_code": get-message 200s are about another message.
    message_answer: str = "own"
    # "uuid": created messages get a UUID instead of IO's ULID (body and Location).
    created_ids: str = "ulid"

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("the sandbox needs at least one key")
        if len({k.key for k in self.keys}) != len(self.keys):
            raise ValueError("keys must be distinct")
        if self.rate_calls is not None and self.rate_calls < 1:
            raise ValueError("rate_calls must be >= 1 (or None for unlimited)")
        if self.rate_window <= 0:
            raise ValueError("rate_window must be > 0")
        for name in ("registered_ratio", "blocked_ratio", "failed_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]")
        if self.processing_delay < 0:
            raise ValueError("processing_delay must be >= 0")
        if not 0 <= self.max_allowed_payment_amount <= MAX_PAYMENT_AMOUNT:
            raise ValueError(f"max_allowed_payment_amount must be in [0, {MAX_PAYMENT_AMOUNT}]")
        _check_day("feed_start", self.feed_start)
        if self.feed_end is not None:
            _check_day("feed_end", self.feed_end)
            if self.feed_end < self.feed_start:
                raise ValueError("feed_end must not be before feed_start")
        check_choice("unrouted_answer", self.unrouted_answer, UNROUTED_ANSWERS)
        check_choice("profile_answer", self.profile_answer, PROFILE_ANSWERS)
        check_choice("forbid_all", self.forbid_all, FORBIDDEN_ANSWERS)
        check_choice("message_answer", self.message_answer, MESSAGE_ANSWERS)
        check_choice("created_ids", self.created_ids, CREATED_IDS)


def _check_day(name: str, value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD: {value!r}") from None
