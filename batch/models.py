"""The values that flow through the pipeline: messages, row outcomes and statuses.

Row problems are values (an ``Outcome`` with a stable reason code and a human
message), never exceptions. Only job-level problems raise (see ``errors.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The status of one input row in the results CSV (documented in the README)."""

    SENT = "sent"  # IO accepted the message (201); message_id is set
    NOT_REGISTERED = "not_registered"  # profile check 404: no IO profile or inbox disabled
    NOT_ALLOWED = "not_allowed"  # profile check 200 with sender_allowed false
    NOT_SUBSCRIBED = "not_subscribed"  # feed mode: not a subscriber per the feed; no call
    NOT_TEST_RECIPIENT = "not_test_recipient"  # 403 "Recipient forbidden": service in test mode
    INVALID = "invalid"  # the row failed validation; nothing was called
    DUPLICATE = "duplicate"  # same fiscal code and content earlier in the same file
    REACHABLE = "reachable"  # reach only: the profile check allows a message; none was sent
    EXCLUDED = "excluded"  # the citizen is in the job's exclusion list; nothing was called
    ALREADY_SENT = "already_sent"  # the same message went out in an earlier run of this job
    REJECTED = "rejected"  # IO refused the submit (400/403): fix the data or the service
    FAILED = "failed"  # gave up after retries (5xx, 429, connection errors); safe to rerun
    UNKNOWN = "unknown"  # the submit may or may not have been accepted: check before resending
    PENDING = "pending"  # not processed: the run was interrupted or stopped before this row


#: Statuses that a rerun retries by default: nothing was delivered and a resend is safe.
RETRYABLE_BY_DEFAULT = frozenset({Status.FAILED, Status.PENDING})

#: Statuses that mean the row needs an operator's attention (exit code 1).
NEEDS_ATTENTION = frozenset(
    {
        Status.INVALID,
        Status.REJECTED,
        Status.FAILED,
        Status.UNKNOWN,
        Status.NOT_TEST_RECIPIENT,
        Status.PENDING,
    }
)


@dataclass(frozen=True, slots=True)
class PaymentData:
    amount_cents: int
    notice_number: str
    invalid_after_due_date: bool = False
    payee_fiscal_code: str | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "amount": self.amount_cents,
            "notice_number": self.notice_number,
        }
        if self.invalid_after_due_date:
            payload["invalid_after_due_date"] = True
        if self.payee_fiscal_code is not None:
            payload["payee"] = {"fiscal_code": self.payee_fiscal_code}
        return payload


@dataclass(frozen=True, slots=True)
class ThirdPartyData:
    id: str
    has_attachments: bool = False
    has_remote_content: bool = False
    has_precondition: str | None = None  # ALWAYS | ONCE | NEVER
    configuration_id: str | None = None
    summary: str | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"id": self.id}
        if self.has_attachments:
            payload["has_attachments"] = True
        if self.has_remote_content:
            payload["has_remote_content"] = True
        if self.has_precondition is not None:
            payload["has_precondition"] = self.has_precondition
        if self.configuration_id is not None:
            payload["configuration_id"] = self.configuration_id
        if self.summary is not None:
            payload["summary"] = self.summary
        return payload


@dataclass(frozen=True, slots=True)
class Message:
    """A valid IO message for one citizen: everything ``POST /messages`` needs."""

    fiscal_code: str
    subject: str
    markdown: str
    feature_level_type: str = "STANDARD"
    time_to_live: int | None = None
    require_secure_channels: bool | None = None
    due_date: str | None = None  # ISO-8601 UTC with a trailing Z
    payment_data: PaymentData | None = None
    third_party_data: ThirdPartyData | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON body of ``POST /api/v1/messages`` (fiscal code in the body)."""
        content: dict[str, Any] = {"subject": self.subject, "markdown": self.markdown}
        if self.require_secure_channels is not None:
            content["require_secure_channels"] = self.require_secure_channels
        if self.due_date is not None:
            content["due_date"] = self.due_date
        if self.payment_data is not None:
            content["payment_data"] = self.payment_data.to_payload()
        if self.third_party_data is not None:
            content["third_party_data"] = self.third_party_data.to_payload()
        payload: dict[str, Any] = {
            "fiscal_code": self.fiscal_code,
            "feature_level_type": self.feature_level_type,
            "content": content,
        }
        if self.time_to_live is not None:
            payload["time_to_live"] = self.time_to_live
        return payload

    def content_hash(self) -> str:
        """A stable digest of what the citizen receives: the key of "sent twice"."""
        canonical = json.dumps(self.to_payload(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Translation:
    """A row's message in one more language (``[message.<language>]``, filled in)."""

    language: str
    subject: str
    markdown: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a row cannot become a message: which column, and a stable reason code."""

    column: str
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    """One input row after validation: either a message or the reason it is invalid.

    ``line`` is the row's line number in the source file (1 is the header), so an
    operator can find it in an editor. ``fiscal_code`` is the normalised code (or the
    raw cell when it is invalid). ``fields`` are the raw input cells, kept so the
    results CSV can carry them and be the input of a rerun. ``message`` is in the job's
    base language; ``translations`` holds it in the job's other languages, and
    ``language_hint`` the row's language column (IO's code, "" when none), for when the
    profile names no language the job has.
    """

    line: int
    fiscal_code: str
    message: Message | None
    invalid: Invalid | None = None
    fields: dict[str, str] = field(default_factory=dict)
    translations: tuple[Translation, ...] = ()
    language_hint: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The final word on one row: what the results CSV says about it."""

    status: Status
    reason_code: str = ""
    reason: str = ""
    message_id: str = ""
    http_status: int | None = None
    attempts: int = 0
    sent_at: str = ""  # ISO-8601 UTC, set when status is SENT
    language: str = ""  # the language the message was submitted in (set once one was)
