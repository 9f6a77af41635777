"""The IO backend behind the gateway: profile check, submit, get-message, feed.

Each handler checks what the real handler checks, in the same order (docs/io-sources.md,
"Endpoints"): scopes, body, source IP, recipient, payment amount, then the work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from batch.sandbox import responses as r
from batch.sandbox.config import KeyConfig, SandboxConfig
from batch.sandbox.faults import ERROR, FaultInjector, FaultPlan
from batch.sandbox.feed_answer import feed_answer
from batch.sandbox.history import FeedHistory
from batch.sandbox.ledger import Ledger, LedgerEntry, payload_hash
from batch.sandbox.messages import (
    ACCEPTED,
    PROCESSED,
    MessageStore,
    StoredMessage,
    final_status,
    message_view,
)
from batch.sandbox.population import preferred_languages
from batch.sandbox.quirks import SPEC_PROFILE_EXAMPLE
from batch.sandbox.spec import decode_fiscal_code_payload, decode_new_message, fiscal_code_problem
from batch.sandbox.ulid import UlidGenerator

# What a fault that hits a stored submit tells the ledger the client got.
_LEDGER_OUTCOME = {None: "created", ERROR: "error", "timeout": "timeout", "dropped": "dropped"}
_NOT_JSON = object()


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or a marker the validators reject (JavaScript's JSON has no NaN)."""

    def reject_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        return json.loads(raw, parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _problems_detail(problems: list[str]) -> str:
    return "; ".join(problems)


def utc_today() -> date:
    return datetime.now(UTC).date()


def _iso_now() -> str:
    # IO's own clock, not io-batch's: the sandbox imports nothing of the client it tests
    # (an independent oracle), so this stays its own copy of common.clock's format.
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Backend:
    def __init__(
        self,
        config: SandboxConfig,
        ledger: Ledger,
        faults: FaultInjector,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = utc_today,
    ) -> None:
        self.config = config
        self.today = today
        self.history = FeedHistory(config, today())
        self.ledger = ledger
        self.faults = faults
        self.store = MessageStore(config)
        self.new_id = UlidGenerator()
        self._clock = clock

    def profile(self, key: KeyConfig, path_fiscal_code: str | None, raw: bytes) -> r.Response:
        if not key.profile_scope:
            return r.no_valid_scopes()
        if path_fiscal_code is None:
            body = parse_json(raw)
            decoded, problems = decode_fiscal_code_payload(None if body is _NOT_JSON else body)
            if decoded is None:
                detail = "body: is not a JSON object" if body is _NOT_JSON else ""
                return r.problem(
                    400, "Invalid FiscalCodePayload", detail or _problems_detail(problems)
                )
            fiscal_code: str = decoded["fiscal_code"]
        else:
            problem = fiscal_code_problem(path_fiscal_code)
            if problem is not None:
                return r.problem(400, "Invalid FiscalCode", problem)
            fiscal_code = path_fiscal_code
        if not key.ip_allowed:
            return r.not_allowed_here()
        if key.test_mode and fiscal_code not in key.authorized_recipients:
            return r.recipient_forbidden()
        state = self.history.state_on(fiscal_code, self.today())
        if state == "not_registered":
            return r.problem(
                404, "Profile not found", "The profile you requested was not found in the system."
            )
        if self.config.profile_answer == "spec_example":
            return r.json_response(200, SPEC_PROFILE_EXAMPLE)
        payload: dict[str, Any] = {"sender_allowed": state == "allowed"}
        languages = preferred_languages(fiscal_code, self.config)
        if languages:  # optional in LimitedProfile: a profile without one leaves it out
            payload["preferred_languages"] = list(languages)
        return r.json_response(200, payload)

    def submit(
        self,
        key: KeyConfig,
        path_fiscal_code: str | None,
        raw: bytes,
        plan: FaultPlan,
        arrival: float,
    ) -> r.Response:
        body = parse_json(raw)
        if body is _NOT_JSON:
            return r.problem(400, "Invalid message structure", "body: is not valid JSON")
        message, problems = decode_new_message(body)
        if message is None:
            return r.problem(400, "Invalid message structure", _problems_detail(problems))
        if path_fiscal_code is not None:
            problem = fiscal_code_problem(path_fiscal_code)
            if problem is not None:
                return r.problem(400, "Invalid FiscalCode", problem)
        if not key.ip_allowed:
            return r.not_allowed_here()
        body_fiscal_code: str | None = message.get("fiscal_code")
        if (path_fiscal_code is None) == (body_fiscal_code is None):
            detail = (
                "fiscal_code: give the fiscal code either in the path or in the body, not in both"
                if body_fiscal_code is not None
                else "fiscal_code: a fiscal code must be specified, in the path or in the body"
            )
            return r.problem(400, "Bad parameters", detail)
        fiscal_code = path_fiscal_code or body_fiscal_code
        assert fiscal_code is not None
        if key.test_mode and fiscal_code not in key.authorized_recipients:
            return r.recipient_forbidden()
        payment = message["content"].get("payment_data")
        limit = self.config.max_allowed_payment_amount
        if payment is not None and payment["amount"] > limit:
            return r.problem(
                400,
                "Error while sending payment metadata",
                f"content.payment_data.amount: {payment['amount']} is more than the service's "
                f"max_allowed_payment_amount ({limit})",
            )
        # A new id for every request, as the real handler makes (no idempotency).
        message_id = self.new_id()
        if plan.stored:
            self._store(
                key, fiscal_code, message_id, body=body, message=message, plan=plan, arrival=arrival
            )
        location = f"/api/v1/messages/{fiscal_code}/{message_id}".encode()
        return r.json_response(201, {"id": message_id}, ((b"location", location),))

    def _store(
        self,
        key: KeyConfig,
        fiscal_code: str,
        message_id: str,
        *,
        body: Any,
        message: dict[str, Any],
        plan: FaultPlan,
        arrival: float,
    ) -> None:
        created_at = _iso_now()
        service_id = key.effective_service_id
        # A 500 after the record was made leaves it ACCEPTED forever, never processed.
        status = (
            ACCEPTED if plan.kind == ERROR else final_status(message_id, fiscal_code, self.config)
        )
        self.store.add(
            StoredMessage(
                id=message_id,
                fiscal_code=fiscal_code,
                service_id=service_id,
                created_at=created_at,
                t=arrival,
                time_to_live=message["time_to_live"],
                feature_level_type=message["feature_level_type"],
                content_json=json.dumps(message["content"], ensure_ascii=False),
                has_payment_data="payment_data" in message["content"],
                final_status=status,
            )
        )
        self.ledger.add(
            LedgerEntry(
                message_id=message_id,
                fiscal_code=fiscal_code,
                payload_hash=payload_hash(body),
                created_at=created_at,
                t=arrival,
                service_id=service_id,
                outcome=_LEDGER_OUTCOME[plan.kind],
                subject=message["content"]["subject"],
                markdown=message["content"]["markdown"],
            )
        )

    def feed(self, key: KeyConfig, day_text: str) -> r.Response:
        """``GET /subscriptions-feed/{date}`` (docs/io-sources.md, feed: the checks' order)."""
        if not key.feed_scope:
            # A user with other groups is "not allowed here"; one with none has no scopes.
            return r.not_allowed_here() if key.profile_scope else r.no_valid_scopes()
        return feed_answer(self.history, day_text, key.ip_allowed, self.today())

    def get_message(self, key: KeyConfig, fiscal_code: str, message_id: str) -> r.Response:
        problem = fiscal_code_problem(fiscal_code)
        if problem is not None:
            return r.problem(400, "Invalid FiscalCode", problem)
        if not key.ip_allowed:
            return r.not_allowed_here()
        message = self.store.find(fiscal_code, message_id)
        if message is None:
            return r.problem(
                404,
                "Message not found",
                "The message that you requested was not found in the system.",
            )
        if message.service_id != key.effective_service_id:
            return r.not_allowed_here("You can only read messages that you have sent")
        status = self.store.status(message, self._clock())
        payment_status = None
        if (
            status == PROCESSED
            and message.feature_level_type == "ADVANCED"
            and message.has_payment_data
        ):
            # Asked live of pagoPA; any failure there fails the whole GET.
            if self.faults.payment_status_fails():
                return r.internal_error("Error retrieving Payment Status", fault="payment_status")
            payment_status = "NOT_PAID"
        view = message_view(message, status, key.organization_fiscal_code, payment_status)
        return r.json_response(200, view)
