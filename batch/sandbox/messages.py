"""Stored messages and their asynchronous life: ACCEPTED, then PROCESSED / REJECTED / FAILED.

The final status is fixed when the message is stored (from the population and the
seed) and shown once ``processing_delay`` has passed, which is what get-message
would show of IO's own processing (docs/io-sources.md, "Endpoints").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from batch.sandbox.config import SandboxConfig
from batch.sandbox.population import profile_state, unit_draw

ACCEPTED, PROCESSED, REJECTED, FAILED = "ACCEPTED", "PROCESSED", "REJECTED", "FAILED"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: str
    fiscal_code: str
    service_id: str
    created_at: str  # ISO-8601 UTC with milliseconds and Z
    t: float  # monotonic time of the submit
    time_to_live: int
    feature_level_type: str
    content_json: str  # the decoded content, kept as text to keep a big ledger small
    has_payment_data: bool
    final_status: str  # what processing ends in; ACCEPTED for a record left by a 500

    def content(self) -> dict[str, Any]:
        content: dict[str, Any] = json.loads(self.content_json)
        return content


def final_status(message_id: str, fiscal_code: str, config: SandboxConfig) -> str:
    """What processing makes of a message: REJECTED for citizens who cannot receive it."""
    if profile_state(fiscal_code, config) != "allowed":
        return REJECTED  # USER_NOT_FOUND or SERVICE_NOT_ALLOWED; the API does not say which
    if unit_draw(config.seed, "failed", message_id) < config.failed_ratio:
        return FAILED
    return PROCESSED


class MessageStore:
    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._messages: dict[str, StoredMessage] = {}

    def add(self, message: StoredMessage) -> None:
        self._messages[message.id] = message

    def find(self, fiscal_code: str, message_id: str) -> StoredMessage | None:
        """The message with that id *and* recipient: a wrong fiscal code is not found."""
        message = self._messages.get(message_id)
        return message if message is not None and message.fiscal_code == fiscal_code else None

    def status(self, message: StoredMessage, now: float) -> str:
        if now - message.t < self._config.processing_delay:
            return ACCEPTED
        return message.final_status

    def clear(self) -> None:
        self._messages.clear()


def message_view(
    message: StoredMessage,
    status: str,
    organization_fiscal_code: str,
    payment_status: str | None,
) -> dict[str, Any]:
    """The get-message body (ExternalMessageResponseWithContent, as the code returns it)."""
    view: dict[str, Any] = {
        "id": message.id,
        "fiscal_code": message.fiscal_code,
        "created_at": message.created_at,
        "sender_service_id": message.service_id,
        "time_to_live": message.time_to_live,
        "feature_level_type": message.feature_level_type,
    }
    body: dict[str, Any] = {"message": view, "status": status}
    if status != PROCESSED:
        return body  # content is stored only by successful processing
    content = message.content()
    payment = content.get("payment_data")
    if payment is not None and "payee" not in payment:
        # Processing fills in the service's organization as the payee.
        payment["payee"] = {"fiscal_code": organization_fiscal_code}
    view["content"] = content
    if message.feature_level_type == "ADVANCED":
        body["read_status"] = "UNREAD"
        if payment_status is not None:
            body["payment_status"] = payment_status
    return body
