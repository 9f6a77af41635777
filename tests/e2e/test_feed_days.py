"""The subscriptions feed's sync on the nights that go wrong (issue 26, points 4-6).

- A day IO does not serve yet (a run just after midnight UTC, or a clock ahead of IO's)
  is exit 69, retryable, saying from when IO serves it; never "add --sync".
- A day already read can be rewritten later (late writes): every sync re-reads the last
  ``[profile] feed_reread_days`` days, and ``subscribers sync --from`` a range.
- N shards with ``send --sync`` fetch the feed once for the job, not once per shard.

io-batch runs as a subprocess against the sandbox on 127.0.0.1; every feed call is
counted in the sandbox's call log. A clock ahead of IO's is io-batch under libfaketime.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from batch.errors import ExitCode
from batch.sandbox import Faults, OperationFaults, SandboxConfig
from batch.sandbox.history import FeedHistory
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

DAYS = 20
TODAY = datetime.now(UTC).date()
START = (TODAY - timedelta(days=DAYS)).isoformat()
CITIZENS = population(40, seed=261)
CONFIG = SandboxConfig(
    rate_calls=None,
    citizens=tuple(CITIZENS),
    feed_start=START,
    registered_ratio=0.8,
    blocked_ratio=0.1,
    processing_delay=0.2,
)
REREAD = 2  # [profile] feed_reread_days by default
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def feed_job(tmp_path: Path, base_url: str, extra: str = "") -> Path:
    rows = [[code, f"Persona{i}"] for i, code in enumerate(CITIZENS)]
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    profile = f'[profile]\ncheck = "feed"\nfeed_start = "{START}"\n{extra}'
    return write_job(tmp_path, base_url=base_url, calls=None, extra=profile)


def feed_calls(sandbox: Any) -> list[str]:
    """The days asked of the feed, in order."""
    return [call.route for call in sandbox.app.calls.entries() if call.operation == "feed"]


def operations(sandbox: Any) -> list[str]:
    return [call.operation for call in sandbox.app.calls.entries()]


def clock_at(instant: datetime) -> dict[str, str]:
    """The environment that starts io-batch's clock at ``instant`` (libfaketime)."""
    return {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME": f"@{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "TZ": "UTC",
    }


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("io-batch: error")]
    assert lines, stderr
    return lines[-1]


# -- point 4: a day not published yet is retryable (exit 69) ---------------------------------


