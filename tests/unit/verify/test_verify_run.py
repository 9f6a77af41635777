"""``VerifyRun`` against the sandbox in process: per-row outcomes, resume, --wait, stops."""

from __future__ import annotations

import csv
import itertools
import random
import time
from pathlib import Path

import httpx
import pytest

from batch.config.job import Job
from batch.config.job_sections import (
    Columns,
)
from batch.errors import AbortedError, AuthError, ConfigError
from batch.identifiers.fiscal_code import generate
from batch.output.results_file import read_results
from batch.output.results_layout import RESULT_COLUMNS
from batch.output.verification import VERIFY_COLUMNS
from batch.output.verify_summary import VerifySummary
from batch.sandbox import (
    DEFAULT_API_KEY,
    Faults,
    KeyConfig,
    OperationFaults,
    SandboxApp,
    SandboxConfig,
    new_ulid,
    profile_state,
)
from batch.sandbox.messages import final_status
from batch.verify.outcomes import select_checks
from batch.verify.run import VerifyOptions, VerifyRun
from tests.helpers.jobs import in_process_job

pytestmark = pytest.mark.anyio

BASE_URL = "http://sandbox.test"
OTHER_KEY = "other-service-key"
SUBJECT = "Avviso di prova"
MARKDOWN = "Un messaggio di prova per la verifica dopo l'invio, abbastanza lungo da valere. " * 2


class ManualClock:
    """The sandbox's clock: messages leave ACCEPTED only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verify_job(tmp_path: Path, *, max_attempts: int = 3, min_calls: int = 50) -> Job:
    """The job that sent the results verified: no input file (verify reads the results)."""
    return in_process_job(
        tmp_path,
        None,
        name="verify-test",
        subject=SUBJECT,
        markdown=MARKDOWN,
        columns=Columns(),
        max_attempts=max_attempts,
        min_calls_before_abort=min_calls,
    )


def codes_in_state(config: SandboxConfig, state: str, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        code = generate(rng)
        if profile_state(code, config) == state and code not in found:
            found.append(code)
    return found


async def submit(
    app: SandboxApp, fiscal_code: str, *, key: str = DEFAULT_API_KEY, payment: bool = False
) -> str:
    content: dict[str, object] = {"subject": SUBJECT, "markdown": MARKDOWN}
    payload: dict[str, object] = {"fiscal_code": fiscal_code, "content": content}
    if payment:
        payload["feature_level_type"] = "ADVANCED"
        content["payment_data"] = {"amount": 1500, "notice_number": "012345678901234567"}
    async with httpx.AsyncClient(transport=app.transport(), base_url=BASE_URL) as client:
        response = await client.post(
            "/api/v1/messages", json=payload, headers={"Ocp-Apim-Subscription-Key": key}
        )
    assert response.status_code == 201, response.text
    message_id: str = response.json()["id"]
    return message_id


def write_results(path: Path, rows: list[tuple[int, str, str, str]]) -> Path:
    """A results file: (line, fiscal code, status, message id) per row, plus a name column."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*RESULT_COLUMNS, "nome"])
        for line, code, status, message_id in rows:
            writer.writerow([line, code, status, "", "", message_id, "", "1", "", "run1", "Ada"])
    return path


async def verify(
    app: SandboxApp,
    job: Job,
    results: Path,
    *,
    output: Path | None = None,
    api_key: str = DEFAULT_API_KEY,
    **options: object,
) -> VerifySummary:
    run = VerifyRun(
        job,
        select_checks(read_results(results)),
        results=results,
        output=output or results.with_name("results.verify.csv"),
        options=VerifyOptions(**options),  # type: ignore[arg-type]
        base_url=BASE_URL,
        api_key=api_key,
        transport=app.transport(),
        rng=random.Random(5),
    )
    return await run.run()


