"""Feed mode end to end: ``subscribers sync``, then a send that checks no profile."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from batch.sandbox import DEFAULT_API_KEY, KeyConfig, SandboxConfig, profile_state
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

DAYS = 20
START = (datetime.now(UTC).date() - timedelta(days=DAYS)).isoformat()
CITIZENS = population(60, seed=31)
OUTSIDERS = population(5, seed=32)  # joined IO before the feed began, or never: not listed
CONFIG = SandboxConfig(
    rate_calls=60,
    rate_window=1.0,
    citizens=tuple(CITIZENS),
    feed_start=START,
    registered_ratio=0.7,
    blocked_ratio=0.2,
    processing_delay=0.2,
)
FEED_MODE = f'[profile]\ncheck = "feed"\nfeed_start = "{START}"\n'


def feed_job(tmp_path: Path, base_url: str) -> Path:
    rows = [[code, f"Persona{i}"] for i, code in enumerate([*CITIZENS, *OUTSIDERS])]
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    return write_job(tmp_path, base_url=base_url, calls=60, window=1.0, extra=FEED_MODE)


def operations(sandbox) -> list[str]:
    return [call.operation for call in sandbox.app.calls.entries()]


def test_sync_then_a_feed_mode_send_messages_each_subscriber_once_and_no_one_else(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(CONFIG)
    job = feed_job(tmp_path, sandbox.base_url)

    unsynced = run_io_batch(["send", str(job)])
    assert unsynced.code == 2, unsynced.stderr
    assert f"io-batch subscribers sync {job}" in unsynced.stderr
    assert operations(sandbox) == []  # refused before any call
    assert not (tmp_path / "results.csv").exists()

    synced = run_io_batch(["subscribers", "sync", str(job)])
    assert synced.code == 0, synced.stderr
    assert operations(sandbox) == ["feed"] * DAYS
    again = run_io_batch(["subscribers", "sync", str(job)])
    assert again.code == 0, again.stderr
    # No new day: only the 2 days before yesterday read again ([profile] feed_reread_days).
    assert operations(sandbox) == ["feed"] * (DAYS + 2)
    summary = json.loads(next(tmp_path.glob("state/e2e.feed-*.sync.summary.json")).read_text())
    assert (summary["days_fetched"], summary["days_reread"], summary["calls"]) == (0, 2, 2)
    assert summary["calls_by_operation"] == {"profile": 0, "submit": 0, "get_message": 0, "feed": 2}

    sent = run_io_batch(["send", str(job)])

    assert sent.code == 0, sent.stderr
    subscribers = sorted(code for code in CITIZENS if profile_state(code, CONFIG) == "allowed")
    ledger = sorted(entry.fiscal_code for entry in sandbox.app.ledger.entries())
    assert ledger == subscribers  # exactly one message per subscriber row
    assert operations(sandbox)[DAYS + 2 :] == ["submit"] * len(subscribers)  # no profile call
    results = {row["fiscal_code"]: row for row in read_rows(tmp_path / "results.csv")}
    for code in [*CITIZENS, *OUTSIDERS]:
        expected = "sent" if code in subscribers else "not_subscribed"
        assert results[code]["status"] == expected, code
    report = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert report["counts"] == {
        "sent": len(subscribers),
        "not_subscribed": len(CITIZENS) + len(OUTSIDERS) - len(subscribers),
    }
    assert report["calls_by_operation"] == {
        "profile": 0,
        "submit": len(subscribers),
        "get_message": 0,
        "feed": 0,
    }

    status = run_io_batch(["subscribers", "status", str(job)])
    assert status.code == 0, status.stderr
    (event,) = [line for line in status.json_lines() if line.get("event") == "feed.status"]
    assert (event["synced_through"], event["days_missing"]) == (event["yesterday"], 0)
    assert event["subscribers"] == len(subscribers) + 1  # and the sandbox's AAAAAA00A00A000A


def test_send_with_sync_fetches_the_days_first_under_one_budget(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(CONFIG)
    job = feed_job(tmp_path, sandbox.base_url)

    ran = run_io_batch(["send", str(job), "--sync"])

    assert ran.code == 0, ran.stderr
    subscribers = [code for code in CITIZENS if profile_state(code, CONFIG) == "allowed"]
    assert operations(sandbox) == ["feed"] * DAYS + ["submit"] * len(subscribers)
    report = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert report["calls_by_operation"] == {
        "profile": 0,
        "submit": len(subscribers),
        "get_message": 0,
        "feed": DAYS,
    }
    assert report["calls"] == DAYS + len(subscribers)


def test_a_key_without_the_feed_permission_stops_the_sync_with_exit_4(
    tmp_path: Path, sandbox_factory
) -> None:
    config = replace(CONFIG, keys=(KeyConfig(DEFAULT_API_KEY, feed_scope=False),))
    sandbox = sandbox_factory(config)
    job = feed_job(tmp_path, sandbox.base_url)

    ran = run_io_batch(["subscribers", "sync", str(job)])

    assert ran.code == 4, ran.stderr
    assert "ApiSubscriptionsFeedRead" in ran.stderr
    assert operations(sandbox) == ["feed"]  # the first call alone