@pytest.mark.skipif(
    not Path(LIBFAKETIME).exists() and not os.environ.get("CI"),
    reason="libfaketime is not installed (apt-get install faketime); under CI a failure",
)
def test_send_sync_before_io_publishes_yesterday_exits_69_saying_from_when(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(CONFIG)
    job = feed_job(tmp_path, sandbox.base_url)
    synced = run_io_batch(["subscribers", "sync", str(job)])
    assert synced.code == 0, synced.stderr
    assert len(feed_calls(sandbox)) == DAYS

    # Just after midnight UTC by io-batch's clock: its yesterday is IO's today.
    after_midnight = datetime.combine(TODAY + timedelta(days=1), datetime.min.time(), UTC)
    env = clock_at(after_midnight + timedelta(seconds=30))
    ran = run_io_batch(["send", str(job), "--sync"], env=env)

    assert ran.code == ExitCode.NOT_PUBLISHED_YET == 69, ran.stderr
    line = error_line(ran.stderr)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert f"the subscriptions feed of {TODAY.isoformat()} is not published yet" in line
    assert f"{tomorrow} 00:00 UTC ({tomorrow} 01:00 in Rome)" in line
    assert "Data not available yet" in line
    assert "--sync" not in line  # it was given
    # The day asked once (and the two days before it re-read), nothing sent.
    assert operations(sandbox) == ["feed"] * (DAYS + 1 + REREAD)
    assert sandbox.app.ledger.count() == 0

    alone = run_io_batch(["subscribers", "sync", str(job)], env=env)
    assert alone.code == 69, alone.stderr
    summary = json.loads(next(tmp_path.glob("state/e2e.feed-*.sync.summary.json")).read_text())
    assert (summary["first_day_not_yet"], summary["exit_code"]) == (TODAY.isoformat(), 69)

    # Without --sync the list is simply behind: exit 2, and then the hint names --sync.
    behind = run_io_batch(["send", str(job)], env=env)
    assert behind.code == 2 and "add --sync" in error_line(behind.stderr)


# -- point 5: a day already read that IO rewrites later ------------------------------------


def late_unsubscriptions(sandbox: Any, day: str, codes: list[str]) -> None:
    answer = httpx.post(
        f"{sandbox.base_url}/__sandbox/feed-late-writes",
        json={"day": day, "unsubscribed": codes},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_late_unsubscriptions_in_a_day_already_read_are_not_messaged(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(CONFIG)
    job = feed_job(tmp_path, sandbox.base_url)
    synced = run_io_batch(["subscribers", "sync", str(job)])
    assert synced.code == 0, synced.stderr
    assert len(feed_calls(sandbox)) == DAYS

    # IO writes 8 unsubscriptions into the day before yesterday, already read.
    day = TODAY - timedelta(days=2)
    history = FeedHistory(CONFIG, TODAY)
    late = [code for code in CITIZENS if history.state_on(code, day) == "allowed"][:8]
    assert len(late) == 8
    late_unsubscriptions(sandbox, day.isoformat(), late)

    ran = run_io_batch(["send", str(job), "--sync"])

    assert ran.code == 0, ran.stderr
    messaged = {entry.fiscal_code for entry in sandbox.app.ledger.entries()}
    assert not messaged & set(late)  # 0 of 8 (before: 8 of 8)
    subscribers = {code for code in CITIZENS if history.state_on(code, TODAY) == "allowed"}
    assert messaged == subscribers - set(late)
    results = {row["fiscal_code"]: row["status"] for row in read_rows(tmp_path / "results.csv")}
    assert {results[code] for code in late} == {"not_subscribed"}
    # The economy stays visible: the new day (none: yesterday is held) and 2 re-reads.
    assert len(feed_calls(sandbox)) == DAYS + REREAD
    sync = json.loads(next(tmp_path.glob("state/e2e.feed-*.sync.summary.json")).read_text())
    assert (sync["days_reread"], sync["days_rewritten"]) == (REREAD, 1)
    assert (sync["reread_added"], sync["reread_removed"]) == (0, 8)

    # --from re-reads a range: every held day from there, nothing changed since.
    again = run_io_batch(["subscribers", "sync", str(job), "--from", START])
    assert again.code == 0, again.stderr
    assert len(feed_calls(sandbox)) == DAYS + REREAD + DAYS
    sync = json.loads(next(tmp_path.glob("state/e2e.feed-*.sync.summary.json")).read_text())
    assert (sync["days_reread"], sync["days_rewritten"], sync["days_fetched"]) == (DAYS, 0, 0)


def test_reread_days_zero_turns_the_re_reads_off(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(CONFIG)
    job = feed_job(tmp_path, sandbox.base_url, "feed_reread_days = 0\n")
    assert run_io_batch(["subscribers", "sync", str(job)]).code == 0
    assert run_io_batch(["subscribers", "sync", str(job)]).code == 0
    assert len(feed_calls(sandbox)) == DAYS  # a day held is never asked again
    outside = run_io_batch(["subscribers", "sync", str(job), "--from", TODAY.isoformat()])
    assert outside.code == 2 and "--from" in error_line(outside.stderr)
    assert len(feed_calls(sandbox)) == DAYS


# -- point 6: one sync for a sharded job ---------------------------------------------------

SHARD_DAYS = 30
SHARD_START = (TODAY - timedelta(days=SHARD_DAYS)).isoformat()
SHARD_CONFIG = replace(CONFIG, feed_start=SHARD_START)


def sharded_feed_job(tmp_path: Path, base_url: str) -> Path:
    rows = [[code, f"Persona{i}"] for i, code in enumerate(CITIZENS)]
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    extra = f'[profile]\ncheck = "feed"\nfeed_start = "{SHARD_START}"\n[shards]\ncount = 3\n'
    return write_job(tmp_path, base_url=base_url, calls=None, extra=extra)


def shard_feed_calls(tmp_path: Path) -> int:
    total = 0
    for index in (1, 2, 3):
        summary = tmp_path / f"results.shard-{index}-of-3.summary.json"
        report = json.loads(summary.read_text(encoding="utf-8"))
        total += report["calls_by_operation"]["feed"]
    return total


def test_three_shards_with_sync_fetch_each_day_once_for_the_job(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    # A slow feed (0.8 s a call: 30 days take about 3 s at 8 at once), so that the three
    # shards' syncs overlap even when a busy machine starts them a second apart.
    slow = Faults(feed=OperationFaults(latency_ms=800))
    sandbox = sandbox_factory(replace(SHARD_CONFIG, faults=slow))
    job = sharded_feed_job(tmp_path, sandbox.base_url)

    def shard(index: int) -> Any:
        return run_io_batch(["send", str(job), "--sync", "--shard", f"{index}/3"])

    with ThreadPoolExecutor(max_workers=3) as pool:  # the three pods, started together
        ran = list(pool.map(shard, (1, 2, 3)))

    assert [r.code for r in ran] == [0, 0, 0], [r.stderr for r in ran]
    days = feed_calls(sandbox)
    assert len(days) == SHARD_DAYS  # not one sync per shard (before: up to 90)
    waited = [e for r in ran for e in r.json_lines() if e.get("event") == "feed.sync.reused"]
    assert len(waited) == 2  # the other two reused the list
    assert shard_feed_calls(tmp_path) == SHARD_DAYS
    history = FeedHistory(SHARD_CONFIG, TODAY)
    subscribers = sorted(c for c in CITIZENS if history.state_on(c, TODAY) == "allowed")
    assert sorted(e.fiscal_code for e in sandbox.app.ledger.entries()) == subscribers
    assert run_io_batch(["merge", str(job)]).code == 0

    # A shard run again the same day (a retried pod) reuses the list too: no feed call.
    again = shard(2)
    assert again.code == 0, again.stderr
    assert len(feed_calls(sandbox)) == SHARD_DAYS


def test_shards_in_one_process_with_sync_fetch_each_day_once(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SHARD_CONFIG)
    job = sharded_feed_job(tmp_path, sandbox.base_url)

    ran = run_io_batch(["send", str(job), "--sync"])

    assert ran.code == 0, ran.stderr
    assert len(feed_calls(sandbox)) == SHARD_DAYS
    assert shard_feed_calls(tmp_path) == SHARD_DAYS
    # Unsharded, a second --sync is a sync of its own: the 2 re-reads, no new day.
    plain = tmp_path / "plain"
    plain.mkdir()
    single = feed_job(plain, sandbox.base_url)
    text = single.read_text(encoding="utf-8").replace(START, SHARD_START)
    single.write_text(text, encoding="utf-8")
    before = len(feed_calls(sandbox))
    assert run_io_batch(["subscribers", "sync", str(single)]).code == 0
    assert run_io_batch(["send", str(single), "--sync"]).code == 0
    assert len(feed_calls(sandbox)) == before + SHARD_DAYS + REREAD
