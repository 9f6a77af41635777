"""Issue 28: a pace for the day. ``finish_within`` spreads a campaign over the time it is
given instead of sending as fast as the budget allows; ``not_before`` holds the first
call; a run started late keeps to the planned end (the run's clock is set with the
test-only ``IO_BATCH_FAKE_NOW``)."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROWS = 16  # everyone registered and allowing: 32 calls
ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)


def paced_job(folder: Path, base_url: str, schedule: str) -> Path:
    codes = population(ROWS, seed=11)
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], [[c, "Luca"] for c in codes])
    return write_job(
        folder, base_url=base_url, calls=150, window=5.0, extra=f"[schedule]\n{schedule}\n"
    )


def call_times(sandbox: Any) -> list[float]:
    return sorted(call.t for call in sandbox.app.calls.entries())


def summary(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "results.summary.json").read_text("utf-8"))
    return loaded


def test_finish_within_spreads_the_campaign(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = paced_job(tmp_path, sandbox.base_url, 'finish_within = "10s"')
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 0, ran.stderr
    times = call_times(sandbox)
    assert len(times) == 2 * ROWS
    # At the budget alone, 32 calls take about a second; paced, they fill the 10 s.
    assert 7.0 <= times[-1] - times[0] <= 11.0
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) < 2.0  # spread, not a burst and a long wait
    report = summary(tmp_path)
    assert report["planned_end"] and report["pace_calls_per_s"] > 0
    plan = [line for line in ran.json_lines() if line.get("event") == "pace.plan"]
    assert plan and plan[0]["rows_left"] == ROWS


def test_not_before_holds_the_first_call(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    start = datetime(2026, 12, 10, 8, 59, 54, tzinfo=UTC)  # 6 s before 10:00 in Rome
    job = paced_job(tmp_path, sandbox.base_url, 'not_before = "2026-12-10T10:00"')
    launched = time.monotonic()
    ran = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": start.isoformat()})
    assert ran.code == 0, ran.stderr
    waited = [line for line in ran.json_lines() if line.get("event") == "pace.wait"]
    assert waited[0]["not_before"] == "2026-12-10T10:00:00+01:00"
    assert summary(tmp_path)["not_before"] == "2026-12-10T10:00:00+01:00"
    # The run's clock said 08:59:54 UTC once it had started: no call for 6 s after that
    # (the sandbox's call times and ours are the same monotonic clock).
    assert call_times(sandbox)[0] - launched >= 6.0


def test_a_run_started_late_keeps_the_planned_end(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    not_before = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    # Planned end: not_before + 20 s. The run starts 12 s late: 8 s are left.
    job = paced_job(
        tmp_path,
        sandbox.base_url,
        'not_before = "2026-12-10T09:00+00:00"\nfinish_within = "20s"',
    )
    late = (not_before + timedelta(seconds=12)).isoformat()
    ran = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": late})
    assert ran.code == 0, ran.stderr
    times = call_times(sandbox)
    assert 5.0 <= times[-1] - times[0] <= 9.0
    assert summary(tmp_path)["planned_end"] == "2026-12-10T10:00:20+01:00"
    assert all(row["status"] == "sent" for row in read_rows(tmp_path / "results.csv"))
