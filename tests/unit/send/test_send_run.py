"""The whole send run in process: ``SendRun`` over the sandbox's ASGI app, no subprocess.

The normal run, a stop requested mid-run (the rows in flight finish, the rest stay
pending, and a second run sends them and nothing twice), and a key refused (401)
mid-run (the claims are released: those rows are pending, the lock is free).
"""

from __future__ import annotations

import csv
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from batch.config.job import Job
from batch.config.state_dir import journal_path
from batch.errors import AuthError, ExitCode
from batch.identifiers.fiscal_code import generate
from batch.journal.journal import Journal
from batch.output.run_summary import RunReport
from batch.sandbox import DEFAULT_API_KEY, SandboxApp, SandboxConfig, create_app, profile_state
from batch.send.pipeline import SendOptions, SendRun
from tests.helpers.jobs import in_process_job

pytestmark = pytest.mark.anyio

BASE_URL = "http://sandbox.test"
SUBJECT = "Avviso per {nome}: scadenza"
MARKDOWN = "Gentile {nome}, questo è un messaggio di prova inviato da io-batch, in processo."
EXPECTED_BY_STATE = {
    "allowed": "sent",
    "blocked": "not_allowed",
    "not_registered": "not_registered",
}
SUBMIT = ("POST", "/api/v1/messages")


class Watching(httpx.AsyncBaseTransport):
    """The sandbox's transport, calling ``after_submit(n)`` after the n-th 201, and
    answering every submit with 401 (as the gateway does for a revoked key) once
    ``refuse_after`` submits were accepted."""

    def __init__(
        self,
        app: SandboxApp,
        *,
        after_submit: Callable[[int], None] | None = None,
        refuse_after: int | None = None,
    ) -> None:
        self._inner = app.transport()
        self._after_submit = after_submit
        self._refuse_after = refuse_after
        self.calls = 0
        self.refused = 0
        self.accepted = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        submit = (request.method, request.url.path) == SUBMIT
        if submit and self._refuse_after is not None and self.accepted >= self._refuse_after:
            self.refused += 1
            body = {"statusCode": 401, "message": "Access denied due to invalid subscription key."}
            return httpx.Response(401, json=body, request=request)
        response = await self._inner.handle_async_request(request)
        if submit and response.status_code == 201:
            self.accepted += 1
            if self._after_submit is not None:
                self._after_submit(self.accepted)
        return response


