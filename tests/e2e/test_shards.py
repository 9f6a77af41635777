"""Sharded runs: 3 shards plus ``merge`` equal one run; a shard killed with ``kill -9``
resumes; ``rerun`` and ``verify`` take a shard's results and the merged file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from batch.sandbox import Faults, OperationFaults, SandboxConfig
from batch.shards.assign import shard_of
from tests.helpers.e2e import REPO, population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

SANDBOX = SandboxConfig(
    rate_calls=None, registered_ratio=0.7, blocked_ratio=0.1, seed=17, processing_delay=0.0
)
COMPARED = ("line", "fiscal_code", "status", "reason_code", "reason", "http_status")


def campaign(directory: Path) -> list[list[str]]:
    """66 rows: valid citizens (some not on IO, some blocking the service), the same
    citizen twice with the same message, written in lower case with blanks, invalid codes,
    an empty code and a too short name."""
    codes = population(56, seed=117)
    rows = [[code, f"Nome{index}"] for index, code in enumerate(codes)]
    rows += [[codes[3], "Nome3"], [f"  {codes[5].lower()} ", "Nome5"], [codes[7], "Altro"]]
    rows += [["RSSMRA85T10A562X", "Bad"], ["not-a-code", "Bad"], ["", "Empty"]]
    rows += [["=cmd|'/c calc'!A1", "Formula"], ["AAAAAA00A00A000A", "Tester"]]
    rows += [[codes[10], "Nome10"], [codes[11].lower(), "Nome11"]]
    write_csv(directory / "input.csv", ["codice_fiscale", "nome"], rows)
    return rows


def sharded_job(directory: Path, base_url: str, *, calls: int | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    campaign(directory)
    return write_job(directory, base_url=base_url, calls=calls, extra="[shards]\ncount = 3\n")


def test_three_shards_and_merge_equal_one_run(tmp_path: Path, sandbox_factory) -> None:
    one_box, shard_box = sandbox_factory(SANDBOX), sandbox_factory(SANDBOX)
    single = tmp_path / "single"
    single.mkdir()
    campaign(single)
    ran = run_io_batch(["send", str(write_job(single, base_url=one_box.base_url, calls=None))])
    assert ran.code == 1, ran.stderr  # invalid and not registered rows need attention

    job = sharded_job(tmp_path / "sharded", shard_box.base_url)
    for index in (1, 2, 3):
        shard = run_io_batch(["send", str(job), "--shard", f"{index}/3"])
        assert shard.code in (0, 1), shard.stderr
        summary = [line for line in shard.json_lines() if line.get("event") == "run.summary"]
        assert summary[0]["shard"] == f"{index}/3"
        assert (job.parent / f"results.shard-{index}-of-3.csv").exists()
        assert list((job.parent / "state").glob(f"*/e2e.shard-{index}-of-3.journal.sqlite"))
    merged = run_io_batch(["merge", str(job)])
    assert merged.code == 1, merged.stderr
    assert (job.parent / "results.csv").stat().st_mode & 0o777 == 0o600

    expected = read_rows(single / "results.csv")
    got = read_rows(job.parent / "results.csv")
    assert len(got) == len(expected) == 66
    assert [[row[name] for name in COMPARED] for row in got] == [
        [row[name] for name in COMPARED] for row in expected
    ]
    statuses = Counter(row["status"] for row in got)
    assert statuses["sent"] > 30 and statuses["invalid"] == 4 and statuses["not_registered"]
    assert statuses["duplicate"] >= 2
    # Every shard held some rows; one message per sent row in each sandbox, ids as stored.
    for box, rows in ((one_box, expected), (shard_box, got)):
        stored = {entry.message_id: entry.fiscal_code for entry in box.app.ledger.entries()}
        sent = [row for row in rows if row["status"] == "sent"]
        assert len(stored) == box.app.ledger.count() == len(sent)
        assert {row["message_id"]: row["fiscal_code"] for row in sent} == stored
    header = (single / "results.csv").read_text().splitlines()[0]
    assert (job.parent / "results.csv").read_text().splitlines()[0] == header
    summary = next(line for line in merged.json_lines() if line.get("event") == "merge.summary")
    assert summary["rows"] == 66 and summary["counts"] == dict(statuses)
    assert sorted(shard["shard"] for shard in summary["per_shard"]) == ["1/3", "2/3", "3/3"]
    assert sum(shard["rows"] for shard in summary["per_shard"]) == 66
    assert all(shard["rows"] > 0 for shard in summary["per_shard"])

    # verify takes the merged file and a shard's file; rerun takes both, one shard at a time.
    checked = run_io_batch(["verify", str(job.parent / "results.csv"), "--job", str(job)])
    assert checked.code == 0, checked.stderr
    verified = read_rows(job.parent / "results.verify.csv")
    assert Counter(row["message_status"] for row in verified)["PROCESSED"] == statuses["sent"]
    shard_file = job.parent / "results.shard-2-of-3.csv"
    assert run_io_batch(["verify", str(shard_file), "--job", str(job)]).code == 0
    before = shard_box.app.ledger.count()
    again = run_io_batch(
        ["rerun", str(job.parent / "results.csv"), "--job", str(job), "--shard", "2/3"]
    )
    assert again.code == 1, again.stderr
    rerun = read_rows(job.parent / "results-rerun.shard-2-of-3.csv")
    assert [row["line"] for row in rerun] == [row["line"] for row in read_rows(shard_file)]
    assert shard_box.app.ledger.count() == before  # nothing failed: nothing to send again


def test_a_shard_killed_with_kill_9_blocks_the_merge_then_resumes(
    tmp_path: Path, sandbox_factory
) -> None:
    slow = Faults(submit=OperationFaults(latency_ms=150))
    sandbox = sandbox_factory(
        replace(SANDBOX, registered_ratio=1.0, blocked_ratio=0.0, faults=slow)
    )
    campaign(tmp_path)
    job = write_job(
        tmp_path,
        base_url=sandbox.base_url,
        calls=None,
        concurrency=2,
        extra="[shards]\ncount = 3\n",
    )
    for index in (1, 3):
        assert run_io_batch(["send", str(job), "--shard", f"{index}/3"]).code == 1
    ledger_before = sandbox.app.ledger.count()
    codes = {row[0] for row in campaign(tmp_path) if shard_of(row[0], 3) == 2}
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", "send", str(job), "--shard", "2/3"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sandbox.app.ledger.count() < ledger_before + 4:
        assert process.poll() is None and time.monotonic() < deadline, "shard 2 ended too soon"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    killed_with = sandbox.app.ledger.count() - ledger_before

    refused = run_io_batch(["merge", str(job)])
    assert refused.code == 2
    assert "shard 2/3" in refused.stderr and "--shard 2/3" in refused.stderr
    assert not (tmp_path / "results.csv").exists()

    sandbox.app.set_faults(Faults())
    resumed = run_io_batch(["send", str(job), "--shard", "2/3"])
    assert resumed.code == 1, resumed.stderr
    summary = next(line for line in resumed.json_lines() if line.get("event") == "run.summary")
    assert summary["resumed"] is True and summary["shard"] == "2/3"
    merged = run_io_batch(["merge", str(job)])
    assert merged.code == 1, merged.stderr

    rows = read_rows(tmp_path / "results.csv")
    assert len(rows) == 66 and "pending" not in {row["status"] for row in rows}
    entries = sandbox.app.ledger.entries()
    # No citizen got the same message twice, though shard 2 was killed and run again.
    once = Counter((entry.fiscal_code, entry.payload_hash) for entry in entries)
    assert max(once.values()) == 1
    stored = {entry.message_id for entry in entries}
    sent = [row for row in rows if row["status"] == "sent"]
    assert {row["message_id"] for row in sent} <= stored
    unknown = [row for row in rows if row["status"] == "unknown"]
    assert len(unknown) <= 2  # at most the submits in flight at the kill (concurrency 2)
    assert len(sent) <= len(entries) <= len(sent) + len(unknown)
    shard_two = [row for row in rows if row["fiscal_code"] in {c.strip().upper() for c in codes}]
    assert killed_with >= 4 and len(shard_two) > killed_with


def test_a_sharded_job_without_shard_runs_every_shard_in_turn_and_guards_its_layout(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SANDBOX)
    job = sharded_job(tmp_path, sandbox.base_url, calls=60)
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 1, ran.stderr
    rows = read_rows(tmp_path / "results.csv")
    assert len(rows) == 66 and "pending" not in {row["status"] for row in rows}
    for index in (1, 2, 3):
        assert (tmp_path / f"results.shard-{index}-of-3.csv").exists()
        shard = json.loads((tmp_path / f"results.shard-{index}-of-3.summary.json").read_text())
        assert shard["budget"] == "60/1s"  # in turn: each shard has the whole budget
    sent = sum(row["status"] == "sent" for row in rows)
    assert sandbox.app.ledger.count() == sent
    # Running it again sends nothing: each shard's journal knows its citizens.
    assert run_io_batch(["send", str(job), "--output", str(tmp_path / "again.csv")]).code == 1
    assert sandbox.app.ledger.count() == sent

    # Another layout would move citizens into journals that never saw them: refused.
    other = run_io_batch(["send", str(job), "--shards", "4"])
    assert other.code == 2 and "--shards 4 disagrees with [shards] count = 3" in other.stderr
    unsharded = job.read_text().replace("[shards]\ncount = 3\n", "")
    job.write_text(unsharded)
    refused = run_io_batch(["send", str(job), "--output", str(tmp_path / "plain.csv")])
    assert refused.code == 2
    assert "e2e.shard-1-of-3.journal.sqlite" in refused.stderr
    four = run_io_batch(["send", str(job), "--shard", "1/4", "--output", str(tmp_path / "x.csv")])
    assert four.code == 2 and "e2e.shard-2-of-3.journal.sqlite" in four.stderr
    assert sandbox.app.ledger.count() == sent

    # An Indexed Job's pod: shard index+1 of [shards] count; its budget is a third of 60/1s.
    job.write_text(unsharded + "[shards]\ncount = 3\n")
    pod = run_io_batch(
        ["send", str(job), "--output", str(tmp_path / "pod.csv")],
        env={"JOB_COMPLETION_INDEX": "1"},
    )
    assert pod.code == 1, pod.stderr
    summary = json.loads((tmp_path / "pod.shard-2-of-3.summary.json").read_text())
    assert summary["shard"] == "2/3" and summary["budget"] == "20/1s (60/1s split over 3 shards)"
    assert sandbox.app.ledger.count() == sent
