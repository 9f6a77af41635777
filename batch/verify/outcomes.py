"""Pure: which rows of a results file verify checks, and what each answer means for a row.

Nothing here does I/O: ``verify.py`` makes the calls and acts on these values. The
notes are meant for the operator; the note codes are stable, for counting.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import httpx

from batch.api.decisions import MessageMissing, Retry
from batch.api.wire import json_body
from batch.common.clock import utc_timestamp
from batch.config.job_sections import Target
from batch.errors import ConfigError
from batch.i18n import N_, _, format_number
from batch.identifiers.fiscal_code import PATTERN as FISCAL_CODE_PATTERN
from batch.identifiers.message_id import is_message_id
from batch.models import Status
from batch.output.verification import FINAL_STATUSES, IN_PROGRESS_STATUSES, Check, Verification

CHECKED_STATUSES = frozenset({Status.SENT.value, Status.ALREADY_SENT.value})
KNOWN_STATUSES = FINAL_STATUSES | IN_PROGRESS_STATUSES
_FISCAL_CODE = re.compile(FISCAL_CODE_PATTERN)

IN_PROGRESS_NOTE = N_(
    "still being processed by IO at the last check: run verify again later (--wait waits for it)"
)
STATUS_NOTES = {
    "REJECTED": N_(
        "IO rejected it: the citizen has no IO profile or does not accept messages "
        "from this service (IO does not say which)"
    ),
    "FAILED": N_("IO could not process it and gave up: the citizen did not get it"),
    "ACCEPTED": IN_PROGRESS_NOTE,
    "THROTTLED": IN_PROGRESS_NOTE,
}
#: The note code of each answer that says IO has no such message, and its note.
MISSING_CODES = {
    "get_message.not_found": "not_found",
    "get_message.forbidden": "other_service",
}
MISSING_NOTES = {
    "get_message.not_found": N_("no message with this id for this fiscal code"),
    "get_message.forbidden": N_("not sent by this service's key"),
}
# Notes whose text is the decision's reason (it says what was wrong).
REASON_NOTES = {
    "get_message.bad_request": "bad_request",
    "get_message.unexpected_status": "unexpected_status",
    "get_message.answer_mismatch": "answer_mismatch",
}
NOT_ASKED_NOTE = N_("not asked yet: the run stopped first; run verify again")


def not_asked() -> tuple[str, str]:
    """The note of a row the run stopped before asking about (in the process's language)."""
    return ("not_asked", _(NOT_ASKED_NOTE))


@dataclass
class Selection:
    """The rows of a results file that verify checks, and what it leaves out."""

    checks: list[Check] = field(default_factory=list)
    rows: int = 0
    not_checked: Counter[str] = field(default_factory=Counter)  # results status -> rows


def verify_base_url(target: Target) -> str:
    """Where the messages were sent; an embedded sandbox started now would know none."""
    if target.base_url is None:
        raise ConfigError(
            "verify needs the sandbox the messages were sent to: a sandbox started now "
            "would know none of them",
            hint="run `io-batch sandbox`, set target.base_url to its URL, and send and verify "
            "against it",
        )
    return target.base_url


def select_checks(rows: Iterable[dict[str, str]]) -> Selection:
    """``sent`` and ``already_sent`` rows (the latter carry the earlier message's id)."""
    selection = Selection()
    for row in rows:
        selection.rows += 1
        status = row.get("status", "").strip()
        if status in CHECKED_STATUSES:
            cells = (row.get(name, "").strip() for name in ("line", "fiscal_code", "message_id"))
            selection.checks.append(Check(*cells))
        else:
            selection.not_checked[status or "(empty)"] += 1
    return selection


def row_problem(check: Check) -> tuple[str, str] | None:
    """``(note_code, note)`` for a row that cannot be asked about; None if it can."""
    if not is_message_id(check.message_id):
        return ("bad_message_id", _("no valid message id in the results row"))
    if not _FISCAL_CODE.fullmatch(check.fiscal_code):
        return ("bad_fiscal_code", _("no valid fiscal code in the results row"))
    return None


def found(check: Check, status: str, response: httpx.Response, attempts: int) -> Verification:
    """Get-message 200: the status, and read/payment status where IO gives them."""
    body = json_body(response)
    extra = body if isinstance(body, dict) else {}
    note_code, note = "", _(STATUS_NOTES[status]) if status in STATUS_NOTES else ""
    if status not in KNOWN_STATUSES:
        note_code = "unknown_status"
        note = _("IO gave a status io-batch does not know: {status}").format(status=status)
    return Verification(
        check,
        message_status=status,
        read_status=_text(extra.get("read_status")),
        payment_status=_text(extra.get("payment_status")),
        checked_at=utc_timestamp(),
        attempts=attempts,
        note_code=note_code,
        note=note,
    )


def missing(check: Check, decision: MessageMissing, attempts: int) -> Verification:
    """IO answered, but with no status for this message (404, 403, 400, ...)."""
    if decision.reason_code in MISSING_NOTES:
        note_code = MISSING_CODES[decision.reason_code]
        note = _(MISSING_NOTES[decision.reason_code])
    elif decision.reason_code == "get_message.bad_request":
        note_code = "bad_request"
        note = _("IO refused the fiscal code or the id: {reason}").format(reason=decision.reason)
    elif decision.reason_code in REASON_NOTES:
        note_code, note = REASON_NOTES[decision.reason_code], decision.reason
    else:
        note_code, note = "client_error", decision.reason
    return Verification(
        check, checked_at=utc_timestamp(), attempts=attempts, note_code=note_code, note=note
    )


def gave_up(check: Check, decision: Retry, attempts: int) -> Verification:
    """Every attempt failed in a passing way: worth asking again later."""
    once = attempts <= 1
    if decision.throttled:
        note_code = "throttled"
        note = (
            _("rate limited (HTTP 429) on the one attempt: try later")
            if once
            else _("rate limited (HTTP 429) on {count} attempt(s): try later")
        )
    elif decision.http_status == 500 and "payment" in decision.reason.lower():
        note_code = "payment_status_unavailable"
        note = _("IO could not compute the payment status, try later")
    elif decision.http_status is not None and decision.http_status >= 500:
        note_code = "server_error"
        note = (
            _("IO answered HTTP {status} (server error) on the one attempt, try later")
            if once
            else _("IO answered HTTP {status} (server error) on {count} attempt(s), try later")
        )
    else:
        note_code = "bad_answer" if decision.reason_code.endswith(".bad_answer") else "no_answer"
        note = (
            _("{reason} on the one attempt, try later")
            if once
            else _("{reason} on {count} attempt(s), try later")
        )
    note = note.format(
        count=format_number(attempts), status=decision.http_status, reason=decision.reason
    )
    return Verification(
        check, checked_at=utc_timestamp(), attempts=attempts, note_code=note_code, note=note
    )


def poll_delays(rng: random.Random, first: float, cap: float) -> Iterator[float]:
    """Waits between asks of messages in processing: ``first`` doubling up to ``cap``,
    each within +-20% so that many jobs polling at once drift apart."""
    base = first
    while True:
        yield min(cap, base) * rng.uniform(0.8, 1.2)
        base *= 2


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def with_note(record: Verification, note: tuple[str, str]) -> Verification:
    return replace(record, note_code=note[0], note=note[1])