def read_verification(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == VERIFY_COLUMNS
        return {row["line"]: row for row in reader}


def get_calls(app: SandboxApp) -> int:
    return sum(1 for call in app.calls.entries() if call.operation == "get")


async def test_every_kind_of_row_gets_a_clear_outcome(tmp_path: Path) -> None:
    config = SandboxConfig(
        keys=(KeyConfig(DEFAULT_API_KEY), KeyConfig(OTHER_KEY)),
        rate_calls=None,
        registered_ratio=0.6,
        blocked_ratio=0.3,
        failed_ratio=0.5,
    )
    clock = ManualClock()
    app = SandboxApp(config, clock=clock)
    allowed = codes_in_state(config, "allowed", 12)
    blocked, unknown = (
        codes_in_state(config, "blocked", 1)[0],
        codes_in_state(config, "not_registered", 1)[0],
    )
    sent_ids = [await submit(app, code) for code in allowed]
    rejected_ids = [await submit(app, blocked), await submit(app, unknown)]
    other_service_id = await submit(app, allowed[0], key=OTHER_KEY)
    clock.now += 5  # past processing_delay: every message is final
    rows = [
        (i + 2, code, "sent", mid)
        for i, (code, mid) in enumerate(zip(allowed, sent_ids, strict=True))
    ]
    rows += [
        (20, blocked, "sent", rejected_ids[0]),
        (21, unknown, "already_sent", rejected_ids[1]),
        (22, allowed[1], "sent", new_ulid()),  # an id IO never gave
        (23, allowed[2], "sent", sent_ids[3]),  # a real id, but another citizen's
        (24, allowed[0], "sent", other_service_id),
        (25, allowed[4], "sent", ""),  # accepted without an id
        (26, allowed[5], "sent", '=HYPERLINK("x")'),
        (27, allowed[6].lower(), "sent", sent_ids[6]),
        (28, allowed[7], "not_registered", ""),
        (29, "", "invalid", ""),
        (30, allowed[8], "failed", ""),
    ]
    results = write_results(tmp_path / "results.csv", rows)

    summary = await verify(app, verify_job(tmp_path), results)

    got = read_verification(tmp_path / "results.verify.csv")
    assert sorted(got, key=int) == [str(row[0]) for row in rows[:-3]]  # unsent rows left out
    for line, code, _, message_id in rows[:12]:
        expected = final_status(message_id, code, config)
        assert got[str(line)]["message_status"] == expected
        assert got[str(line)]["note_code"] == ""
        assert got[str(line)]["attempts"] == "1"
    assert {got[str(line)]["message_status"] for line, *_ in rows[:12]} == {"PROCESSED", "FAILED"}
    assert got["20"]["message_status"] == got["21"]["message_status"] == "REJECTED"
    outcomes = {
        line: (got[line]["note_code"], got[line]["note"])
        for line in ("22", "23", "24", "25", "26", "27")
    }
    assert outcomes == {
        "22": ("not_found", "no message with this id for this fiscal code"),
        "23": ("not_found", "no message with this id for this fiscal code"),
        "24": ("other_service", "not sent by this service's key"),
        "25": ("bad_message_id", "no valid message id in the results row"),
        "26": ("bad_message_id", "no valid message id in the results row"),
        "27": ("bad_fiscal_code", "no valid fiscal code in the results row"),
    }
    assert [got[line]["attempts"] for line in ("25", "26", "27")] == ["0", "0", "0"]
    assert all(got[line]["checked_at"].endswith("Z") for line in got)
    assert get_calls(app) == 17  # one per row with a usable id and code, none for the others
    raw = (tmp_path / "results.verify.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in raw  # neutralised for spreadsheets
    assert (tmp_path / "results.verify.csv").stat().st_mode & 0o777 == 0o600

    processed = sum(1 for row in got.values() if row["message_status"] == "PROCESSED")
    assert summary.rows_in_results == len(rows)
    assert summary.checked == 20 and summary.asked == 17 and summary.carried_over == 0
    assert summary.not_checked == {"failed": 1, "invalid": 1, "not_registered": 1}
    assert summary.message_status["PROCESSED"] == processed
    assert summary.message_status["REJECTED"] == 2
    assert summary.message_status["none"] == 6
    assert summary.notes == {
        "bad_fiscal_code": 1,
        "bad_message_id": 2,
        "not_found": 2,
        "other_service": 1,
    }
    assert summary.attention_count == 20 - processed
    assert summary.exit_code == 1
    assert all("*" in entry["fiscal_code"] for entry in summary.attention)


async def test_payment_status_failure_is_a_clear_note_and_a_later_run_gets_the_status(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(
        rate_calls=None,
        registered_ratio=1.0,
        blocked_ratio=0.0,
        faults=Faults(payment_status_error_ratio=1.0),
    )
    clock = ManualClock()
    app = SandboxApp(config, clock=clock)
    code = codes_in_state(config, "allowed", 1)[0]
    message_id = await submit(app, code, payment=True)
    clock.now += 5
    results = write_results(tmp_path / "results.csv", [(2, code, "sent", message_id)])

    first = await verify(app, verify_job(tmp_path, max_attempts=3), results)

    row = read_verification(tmp_path / "results.verify.csv")["2"]
    assert (row["message_status"], row["note_code"], row["attempts"]) == (
        "",
        "payment_status_unavailable",
        "3",
    )
    assert row["note"] == "IO could not compute the payment status, try later"
    assert first.exit_code == 1 and first.notes == {"payment_status_unavailable": 1}

    app.set_faults(Faults())
    second = await verify(app, verify_job(tmp_path), results)

    row = read_verification(tmp_path / "results.verify.csv")["2"]
    assert (row["message_status"], row["read_status"], row["payment_status"]) == (
        "PROCESSED",
        "UNREAD",
        "NOT_PAID",
    )
    assert (row["note_code"], row["attempts"]) == ("", "4")  # attempts add up over the runs
    assert second.exit_code == 0 and second.attention == []


async def test_a_second_run_asks_only_the_messages_not_yet_final(tmp_path: Path) -> None:
    config = SandboxConfig(
        rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=1.0
    )
    clock = ManualClock()
    app = SandboxApp(config, clock=clock)
    codes = codes_in_state(config, "allowed", 6)
    early = [await submit(app, code) for code in codes[:4]]
    clock.now += 5
    late = [await submit(app, code) for code in codes[4:]]
    ids = early + late
    results = write_results(
        tmp_path / "results.csv",
        [(i + 2, c, "sent", m) for i, (c, m) in enumerate(zip(codes, ids, strict=True))],
    )

    first = await verify(app, verify_job(tmp_path), results)

    got = read_verification(tmp_path / "results.verify.csv")
    assert [got[str(line)]["message_status"] for line in range(2, 8)] == ["PROCESSED"] * 4 + [
        "ACCEPTED"
    ] * 2
    assert got["6"]["note"].startswith("still being processed by IO")
    assert first.still_in_progress == 2 and first.exit_code == 1
    assert get_calls(app) == 6

    clock.now += 5
    second = await verify(app, verify_job(tmp_path), results)

    assert get_calls(app) == 6 + 2  # the four final ones were not asked again
    got = read_verification(tmp_path / "results.verify.csv")
    assert [got[str(line)]["message_status"] for line in range(2, 8)] == ["PROCESSED"] * 6
    assert [got[str(line)]["attempts"] for line in range(2, 8)] == ["1"] * 4 + ["2"] * 2
    assert second.carried_over == 4 and second.asked == 2 and second.exit_code == 0
    ops = ("profile", "submit", "get_message", "feed")
    assert first.calls_by_operation == dict(zip(ops, (0, 0, 6, 0), strict=True))
    assert second.calls_by_operation == dict(zip(ops, (0, 0, 2, 0), strict=True))


async def test_wait_asks_again_until_every_message_is_final(tmp_path: Path) -> None:
    config = SandboxConfig(
        rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.4
    )
    app = SandboxApp(config)  # real time: verify really waits
    codes = codes_in_state(config, "allowed", 3)
    ids = [await submit(app, code) for code in codes]
    results = write_results(
        tmp_path / "results.csv",
        [(i + 2, c, "sent", m) for i, (c, m) in enumerate(zip(codes, ids, strict=True))],
    )

    summary = await verify(
        app, verify_job(tmp_path), results, wait=True, deadline=10.0, first_poll=0.1, max_poll=0.2
    )

    assert summary.message_status == {"PROCESSED": 3}
    assert summary.exit_code == 0 and summary.waited
    assert get_calls(app) > 3  # asked more than once
    assert summary.elapsed_s < 3


async def test_wait_stops_at_the_deadline_and_lists_what_is_still_pending(tmp_path: Path) -> None:
    config = SandboxConfig(
        rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=60.0
    )
    app = SandboxApp(config)
    code = codes_in_state(config, "allowed", 1)[0]
    message_id = await submit(app, code)
    results = write_results(tmp_path / "results.csv", [(2, code, "sent", message_id)])

    summary = await verify(
        app, verify_job(tmp_path), results, wait=True, deadline=0.5, first_poll=0.2, max_poll=0.2
    )

    assert 0.5 <= summary.elapsed_s < 2
    assert summary.message_status == {"ACCEPTED": 1} and summary.still_in_progress == 1
    assert summary.exit_code == 1
    assert summary.attention == [
        {
            "line": 2,
            "fiscal_code": code[:3] + "*" * 12 + code[-1],
            "message_id": message_id,
            "message_status": "ACCEPTED",
            "note_code": "",
            "note": "still being processed by IO at the last check: run verify again later "
            "(--wait waits for it)",
        }
    ]
    assert 3 <= get_calls(app) <= 5  # the first pass, then every ~0.2 s until the deadline


async def test_a_refused_key_stops_with_an_auth_error_and_keeps_the_file(tmp_path: Path) -> None:
    app = SandboxApp(SandboxConfig(rate_calls=None))
    codes = codes_in_state(app.config, "allowed", 10)
    results = write_results(
        tmp_path / "results.csv", [(i + 2, c, "sent", new_ulid()) for i, c in enumerate(codes)]
    )

    with pytest.raises(AuthError, match="HTTP 401"):
        await verify(app, verify_job(tmp_path), results, api_key="wrong-key")

    got = read_verification(tmp_path / "results.verify.csv")
    assert len(got) == 10
    assert {row["note_code"] for row in got.values()} == {"not_asked"}
    assert get_calls(app) <= 4  # at most one call per worker went out


async def test_a_service_refused_by_ip_stops_with_an_auth_error(tmp_path: Path) -> None:
    app = SandboxApp(
        SandboxConfig(keys=(KeyConfig(DEFAULT_API_KEY, ip_allowed=False),), rate_calls=None)
    )
    code = codes_in_state(app.config, "allowed", 1)[0]
    results = write_results(tmp_path / "results.csv", [(2, code, "sent", new_ulid())])
    with pytest.raises(AuthError, match="You are not allowed here"):
        await verify(app, verify_job(tmp_path), results)


async def test_too_many_failed_calls_stop_the_run(tmp_path: Path) -> None:
    faults = Faults(get=OperationFaults(error_ratio=1.0))
    app = SandboxApp(SandboxConfig(rate_calls=None, faults=faults))
    codes = codes_in_state(app.config, "allowed", 20)
    results = write_results(
        tmp_path / "results.csv", [(i + 2, c, "sent", new_ulid()) for i, c in enumerate(codes)]
    )
    with pytest.raises(AbortedError, match="calls failed"):
        await verify(app, verify_job(tmp_path, max_attempts=2, min_calls=6), results)
    assert get_calls(app) < 12


async def test_server_errors_and_lost_answers_become_try_later_notes(tmp_path: Path) -> None:
    answers = {
        "2": lambda request: httpx.Response(503, json={"title": "Unavailable"}),
        "3": lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=request)),
        "4": lambda request: httpx.Response(200, json={"status": "ARCHIVED"}),
        "5": lambda request: httpx.Response(
            400, json={"title": "Bad parameters", "detail": "id: bad"}
        ),
    }
    codes = codes_in_state(SandboxConfig(), "allowed", 4)
    by_code = dict(zip(codes, answers.values(), strict=True))

    def handler(request: httpx.Request) -> httpx.Response:
        return by_code[request.url.path.split("/")[-2]](request)

    results = write_results(
        tmp_path / "results.csv", [(i + 2, c, "sent", new_ulid()) for i, c in enumerate(codes)]
    )
    run = VerifyRun(
        verify_job(tmp_path, max_attempts=2),
        select_checks(read_results(results)),
        results=results,
        output=tmp_path / "out.csv",
        options=VerifyOptions(),
        base_url=BASE_URL,
        api_key="k",
        transport=httpx.MockTransport(handler),
    )
    summary = await run.run()

    got = read_verification(tmp_path / "out.csv")
    assert got["2"]["note_code"] == "server_error"
    assert got["2"]["note"] == "IO answered HTTP 503 (server error) on 2 attempt(s), try later"
    assert got["3"]["note_code"] == "no_answer" and got["3"]["note"].endswith(
        "on 2 attempt(s), try later"
    )
    assert (got["4"]["message_status"], got["4"]["note_code"]) == ("ARCHIVED", "unknown_status")
    assert got["5"]["note_code"] == "bad_request" and "id: bad" in got["5"]["note"]
    assert [got[line]["attempts"] for line in ("2", "3", "4", "5")] == ["2", "2", "1", "1"]
    assert summary.exit_code == 1 and summary.attention_count == 4


async def test_nothing_to_check_makes_no_call_and_succeeds(tmp_path: Path) -> None:
    results = write_results(tmp_path / "results.csv", [(2, "AAAAAA00A00A000A", "not_allowed", "")])

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no call expected")

    run = VerifyRun(
        verify_job(tmp_path),
        select_checks(read_results(results)),
        results=results,
        output=tmp_path / "v.csv",
        options=VerifyOptions(wait=True),
        base_url=BASE_URL,
        api_key="k",
        transport=httpx.MockTransport(handler),
    )
    summary = await run.run()
    assert summary.exit_code == 0 and summary.checked == 0
    assert summary.not_checked == {"not_allowed": 1}
    assert (tmp_path / "v.csv").read_text(encoding="utf-8") == ",".join(VERIFY_COLUMNS) + "\n"


async def test_a_file_that_is_not_a_verification_file_is_never_overwritten(tmp_path: Path) -> None:
    results = write_results(tmp_path / "results.csv", [(2, "AAAAAA00A00A000A", "sent", new_ulid())])
    foreign = tmp_path / "results.verify.csv"
    foreign.write_text("name,amount\nAda,10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an io-batch verification file"):
        await verify(SandboxApp(SandboxConfig()), verify_job(tmp_path), results)
    assert foreign.read_text(encoding="utf-8") == "name,amount\nAda,10\n"


async def test_wait_rounds_ask_a_failing_row_once_each(tmp_path: Path) -> None:
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return httpx.Response(500, json={"title": "Query error (COSMOS_ERROR_RESPONSE)"})

    code = codes_in_state(SandboxConfig(), "allowed", 1)[0]
    results = write_results(tmp_path / "results.csv", [(2, code, "sent", new_ulid())])
    run = VerifyRun(
        verify_job(tmp_path, max_attempts=3),
        select_checks(read_results(results)),
        results=results,
        output=tmp_path / "v.csv",
        options=VerifyOptions(wait=True, deadline=1.0, first_poll=0.2, max_poll=0.2),
        base_url=BASE_URL,
        api_key="k",
        transport=httpx.MockTransport(handler),
    )
    summary = await run.run()

    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) >= 5
    assert all(gap < 0.1 for gap in gaps[:2])  # the first pass: the job's 3 attempts
    # Then one per round, a poll apart (the last round is at the deadline, maybe sooner).
    assert all(gap >= 0.15 for gap in gaps[2:-1])
    row = read_verification(tmp_path / "v.csv")["2"]
    assert (row["note_code"], row["attempts"]) == ("server_error", str(len(times)))
    assert summary.exit_code == 1 and summary.notes == {"server_error": 1}