def population(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [generate(rng) for _ in range(count)]


def new_run(job: Job, transport: httpx.AsyncBaseTransport) -> SendRun:
    # No signal handlers: the test asks for the stop itself, as a signal would.
    options = SendOptions(handle_signals=False)
    return SendRun(job, options, base_url=BASE_URL, api_key=DEFAULT_API_KEY, transport=transport)


def results(job: Job) -> list[dict[str, str]]:
    with job.output.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def journal_states(job: Job) -> dict[str, list[tuple[object, ...]]]:
    """The journal's own tables, read as another process would."""
    db = sqlite3.connect(f"file:{journal_path(job)}?mode=ro", uri=True)
    try:
        return {
            "rows": db.execute("SELECT line, state, status FROM rows ORDER BY line").fetchall(),
            "sent": db.execute("SELECT fiscal_code, state, message_id FROM sent").fetchall(),
            "runs": db.execute("SELECT state FROM runs ORDER BY started_at").fetchall(),
        }
    finally:
        db.close()


def assert_journal_is_free(job: Job) -> None:
    """The job's lock is released: a new run could open the journal at once."""
    Journal(journal_path(job)).close()


def assert_nothing_open(job: Job, app: SandboxApp) -> dict[str, list[tuple[object, ...]]]:
    """No claimed or in-flight row is left, and every accepted message is recorded as sent."""
    states = journal_states(job)
    assert {state for _, state, _ in states["rows"]} <= {"done"}
    assert {state for _, state, _ in states["sent"]} <= {"sent"}
    ledger = {(entry.fiscal_code, entry.message_id) for entry in app.ledger.entries()}
    assert {(code, message_id) for code, _, message_id in states["sent"]} == ledger
    return states


async def test_a_whole_run_sends_each_row_once_by_its_profile(tmp_path: Path) -> None:
    config = SandboxConfig(rate_calls=None, registered_ratio=0.7, blocked_ratio=0.2)
    app = create_app(config)
    codes = population(30, seed=3)
    job = in_process_job(tmp_path, codes)
    transport = Watching(app)

    report = (await new_run(job, transport).run()).report

    by_line = {int(row["line"]): row for row in results(job)}
    expected = [EXPECTED_BY_STATE[profile_state(code, config)] for code in codes]
    assert [by_line[line]["status"] for line in range(2, 32)] == expected
    assert report.rows == 30 and not report.interrupted and report.error == ""
    assert report.counts == {status: expected.count(status) for status in set(expected)}
    sent_rows = {
        row["fiscal_code"]: row["message_id"] for row in by_line.values() if row["message_id"]
    }
    ledger = app.ledger.entries()
    assert {entry.fiscal_code: entry.message_id for entry in ledger} == sent_rows
    assert len(ledger) == expected.count("sent") == transport.accepted
    # Two calls per sent message (profile, submit), one per row that may not receive it.
    assert transport.calls == report.calls == 30 + expected.count("sent")
    states = assert_nothing_open(job, app)
    assert states["runs"] == [("finished",)]
    assert_journal_is_free(job)


async def test_a_stop_mid_run_leaves_the_rest_pending_and_a_second_run_finishes(
    tmp_path: Path,
) -> None:
    app = create_app(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0))
    codes = population(40, seed=5)
    job = in_process_job(tmp_path, codes, concurrency=4)
    holder: list[SendRun] = []

    def stop_after_ten(accepted: int) -> None:
        if accepted == 10:
            holder[0].stop()  # what the first SIGINT does

    holder.append(new_run(job, Watching(app, after_submit=stop_after_ten)))
    report: RunReport = (await holder[0].run()).report

    assert report.interrupted
    assert report.decide_exit_code() == ExitCode.INTERRUPTED
    statuses = [row["status"] for row in results(job)]
    sent = statuses.count("sent")
    # The calls in flight finish (drain): at most one more submit per worker.
    assert 10 <= sent <= 10 + 4
    assert statuses.count("pending") == 40 - sent
    assert set(statuses) == {"sent", "pending"}
    assert len(app.ledger.entries()) == sent
    states = assert_nothing_open(job, app)
    assert len(states["rows"]) == sent  # a pending row has no row in the journal
    assert states["runs"] == [("interrupted",)]
    assert_journal_is_free(job)

    # The same command again resumes: the pending rows go out, the sent ones never twice.
    second = (await new_run(job, Watching(app)).run()).report
    assert second.resumed and not second.interrupted
    assert [row["status"] for row in results(job)] == ["sent"] * 40
    ledger = app.ledger.entries()
    assert sorted(entry.fiscal_code for entry in ledger) == sorted(codes)
    assert_nothing_open(job, app)


async def test_a_key_refused_mid_run_releases_the_claimed_rows(tmp_path: Path) -> None:
    app = create_app(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0))
    codes = population(40, seed=8)
    job = in_process_job(tmp_path, codes, concurrency=4)
    # After 5 accepted submits the key is refused: the submits then in flight had their
    # intent recorded, so without the release they would turn "unknown" at the end.
    transport = Watching(app, refuse_after=5)

    outcome = await new_run(job, transport).run()

    # The run returns its report beside the error; the error carries no summary.
    assert isinstance(outcome.error, AuthError)
    assert not hasattr(outcome.error, "report")
    report = outcome.report
    assert report.exit_code == int(ExitCode.AUTH_ERROR) == int(outcome.error.exit_code)
    assert "401" in report.error
    with pytest.raises(AuthError):
        outcome.raise_error()
    assert transport.refused >= 1
    statuses = [row["status"] for row in results(job)]
    sent = statuses.count("sent")
    assert sent == transport.accepted == len(app.ledger.entries())
    assert 5 <= sent <= 5 + 3  # submits already on their way when the 5th was accepted
    # Every row the refused calls had claimed is released: pending, never failed/unknown.
    assert statuses.count("pending") == 40 - sent
    assert set(statuses) == {"sent", "pending"}
    states = assert_nothing_open(job, app)
    assert len(states["rows"]) == sent
    assert_journal_is_free(job)
