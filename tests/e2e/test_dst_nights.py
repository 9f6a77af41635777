"""Quiet hours on the nights Rome's clocks change, end to end (issue 26, point 8).

io-batch runs as a subprocess on a shifted wall clock (``IO_BATCH_FAKE_NOW``) a few
seconds before a window ends on those nights: it must sleep until the real end (not
spin, not wait an extra hour) and say that end in its log and summary.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
LATE = '[schedule]\nquiet_hours = "21:00-02:30"\n'
QUIET_HOURS = 75


def late_job(tmp_path: Path, sandbox: Any, extra: str = "") -> Path:
    codes = population(5, seed=261)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    job.write_text(job.read_text(encoding="utf-8") + LATE + extra, encoding="utf-8")
    return job


def cpu_seconds_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize(
    ("now", "until", "lead_s"),
    [
        # Fall back: 02:29:52+01:00 is the second pass of the hour, inside the window
        # until 02:30+01:00 (it used to spin, saying "until" now).
        ("2026-10-25T02:29:52+01:00", "2026-10-25T02:30:00+01:00", 8),
        # Spring forward: 02:30 does not exist; the window ends at the jump, 03:00+02:00
        # (it used to wait until 03:30+02:00, an hour more).
        ("2027-03-28T01:59:52+01:00", "2027-03-28T03:00:00+02:00", 8),
    ],
)
def test_a_run_waits_until_the_real_end_of_the_window(
    tmp_path: Path, sandbox_factory: Any, now: str, until: str, lead_s: int
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = late_job(tmp_path, sandbox)
    cpu_before = cpu_seconds_of_children()

    ran = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": now}, timeout=60)

    cpu = cpu_seconds_of_children() - cpu_before
    assert ran.code == 0, ran.stderr
    assert sandbox.app.ledger.count() == 5
    (wait,) = [e for e in ran.json_lines() if e.get("event") == "quiet_hours.wait"]
    assert wait["until"] == until
    wait_s = wait["wait_s"]  # the lead, less the run's start-up (slow on a busy machine)
    assert 1 <= wait_s <= lead_s
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert wait_s - 0.5 <= summary["quiet_hours_wait_s"] <= wait_s + 1.5
    # Asleep, not spinning: the whole run (start-up included) takes far less CPU than
    # the seconds it waited plus start-up would if the wait were a busy loop.
    assert cpu < 1.5 + wait_s / 2, cpu


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00"),
        ("2027-03-28T01:30:00+01:00", "2027-03-28T03:00:00+02:00"),
    ],
)
def test_stop_names_the_real_end_of_the_window(
    tmp_path: Path, sandbox_factory: Any, now: str, until: str
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = late_job(tmp_path, sandbox, 'on_quiet_hours = "stop"\n')

    ran = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": now}, timeout=60)

    assert ran.code == QUIET_HOURS, ran.stderr
    assert sandbox.app.calls.count() == 0
    (stop,) = [e for e in ran.json_lines() if e.get("event") == "quiet_hours.stop"]
    assert stop["until"] == until
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["stopped_for_quiet_hours_until"] == until
    assert summary["counts"] == {"pending": 5}
