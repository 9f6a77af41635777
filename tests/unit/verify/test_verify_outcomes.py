"""Pure verify helpers: which rows, what each answer means, the polling schedule."""

from __future__ import annotations

import random
from collections import Counter

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.api.decisions import THROTTLED, MessageMissing, Retry
from batch.config.choices import TargetKind
from batch.config.job_sections import Target
from batch.errors import ConfigError
from batch.output.verification import Check
from batch.verify.outcomes import (
    found,
    gave_up,
    missing,
    poll_delays,
    row_problem,
    select_checks,
    verify_base_url,
)

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK = Check("7", "AAAAAA00A00A000A", "01BX9NSMKVXXS5PSP2FATZMYYY")


def test_only_sent_and_already_sent_rows_are_checked() -> None:
    rows = [
        {"line": "2", "fiscal_code": "AAAAAA00A00A000A", "status": "sent", "message_id": " 01ID "},
        {"line": "3", "fiscal_code": "B", "status": "already_sent", "message_id": "02ID"},
        {"line": "4", "fiscal_code": "C", "status": "not_registered", "message_id": ""},
        {"line": "5", "fiscal_code": "D", "status": "unknown", "message_id": ""},
        {"line": "6", "fiscal_code": "E", "status": "not_registered", "message_id": ""},
        {"line": "7", "fiscal_code": "F", "status": "", "message_id": ""},
    ]
    selection = select_checks(rows)
    assert selection.checks == [Check("2", "AAAAAA00A00A000A", "01ID"), Check("3", "B", "02ID")]
    assert selection.rows == 6
    assert selection.not_checked == Counter({"not_registered": 2, "unknown": 1, "(empty)": 1})


@given(st.text(alphabet=CROCKFORD + CROCKFORD.lower(), min_size=26, max_size=26))
def test_any_ulid_shaped_id_is_asked_about(message_id: str) -> None:
    assert row_problem(Check("2", "AAAAAA00A00A000A", message_id)) is None


@given(st.text(min_size=0, max_size=40))
def test_an_id_that_is_not_a_ulid_is_never_asked_about(message_id: str) -> None:
    is_ulid = len(message_id) == 26 and all(c in CROCKFORD + CROCKFORD.lower() for c in message_id)
    problem = row_problem(Check("2", "AAAAAA00A00A000A", message_id))
    assert (problem is None) == is_ulid
    if problem is not None:
        assert problem == ("bad_message_id", "no valid message id in the results row")


@pytest.mark.parametrize("code", ["", "aaaaaa00a00a000a", "AAAAAA00A00A000", "AAAAAA00A00A000AX"])
def test_a_bad_fiscal_code_is_never_asked_about(code: str) -> None:
    problem = row_problem(Check("2", code, CHECK.message_id))
    assert problem == ("bad_fiscal_code", "no valid fiscal code in the results row")


def test_found_keeps_read_and_payment_status_and_explains_the_status() -> None:
    body = {"status": "PROCESSED", "read_status": "READ", "payment_status": "PAID", "message": {}}
    record = found(CHECK, "PROCESSED", httpx.Response(200, json=body), attempts=3)
    assert (record.message_status, record.read_status, record.payment_status) == (
        "PROCESSED",
        "READ",
        "PAID",
    )
    assert (record.attempts, record.note_code, record.note) == (3, "", "")
    assert record.final and not record.needs_attention and not record.in_progress

    rejected = found(CHECK, "REJECTED", httpx.Response(200, json={"status": "REJECTED"}), 1)
    assert rejected.note.startswith("IO rejected it") and rejected.read_status == ""
    assert rejected.final and rejected.needs_attention
    throttled = found(CHECK, "THROTTLED", httpx.Response(200, json={"status": "THROTTLED"}), 1)
    assert throttled.in_progress and not throttled.final
    odd = found(CHECK, "LOST", httpx.Response(200, json={"status": "LOST", "read_status": 5}), 1)
    assert (odd.note_code, odd.read_status) == ("unknown_status", "")
    assert not odd.final and not odd.in_progress  # not polled, asked again by the next run


@pytest.mark.parametrize(
    ("reason_code", "note_code", "note"),
    [
        ("get_message.not_found", "not_found", "no message with this id for this fiscal code"),
        ("get_message.forbidden", "other_service", "not sent by this service's key"),
        ("get_message.bad_request", "bad_request", "IO refused the fiscal code or the id: why"),
        ("get_message.unexpected_status", "unexpected_status", "why"),
        ("net.client_error", "client_error", "why"),
    ],
)
def test_missing_answers_have_their_own_notes(reason_code: str, note_code: str, note: str) -> None:
    record = missing(CHECK, MessageMissing(reason_code, "why", 404), attempts=2)
    assert (record.message_status, record.note_code, record.note, record.attempts) == (
        "",
        note_code,
        note,
        2,
    )
    assert not record.final and not record.in_progress and record.needs_attention


@pytest.mark.parametrize(
    ("decision", "note_code", "note"),
    [
        (
            Retry(
                "get_message.server_error",
                "server error HTTP 500: Internal server error: Error retrieving Payment Status",
                500,
            ),
            "payment_status_unavailable",
            "IO could not compute the payment status, try later",
        ),
        (
            Retry("get_message.server_error", "server error HTTP 500: Query error", 500),
            "server_error",
            "IO answered HTTP 500 (server error) on 3 attempt(s), try later",
        ),
        (
            Retry(THROTTLED, "rate limit", 429, 1.0),
            "throttled",
            "rate limited (HTTP 429) on 3 attempt(s): try later",
        ),
        (
            Retry("get_message.timeout", "no answer in time (ReadTimeout)"),
            "no_answer",
            "no answer in time (ReadTimeout) on 3 attempt(s), try later",
        ),
        (
            Retry("get_message.bad_answer", "200 without a status", 200),
            "bad_answer",
            "200 without a status on 3 attempt(s), try later",
        ),
    ],
)
def test_giving_up_says_try_later(decision: Retry, note_code: str, note: str) -> None:
    record = gave_up(CHECK, decision, attempts=3)
    assert (record.note_code, record.note) == (note_code, note)
    assert record.in_progress and not record.final  # --wait asks it again


def test_polls_start_at_five_seconds_and_double_up_to_a_minute_with_jitter() -> None:
    delays = poll_delays(random.Random(3), 5.0, 60.0)
    got = [next(delays) for _ in range(8)]
    for delay, base in zip(got, [5, 10, 20, 40, 60, 60, 60, 60], strict=True):
        assert 0.8 * base <= delay <= 1.2 * base


@given(st.integers(min_value=0, max_value=2**32), st.floats(0.05, 30), st.floats(0.05, 120))
def test_every_poll_stays_within_a_fifth_of_its_doubling_base(
    seed: int, first: float, cap: float
) -> None:
    delays = poll_delays(random.Random(seed), first, cap)
    for step in range(12):
        base = min(cap, first * 2**step)
        assert 0.8 * base <= next(delays) <= 1.2 * base


def test_an_embedded_sandbox_cannot_be_verified() -> None:
    with pytest.raises(ConfigError, match="needs the sandbox the messages were sent to") as caught:
        verify_base_url(Target(TargetKind.SANDBOX))
    assert "io-batch sandbox" in caught.value.hint and "base_url" in caught.value.hint
    assert verify_base_url(Target(TargetKind.SANDBOX, "http://127.0.0.1:9")) == "http://127.0.0.1:9"
    assert (
        verify_base_url(Target(TargetKind.IO, "https://api.io.pagopa.it"))
        == "https://api.io.pagopa.it"
    )
