"""The request bodies of the IO services API, as the server decodes them.

Written from the published spec's definitions (``api_services.bundled.yaml``:
NewMessage, MessageContent, PaymentData, ThirdPartyData, FiscalCodePayload...)
plus the rules the server adds on top (docs/io-sources.md, validation): the anchored,
upper-case fiscal code regex on every fiscal code, UTF-16 lengths, the Timestamp
regexes, ULIDs. tests/unit/sandbox/test_sandbox_spec.py cross-checks these constants
against the spec file itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from batch.sandbox.schema import Boolean, Enum, Integer, Member, Object, Text, validate
from batch.sandbox.ulid import ULID_PATTERN

FISCAL_CODE_PATTERN = re.compile(
    r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$"
)
ORGANIZATION_FISCAL_CODE_PATTERN = re.compile(r"^[0-9]{11}$")
NOTICE_NUMBER_PATTERN = re.compile(r"^[0123][0-9]{17}$")
# io-ts-commons dates.ts: UTC "Z" (or no zone at all), or an explicit offset.
TIMESTAMP_PATTERNS = (
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z)?$", re.ASCII),
    re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d{2}:\d{2}$", re.ASCII),
)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SUBJECT_LENGTH = (10, 120)
MARKDOWN_LENGTH = (80, 10_000)
TIME_TO_LIVE = (3600, 604_800)
DEFAULT_TIME_TO_LIVE = 3600
PAYMENT_AMOUNT = (1, 9_999_999_999)
FEATURE_LEVEL_TYPES = ("STANDARD", "ADVANCED")
HAS_PRECONDITION = ("ALWAYS", "ONCE", "NEVER")


def _timestamp_problem(value: str) -> str | None:
    if not any(pattern.match(value) for pattern in TIMESTAMP_PATTERNS):
        return "is not an ISO-8601 timestamp (e.g. 2018-10-13T00:00:00.000Z)"
    try:
        _parse_timestamp(value)
    except ValueError:
        return "is not a real date and time"
    return None


def _parse_timestamp(value: str) -> datetime:
    date, time_part = value[:10], value[11:19]
    parsed = datetime.fromisoformat(f"{date}T{time_part}").replace(tzinfo=UTC)
    offset = value[19:].lstrip(".0123456789")
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("offset out of range")
        parsed -= sign * timedelta(hours=hours, minutes=minutes)
    return parsed


FiscalCode = Text(pattern=FISCAL_CODE_PATTERN, what="a fiscal code (16 characters, upper case)")
OrganizationFiscalCode = Text(
    pattern=ORGANIZATION_FISCAL_CODE_PATTERN, what="an organization fiscal code (11 digits)"
)
Timestamp = Text(rule=_timestamp_problem, what="a timestamp")
NonEmpty = Text(min_length=1)
Ulid = Text(pattern=ULID_PATTERN, what="a ULID")

Payee = Object("Payee", {"fiscal_code": Member(OrganizationFiscalCode, required=True)})

PaymentData = Object(
    "PaymentData",
    {
        "amount": Member(Integer(*PAYMENT_AMOUNT), required=True),
        "notice_number": Member(
            Text(pattern=NOTICE_NUMBER_PATTERN, what="a notice number (18 digits)"),
            required=True,
        ),
        "invalid_after_due_date": Member(Boolean(), default=False),
        "payee": Member(Payee),
    },
)

ThirdPartyData = Object(
    "ThirdPartyData",
    {
        "id": Member(NonEmpty, required=True),
        "original_sender": Member(NonEmpty),
        "original_receipt_date": Member(Timestamp),
        "has_attachments": Member(Boolean(), default=False),
        "has_remote_content": Member(Boolean(), default=False),
        "has_precondition": Member(Enum(HAS_PRECONDITION)),
        "summary": Member(NonEmpty),
        "configuration_id": Member(Ulid),
    },
)

PrescriptionData = Object(
    "PrescriptionData",
    {
        "nre": Member(Text(min_length=15, max_length=15), required=True),
        "iup": Member(Text(min_length=1, max_length=16)),
        "prescriber_fiscal_code": Member(FiscalCode),
    },
)

LegalData = Object(
    "LegalData",
    {
        "sender_mail_from": Member(NonEmpty, required=True),
        # Required in the spec, but with a default: io-ts withDefault fills it in when missing.
        "has_attachment": Member(Boolean(), default=False),
        "message_unique_id": Member(NonEmpty, required=True),
        "original_message_url": Member(NonEmpty),
        "pec_server_service_id": Member(NonEmpty),  # a ServiceId
    },
)

EUCovidCert = Object("EUCovidCert", {"auth_code": Member(Text(), required=True)})

MessageContent = Object(
    "MessageContent",
    {
        "subject": Member(Text(*SUBJECT_LENGTH), required=True),
        "markdown": Member(Text(*MARKDOWN_LENGTH), required=True),
        "require_secure_channels": Member(Boolean()),
        "payment_data": Member(PaymentData),
        "prescription_data": Member(PrescriptionData),
        "legal_data": Member(LegalData),
        "eu_covid_cert": Member(EUCovidCert),
        "third_party_data": Member(ThirdPartyData),
        "due_date": Member(Timestamp),
    },
)

NewMessageDefaultAddresses = Object(
    "NewMessageDefaultAddresses",
    {"email": Member(Text(pattern=EMAIL_PATTERN, what="an e-mail address"))},
)

NewMessage = Object(
    "NewMessage",
    {
        "time_to_live": Member(Integer(*TIME_TO_LIVE), default=DEFAULT_TIME_TO_LIVE),
        "content": Member(MessageContent, required=True),
        "default_addresses": Member(NewMessageDefaultAddresses),
        "fiscal_code": Member(FiscalCode),
        "feature_level_type": Member(Enum(FEATURE_LEVEL_TYPES), default="STANDARD"),
    },
)

FiscalCodePayload = Object("FiscalCodePayload", {"fiscal_code": Member(FiscalCode, required=True)})


def decode_new_message(body: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The message with defaults applied and unknown members dropped, or the problems."""
    decoded, problems = validate(NewMessage, body)
    return decoded, problems


def decode_fiscal_code_payload(body: Any) -> tuple[dict[str, Any] | None, list[str]]:
    decoded, problems = validate(FiscalCodePayload, body)
    return decoded, problems


def fiscal_code_problem(value: str, where: str = "fiscal_code") -> str | None:
    """Why a path's fiscal code is invalid, or None."""
    problems: list[str] = []
    FiscalCode.check(value, where, problems)
    return problems[0] if problems else None
