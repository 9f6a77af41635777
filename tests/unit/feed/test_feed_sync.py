"""The sync and a feed-mode send in process, over the sandbox's ASGI app."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from batch.api.limiter import Limiter
from batch.api.stopping import Stop
from batch.config.choices import ProfileCheckKind
from batch.config.job import Job
from batch.config.job_sections import (
    ProfileCheck,
    RateBudget,
    RetryPolicy,
)
from batch.errors import AbortedError, AuthError
from batch.feed.command import store_status, sync_feed
from batch.sandbox import (
    DEFAULT_API_KEY,
    Faults,
    KeyConfig,
    OperationFaults,
    SandboxApp,
    SandboxConfig,
    create_app,
    profile_state,
)
from batch.send.pipeline import SendOptions, SendRun
from tests.helpers.e2e import population
from tests.helpers.jobs import in_process_job

pytestmark = pytest.mark.anyio

BASE_URL = "http://sandbox.test"
DAYS = 12
START = (datetime.now(UTC).date() - timedelta(days=DAYS)).isoformat()
CODES = population(40, seed=21)
CONFIG = SandboxConfig(
    rate_calls=None,
    citizens=tuple(CODES),
    feed_start=START,
    registered_ratio=0.7,
    blocked_ratio=0.2,
)


SUBJECT = "Avviso per {nome}: scadenza"
MARKDOWN = "Gentile {nome}, " + "testo. " * 12


def feed_job(tmp_path: Path, codes: list[str]) -> Job:
    """Feed mode, the list starting START."""
    return in_process_job(
        tmp_path,
        codes,
        name="feed",
        max_attempts=5,
        subject=SUBJECT,
        markdown=MARKDOWN,
        profile=ProfileCheck(check=ProfileCheckKind.FEED, feed_start=START),
    )


async def sync(job: Job, app: object) -> object:
    return await sync_feed(
        job,
        DEFAULT_API_KEY,
        BASE_URL,
        Limiter(job.rate),
        handle_signals=False,
        transport=app.transport(),  # type: ignore[attr-defined]
    )


async def test_a_sync_fetches_each_missing_day_once_and_a_second_one_only_re_reads(
    tmp_path: Path,
) -> None:
    app = create_app(CONFIG)
    job = feed_job(tmp_path, CODES)

    first = await sync(job, app)
    second = await sync(job, app)

    # The second reads again the 2 days before yesterday ([profile] feed_reread_days).
    assert [call.operation for call in app.calls.entries()] == ["feed"] * (DAYS + 2)
    assert (first.days_fetched, first.calls, first.exit_code) == (DAYS, DAYS, 0)
    assert first.calls_by_operation == {"profile": 0, "submit": 0, "get_message": 0, "feed": DAYS}
    assert (second.days_missing_before, second.days_fetched, second.calls) == (0, 0, 2)
    assert (second.days_reread, second.days_rewritten) == (2, 0)
    allowed = [code for code in CODES if profile_state(code, CONFIG) == "allowed"]
    status = store_status(job, DEFAULT_API_KEY)
    assert status.up_to_date and status.subscribers == len(allowed) + 1  # and AAAAAA00A00A000A
    assert second.subscribers == status.subscribers


async def test_a_key_without_the_feed_permission_costs_one_call(tmp_path: Path) -> None:
    app = create_app(replace(CONFIG, keys=(KeyConfig(DEFAULT_API_KEY, feed_scope=False),)))
    job = feed_job(tmp_path, CODES)
    with pytest.raises(AuthError, match="ApiSubscriptionsFeedRead"):
        await sync(job, app)
    assert len(app.calls.entries()) == 1


async def test_server_errors_are_retried_and_every_day_stored(tmp_path: Path) -> None:
    faults = Faults(feed=OperationFaults(error_ratio=0.3))
    app = create_app(replace(CONFIG, faults=faults, seed=4))
    job = feed_job(tmp_path, CODES)
    report = await sync(job, app)
    statuses = [call.status for call in app.calls.entries()]
    assert statuses.count(200) == DAYS and statuses.count(500) > 0
    assert report.days_missing == 0


async def test_a_day_that_keeps_failing_stops_the_sync_and_the_others_are_kept(
    tmp_path: Path,
) -> None:
    app = create_app(replace(CONFIG, faults=Faults(feed=OperationFaults(error_ratio=1.0))))
    job = replace(feed_job(tmp_path, CODES), retry=RetryPolicy(max_attempts=2, backoff_base=0.0))
    with pytest.raises(AbortedError, match="could not be fetched after 2 attempts"):
        await sync(job, app)
    assert not store_status(job, DEFAULT_API_KEY).up_to_date


async def test_feed_mode_submits_subscribers_only_and_checks_no_profile(tmp_path: Path) -> None:
    app = create_app(CONFIG)
    outsider = population(1, seed=99)[0]  # joined before the feed began, or never
    job = feed_job(tmp_path, [*CODES, outsider])
    await sync(job, app)
    app.calls.clear()

    run = SendRun(
        job,
        SendOptions(handle_signals=False),
        base_url=BASE_URL,
        api_key=DEFAULT_API_KEY,
        transport=app.transport(),
    )
    report = (await run.run()).report

    with job.output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    subscribers = {code for code in CODES if profile_state(code, CONFIG) == "allowed"}
    assert {row["fiscal_code"] for row in rows if row["status"] == "sent"} == subscribers
    others = [row for row in rows if row["fiscal_code"] not in subscribers]
    assert {(row["status"], row["reason_code"]) for row in others} == {
        ("not_subscribed", "feed.not_subscribed")
    }
    assert sorted(entry.fiscal_code for entry in app.ledger.entries()) == sorted(subscribers)
    assert [call.operation for call in app.calls.entries()] == ["submit"] * len(subscribers)
    assert report.calls_by_operation == {
        "profile": 0,
        "submit": len(subscribers),
        "get_message": 0,
        "feed": 0,
    }
    assert report.counts["not_subscribed"] == len(others)


async def test_api_mode_counts_profile_and_submit_calls(tmp_path: Path) -> None:
    app = create_app(CONFIG)
    job = in_process_job(
        tmp_path,
        CODES,
        name="feed",
        max_attempts=5,
        subject=SUBJECT,
        markdown=MARKDOWN,
        profile=ProfileCheck(check=ProfileCheckKind.API, feed_start=START),
    )
    run = SendRun(
        job,
        SendOptions(handle_signals=False),
        base_url=BASE_URL,
        api_key=DEFAULT_API_KEY,
        transport=app.transport(),
    )
    report = (await run.run()).report
    sent = report.counts["sent"]
    assert report.calls_by_operation == {
        "profile": len(CODES),
        "submit": sent,
        "get_message": 0,
        "feed": 0,
    }
    assert sum(report.calls_by_operation.values()) == report.calls


class StopAfter(httpx.AsyncBaseTransport):
    """The sandbox's transport; requests the stop once ``count`` days were answered."""

    def __init__(self, app: SandboxApp, stop: Stop, count: int) -> None:
        self._inner = app.transport()
        self._stop = stop
        self._count = count
        self.answered = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        self.answered += 1
        if self.answered == self._count:
            self._stop.request("stopped by SIGTERM")
        return response


async def test_a_stopped_sync_keeps_its_days_and_the_next_fetches_only_the_rest(
    tmp_path: Path,
) -> None:
    app = create_app(CONFIG)
    job = replace(feed_job(tmp_path, CODES), rate=RateBudget(calls=None, concurrency=1))
    stop = Stop()

    stopped = await sync_feed(
        job,
        DEFAULT_API_KEY,
        BASE_URL,
        Limiter(job.rate),
        handle_signals=False,
        transport=StopAfter(app, stop, 5),
        stop=stop,
    )
    rest = await sync(job, app)

    assert (stopped.interrupted, stopped.exit_code, stopped.days_fetched) == (True, 130, 5)
    assert stopped.days_missing == DAYS - 5
    assert (rest.days_missing_before, rest.days_fetched, rest.calls) == (DAYS - 5,) * 3
    assert len(app.calls.entries()) == DAYS  # no day fetched twice
