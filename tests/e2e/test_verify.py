"""``io-batch verify`` as a subprocess against the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import (
    DEFAULT_API_KEY,
    CallRecord,
    Faults,
    KeyConfig,
    SandboxConfig,
    max_calls_in_window,
    new_ulid,
    profile_state,
)
from batch.sandbox.messages import final_status
from tests.helpers.e2e import REPO, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

RESULT_HEADER = [
    "line",
    "fiscal_code",
    "status",
    "reason_code",
    "reason",
    "message_id",
    "http_status",
    "attempts",
    "sent_at",
    "run_id",
    "nome",
]
SECONDARY_KEY = "secondary-key"  # the same service's other key: it sees the same messages
# Calls already on their way when a 429 is answered may arrive just after it.
IN_FLIGHT_GRACE = 0.25


def codes(count: int, seed: int, config: SandboxConfig | None = None, state: str = "") -> list[str]:
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        code = generate(rng)
        if code not in found and (
            not state or profile_state(code, config or SandboxConfig()) == state
        ):
            found.append(code)
    return found


def submit(
    client: httpx.Client,
    code: str,
    *,
    key: str = DEFAULT_API_KEY,
    advanced: bool = False,
    payment: bool = False,
) -> str:
    content: dict[str, Any] = {"subject": "Avviso di prova", "markdown": "m" * 80}
    if payment:
        content["payment_data"] = {"amount": 1200, "notice_number": "012345678901234567"}
    body = {
        "fiscal_code": code,
        "content": content,
        "feature_level_type": "ADVANCED" if advanced else "STANDARD",
    }
    response = client.post(
        "/api/v1/messages", json=body, headers={"Ocp-Apim-Subscription-Key": key}
    )
    assert response.status_code == 201, response.text
    message_id: str = response.json()["id"]
    return message_id


def results_rows(rows: list[tuple[int, str, str, str]]) -> list[list[str]]:
    return [
        [str(line), code, status, "", "", mid, "", "1", "", "r1", "Ada"]
        for line, code, status, mid in rows
    ]


def verify_args(results: Path, job: Path, *flags: str) -> list[str]:
    return ["verify", str(results), "--job", str(job), *flags]


def summary_event(ran: Any) -> dict[str, Any]:
    event: dict[str, Any] = next(e for e in ran.json_lines() if e.get("event") == "verify.summary")
    return event


def gets(calls: list[CallRecord], since: float = 0.0) -> list[CallRecord]:
    return [call for call in calls if call.operation == "get" and call.t >= since]


def test_send_then_verify_wait_matches_the_sandbox_then_nothing_is_left_to_ask(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    delay = 3.0
    config = SandboxConfig(
        rate_calls=30,
        rate_window=1.0,
        registered_ratio=0.7,
        blocked_ratio=0.2,
        failed_ratio=0.3,
        processing_delay=delay,
    )
    sandbox = sandbox_factory(config)
    # 60 people: ~25 sent, so a FAILED one among them is all but certain (ids are ULIDs)
    people = codes(60, seed=21)
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome"],
        [[c, f"P{i}"] for i, c in enumerate(people)],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=30, window=1.0)
    sent_run = run_io_batch(["send", str(job)])
    assert sent_run.code == 0, sent_run.stderr
    results = tmp_path / "results.csv"
    sent = {row["line"]: row for row in read_rows(results) if row["status"] == "sent"}
    assert len(sent) > 10
    expected = {
        line: final_status(row["message_id"], row["fiscal_code"], config)
        for line, row in sent.items()
    }
    assert {"PROCESSED", "FAILED"} <= set(expected.values())

    started = time.monotonic()
    waited = run_io_batch(verify_args(results, job, "--wait", "--deadline", "60"))

    assert waited.code == 1, waited.stderr  # the FAILED ones need attention
    verification = tmp_path / "results.verify.csv"
    rows = {row["line"]: row for row in read_rows(verification)}
    assert {line: row["message_status"] for line, row in rows.items()} == expected
    assert all(rows[line]["message_id"] == sent[line]["message_id"] for line in rows)
    assert all(row["checked_at"].endswith("Z") and row["note_code"] == "" for row in rows.values())
    waited_gets = gets(sandbox.app.calls.entries(), since=started)
    assert all(call.status == 200 for call in waited_gets)
    assert max_calls_in_window(waited_gets, 1.0) <= 30
    # A message still younger than the delay when the first pass ended was surely ACCEPTED
    # then, so it must have been asked again (how many there are depends on the machine).
    first_pass_end = waited_gets[len(sent) - 1].t
    young = sum(1 for e in sandbox.app.ledger.entries() if e.t + delay > first_pass_end)
    assert len(waited_gets) >= len(sent) + young
    assert sum(int(row["attempts"]) for row in rows.values()) == len(waited_gets)
    summary = json.loads((tmp_path / "results.verify.summary.json").read_text(encoding="utf-8"))
    assert summary["message_status"] == {
        s: list(expected.values()).count(s) for s in sorted(set(expected.values()))
    }
    assert summary["still_in_progress"] == 0
    assert [entry["line"] for entry in summary["attention"]] == sorted(
        int(line) for line, status in expected.items() if status != "PROCESSED"
    )
    states = [profile_state(code, config) for code in people]
    assert summary["not_checked"] == {
        "not_allowed": states.count("blocked"),
        "not_registered": states.count("not_registered"),
    }

    before = len(gets(sandbox.app.calls.entries()))
    again = run_io_batch(verify_args(results, job))
    assert again.code == 1
    assert len(gets(sandbox.app.calls.entries())) == before  # every message final: none asked
    assert summary_event(again)["carried_over"] == len(sent)
    assert {row["line"]: row["message_status"] for row in read_rows(verification)} == expected


def test_a_deadline_leaves_rows_in_progress_and_the_next_run_asks_them_again(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    config = SandboxConfig(rate_calls=None, registered_ratio=1.0, processing_delay=120.0)
    sandbox = sandbox_factory(config)
    people = codes(5, seed=41)
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        ids = [submit(client, code) for code in people]
    rows = [
        (i + 2, code, "sent", mid) for i, (code, mid) in enumerate(zip(people, ids, strict=True))
    ]
    results = write_csv(tmp_path / "results.csv", RESULT_HEADER, results_rows(rows))
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)

    early = run_io_batch(verify_args(results, job, "--wait", "--deadline", "1"))

    assert early.code == 1, early.stderr
    verification = tmp_path / "results.verify.csv"
    first = read_rows(verification)
    assert {row["message_status"] for row in first} == {"ACCEPTED"} and len(first) == 5
    event = summary_event(early)
    assert event["still_in_progress"] == 5 and event["attention_count"] == 5
    assert event["elapsed_s"] >= 1.0 and event["waited"] and event["deadline_s"] == 1.0
    assert [entry["message_status"] for entry in event["attention"]] == ["ACCEPTED"] * 5
    asked = len(gets(sandbox.app.calls.entries()))
    assert asked >= 10  # the first pass, then at least the round at the deadline
    assert sum(int(row["attempts"]) for row in first) == asked

    again = run_io_batch(verify_args(results, job))

    assert again.code == 1
    assert len(gets(sandbox.app.calls.entries())) == asked + 5  # not final: asked again
    second = read_rows(verification)
    assert [int(row["attempts"]) for row in second] == [int(row["attempts"]) + 1 for row in first]


def test_crafted_results_give_clear_outcomes_and_one_verify_stays_in_budget(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    config = SandboxConfig(
        keys=(KeyConfig(DEFAULT_API_KEY), KeyConfig("other-service-key")),
        rate_calls=20,
        rate_window=1.0,
        registered_ratio=0.5,
        blocked_ratio=0.3,
        processing_delay=0.2,
        faults=Faults(payment_status_error_ratio=1.0),
    )
    sandbox = sandbox_factory(config)
    url = sandbox.base_url
    blocked = codes(1, 3, config, "blocked")[0]
    absent = codes(1, 3, config, "not_registered")[0]
    allowed = codes(68, 3, config, "allowed")
    with httpx.Client(base_url=url, timeout=10) as client:
        # IO rejects the first two: the profile check, which would have said so, was skipped.
        rows = [
            (2, blocked, "sent", submit(client, blocked)),
            (3, absent, "already_sent", submit(client, absent)),
            (4, allowed[0], "sent", submit(client, allowed[0])),
            (5, allowed[1], "sent", submit(client, allowed[1], advanced=True)),
            (6, allowed[2], "sent", submit(client, allowed[2], advanced=True, payment=True)),
            (7, allowed[3], "sent", submit(client, allowed[3], key="other-service-key")),
            (8, allowed[4], "sent", new_ulid()),
            (9, allowed[5], "sent", "not-a-message-id"),
            (10, allowed[6], "sent", ""),
            (11, allowed[7], "not_registered", ""),
        ]
    rows += [(12 + i, code, "sent", new_ulid()) for i, code in enumerate(allowed[8:68])]
    results = write_csv(tmp_path / "results.csv", RESULT_HEADER, results_rows(rows))
    job = write_job(tmp_path, base_url=url, calls=20, window=1.0)
    time.sleep(1.0)  # the submits above must not share a window with verify's calls
    started = time.monotonic()

    ran = run_io_batch(verify_args(results, job, "--output", str(tmp_path / "check.csv")))

    assert ran.code == 1, ran.stderr
    got = {row["line"]: row for row in read_rows(tmp_path / "check.csv")}
    assert "11" not in got and len(got) == len(rows) - 1
    view = {
        line: (
            got[line]["message_status"],
            got[line]["read_status"],
            got[line]["payment_status"],
            got[line]["note_code"],
        )
        for line in map(str, range(2, 11))
    }
    assert view == {
        "2": ("REJECTED", "", "", ""),
        "3": ("REJECTED", "", "", ""),
        "4": ("PROCESSED", "", "", ""),
        "5": ("PROCESSED", "UNREAD", "", ""),
        "6": ("", "", "", "payment_status_unavailable"),
        "7": ("", "", "", "other_service"),
        "8": ("", "", "", "not_found"),
        "9": ("", "", "", "bad_message_id"),
        "10": ("", "", "", "bad_message_id"),
    }
    assert got["6"]["note"] == "IO could not compute the payment status, try later"
    assert got["6"]["attempts"] == "5"  # the job's retry.max_attempts
    assert got["7"]["note"] == "not sent by this service's key"
    assert got["8"]["note"] == "no message with this id for this fiscal code"
    assert got["9"]["note"] == got["10"]["note"] == "no valid message id in the results row"
    assert (got["9"]["attempts"], got["10"]["attempts"]) == ("0", "0")

    summary = json.loads((tmp_path / "check.summary.json").read_text(encoding="utf-8"))
    event = summary_event(ran)
    assert {key: event[key] for key in summary} == summary  # the log event says the same
    assert summary["message_status"] == {"PROCESSED": 2, "REJECTED": 2, "none": 65}
    assert summary["notes"] == {
        "bad_message_id": 2,
        "not_found": 61,
        "other_service": 1,
        "payment_status_unavailable": 1,
    }
    assert summary["not_checked"] == {"not_registered": 1}
    assert summary["attention_count"] == 67 and len(summary["attention"]) == 67
    assert summary["exit_code"] == 1

    # The one verify alone: paced within the budget, never throttled.
    verify_calls = gets(sandbox.app.calls.entries(), since=started)
    assert len(verify_calls) == 4 + 5 + 1 + 61 == summary["calls"]  # payment: 5 attempts
    assert max_calls_in_window(verify_calls, 1.0) <= 20
    assert sandbox.app.throttled_count() == 0
    assert verify_calls[-1].t - verify_calls[0].t >= (len(verify_calls) - 20) / 20 * 0.95
    for code in (blocked, absent, *allowed):
        assert code not in ran.stdout + ran.stderr  # fiscal codes only masked in the logs


def test_send_and_verify_sharing_a_key_back_off_and_both_finish(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    service = "SERVICE-SHARED"
    config = SandboxConfig(
        keys=(
            KeyConfig(DEFAULT_API_KEY, service_id=service),
            KeyConfig(SECONDARY_KEY, service_id=service),
        ),
        rate_calls=40,
        rate_window=1.0,
        registered_ratio=1.0,
        blocked_ratio=0.0,
        processing_delay=0.2,
    )
    sandbox = sandbox_factory(config)
    earlier = codes(60, seed=31)
    # The earlier campaign, sent with the service's other key (its own budget) to save time.
    ids = []
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        for start in range(0, len(earlier), 40):
            if start:
                time.sleep(1.05)  # that key's budget: 40 per second
            batch = earlier[start : start + 40]
            ids += [submit(client, code, key=SECONDARY_KEY) for code in batch]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    results_a = write_csv(
        tmp_path / "a" / "results.csv",
        RESULT_HEADER,
        results_rows(
            [(i + 2, c, "sent", m) for i, (c, m) in enumerate(zip(earlier, ids, strict=True))]
        ),
    )
    job_a = write_job(tmp_path / "a", base_url=sandbox.base_url, calls=40, window=1.0)
    tonight = codes(30, seed=32)
    write_csv(
        tmp_path / "b" / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in tonight]
    )
    job_b = write_job(tmp_path / "b", base_url=sandbox.base_url, calls=40, window=1.0)

    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    command = [sys.executable, "-m", "batch", "--log-format", "json"]
    processes = [
        subprocess.Popen(
            [*command, "send", str(job_b)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
        subprocess.Popen(
            [*command, *verify_args(results_a, job_a, "--wait", "--deadline", "60")],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ),
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _, err in outputs]

    sent_b = read_rows(tmp_path / "b" / "results.csv")
    assert {row["status"] for row in sent_b} == {"sent"} and len(sent_b) == 30
    ledger_b = [
        entry for entry in sandbox.app.ledger.entries() if entry.fiscal_code in set(tonight)
    ]
    assert sorted(entry.fiscal_code for entry in ledger_b) == sorted(tonight)  # once each
    verified = read_rows(tmp_path / "a" / "results.verify.csv")
    assert {row["message_status"] for row in verified} == {"PROCESSED"} and len(verified) == 60

    calls = [call for call in sandbox.app.calls.entries() if call.key == DEFAULT_API_KEY]
    assert sandbox.app.throttled_count(DEFAULT_API_KEY) > 0  # together they did overrun it
    for process_ops in ({"get"}, {"profile", "submit"}):  # verify's calls, send's calls
        mine = [call for call in calls if call.operation in process_ops]
        for refused in (call for call in mine if call.status == 429):
            assert refused.retry_after is not None
            inside = [
                c
                for c in mine
                if refused.t + IN_FLIGHT_GRACE <= c.t < refused.t + refused.retry_after
            ]
            assert inside == [], (refused, inside[:3])


@pytest.mark.parametrize("case", ["embedded sandbox", "missing results"])
def test_config_and_input_errors_are_one_clear_line(tmp_path: Path, case: str) -> None:
    results = write_csv(
        tmp_path / "results.csv",
        RESULT_HEADER,
        results_rows([(2, "AAAAAA00A00A000A", "sent", new_ulid())]),
    )
    if case == "embedded sandbox":
        job = write_job(tmp_path, base_url=None)
        expected_code, expected_text = 2, "verify needs the sandbox the messages were sent to"
    else:
        job = write_job(tmp_path, base_url="http://127.0.0.1:9")
        results = tmp_path / "nowhere.csv"
        expected_code, expected_text = 3, "results file not found"
    ran = run_io_batch(verify_args(results, job))
    assert ran.code == expected_code
    lines = [line for line in ran.stderr.splitlines() if line.startswith("io-batch: error")]
    assert len(lines) == 1 and expected_text in lines[0]
    assert "Traceback" not in ran.stderr
