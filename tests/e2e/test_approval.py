"""Issue 24 point 4: an approval bound to what will go out, and the operator on record.

io-batch runs as a subprocess against sandboxes started apart on 127.0.0.1, used as the
real target (``kind = "io"`` with their URL and key): with ``[guard] require_approval``
a send refuses (exit 2, before any call) anything but what was approved, naming what
changed, and an operator who is the approver.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from batch.sandbox import DEFAULT_API_KEY, Faults, OperationFaults, SandboxConfig
from tests.helpers.e2e import (
    REPO,
    journal_of,
    population,
    read_rows,
    run_io_batch,
    write_csv,
    write_job,
)
from tests.helpers.html_report import parse_report

pytestmark = pytest.mark.e2e

ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
KEY = {"IO_API_KEY": DEFAULT_API_KEY}
GERMAN = """
[message.de_DE]
subject = "Mitteilung für {nome}: Frist"
markdown = "Sehr geehrte/r {nome}, dies ist eine Testnachricht von io-batch, für den ganzen Weg."
"""
GUARD = "[guard]\nrequire_approval = true\n"


def campaign(tmp_path: Path, sandbox: Any, count: int, seed: int, **job: Any) -> Path:
    codes = population(count, seed)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    extra = job.pop("extra", GERMAN + GUARD)
    return write_job(tmp_path, base_url=sandbox.base_url, kind="io", extra=extra, **job)


def send(job: Path, *more: str, env: dict[str, str] | None = None) -> Any:
    return run_io_batch(["send", str(job), *more], env=KEY | (env or {}))


def approve(job: Path, by: str = "Alice Rossi") -> Any:
    return run_io_batch(["approve", str(job), "--by", by])


def test_send_goes_out_only_as_approved_and_names_what_changed(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    other = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, 5, seed=301)
    original = job.read_text(encoding="utf-8")
    csv_bytes = (tmp_path / "input.csv").read_bytes()

    missing = send(job, "--operator", "Bruno Bianchi")
    assert missing.code == 2, missing.stderr
    assert "needs an approval before it sends to IO" in missing.stderr
    assert "io-batch approve" in missing.stderr

    approved = approve(job)
    assert approved.code == 0, approved.stderr
    record_path = tmp_path / "state" / "e2e.approval.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert stat.S_IMODE(record_path.stat().st_mode) == 0o600
    assert record["approved_by"] == "Alice Rossi"
    assert record["input_digest"] == hashlib.sha256(csv_bytes).hexdigest()
    assert record["target"] == f"io:{sandbox.base_url}"
    assert record["pilot_digest"] == ""
    assert record["counts"] == {
        "rows": 5,
        "to_send": 5,
        "invalid": 0,
        "excluded": 0,
        "duplicates": 0,
    }
    assert "message.de_DE.markdown" in record["message_parts"]
    assert "no pilot was sent" in approved.stderr

    same = send(job, "--operator", "alice  rossi")
    assert same.code == 2, same.stderr
    assert "cannot also send it" in same.stderr

    (tmp_path / "input.csv").write_bytes(csv_bytes.replace(b"Ada", b"Adb", 1))
    changed_file = send(job, "--operator", "Bruno Bianchi")
    assert changed_file.code == 2, changed_file.stderr
    assert f"the input file {tmp_path / 'input.csv'} changed since the approval" in (
        changed_file.stderr
    )
    (tmp_path / "input.csv").write_bytes(csv_bytes)

    job.write_text(original.replace("ganzen Weg", "ganzen langen Weg"), encoding="utf-8")
    changed_template = send(job, "--operator", "Bruno Bianchi")
    assert changed_template.code == 2, changed_template.stderr
    assert "the template message.de_DE.markdown changed" in changed_template.stderr
    assert "message.subject" not in changed_template.stderr

    job.write_text(original.replace(sandbox.base_url, other.base_url), encoding="utf-8")
    changed_target = send(job, "--operator", "Bruno Bianchi")
    assert changed_target.code == 2, changed_target.stderr
    assert (
        f"the target changed: approved io:{sandbox.base_url}, now io:{other.base_url}"
        in changed_target.stderr
    )

    assert sandbox.app.calls.count() == 0
    assert other.app.calls.count() == 0
    assert not (tmp_path / "results.csv").exists()

    (tmp_path / "input.csv").write_bytes(csv_bytes)
    job.write_text(original, encoding="utf-8")
    sent = send(job, env={"IO_BATCH_OPERATOR": "Bruno Bianchi"})
    assert sent.code == 0, sent.stderr
    assert sandbox.app.ledger.count() == 5
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert (summary["operator"], summary["approved_by"]) == ("Bruno Bianchi", "Alice Rossi")
    with closing(sqlite3.connect(journal_of(job))) as db:
        assert db.execute("SELECT operator FROM runs").fetchall() == [("Bruno Bianchi",)]
    report = run_io_batch(["report", str(tmp_path / "results.csv"), "--job", str(job)])
    assert report.code == 0, report.stderr
    runs = parse_report(tmp_path / "results.report.html").by("runs", "data-fact")
    assert runs["operator"] == ["operator", "Bruno Bianchi"]
    assert runs["approved by"] == ["approved by", "Alice Rossi"]


def test_a_sandbox_target_is_a_trial_and_needs_no_approval(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, 3, seed=302)
    job.write_text(job.read_text().replace('kind = "io"', 'kind = "sandbox"'), encoding="utf-8")
    ran = run_io_batch(["send", str(job), "--operator", "Bruno"])
    assert ran.code == 0, ran.stderr
    assert sandbox.app.ledger.count() == 3
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert (summary["operator"], summary["approved_by"]) == ("Bruno", "")


def test_a_resume_after_kill_9_is_still_approved(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, 12, seed=303, calls=6, window=1.0, concurrency=2)
    assert approve(job).code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")} | KEY
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "send", str(job), "--operator", "Bruno"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while sandbox.app.ledger.count() < 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert 0 < sandbox.app.ledger.count() < 12

    resumed = send(job, "--operator", "Carla")
    rows = read_rows(tmp_path / "results.csv")
    statuses = Counter(r["status"] for r in rows)
    assert set(statuses) <= {"sent", "unknown"}  # unknown: a submit cut off by the kill
    assert resumed.code == (1 if statuses["unknown"] else 0), resumed.stderr
    codes = [entry.fiscal_code for entry in sandbox.app.ledger.entries()]
    assert len(codes) == len(set(codes))  # nobody twice
    assert {r["fiscal_code"] for r in rows if r["status"] == "sent"} <= set(codes)
    with closing(sqlite3.connect(journal_of(job))) as db:
        assert db.execute("SELECT operator FROM runs").fetchall() == [("Bruno, Carla",)]


def test_a_sharded_send_is_checked_shard_by_shard(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, 8, seed=304, extra=GERMAN + GUARD + "[shards]\ncount = 2\n")
    assert approve(job).code == 0

    (tmp_path / "input.csv").write_bytes((tmp_path / "input.csv").read_bytes() + b"\n")
    refused = send(job, "--shard", "2/2", "--operator", "Bruno")
    assert refused.code == 2, refused.stderr
    assert "the input file" in refused.stderr
    assert sandbox.app.calls.count() == 0

    assert approve(job).code == 0
    first = send(job, "--shard", "1/2", "--operator", "Bruno")
    assert first.code == 0, first.stderr
    whole = send(job, "--operator", "Bruno")  # shard 1 already done, shard 2, then merged
    assert whole.code == 0, whole.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results.csv")].count("sent") >= 1
    assert sandbox.app.ledger.count() == 8
    for shard in ("shard-1-of-2", "shard-2-of-2"):
        summary = json.loads(
            (tmp_path / f"results.{shard}.summary.json").read_text(encoding="utf-8")
        )
        assert summary["approved_by"] == "Alice Rossi"
    merged = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert (merged["operator"], merged["approved_by"]) == ("Bruno", "Alice Rossi")


def test_a_rerun_is_covered_by_the_campaigns_approval(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(ALL_IN)
    job = campaign(tmp_path, sandbox, 4, seed=305)
    text = job.read_text(encoding="utf-8").replace(
        "backoff_base", "max_attempts = 1\nmax_failure_ratio = 1.0\nbackoff_base"
    )
    job.write_text(text, encoding="utf-8")
    results = tmp_path / "results.csv"
    assert approve(job).code == 0
    sandbox.app.set_faults(Faults(submit=OperationFaults(error_ratio=1.0, error_stored=False)))
    failed = send(job, "--operator", "Bruno")
    assert failed.code == 1, failed.stderr
    assert {r["status"] for r in read_rows(results)} == {"failed"}
    sandbox.app.set_faults(Faults())
    rerun_args = ["rerun", str(results), "--job", str(job), "--operator", "Bruno"]

    job.write_text(text.replace("ganzen Weg", "ganzen langen Weg"), encoding="utf-8")
    changed = run_io_batch(rerun_args, env=KEY)
    assert changed.code == 2, changed.stderr
    assert "the template message.de_DE.markdown changed" in changed.stderr

    # The journal that holds the approved input's run is gone: not the approved campaign.
    job.write_text(text, encoding="utf-8")
    journal = journal_of(job)
    journal.rename(tmp_path / "elsewhere.sqlite")
    orphan = run_io_batch(rerun_args, env=KEY)
    assert orphan.code == 2, orphan.stderr
    assert "holds no run of the approved input" in orphan.stderr
    (tmp_path / "elsewhere.sqlite").rename(journal)
    assert sandbox.app.ledger.count() == 0

    rerun = run_io_batch(rerun_args, env=KEY)
    assert rerun.code == 0, rerun.stderr
    assert {r["status"] for r in read_rows(tmp_path / "results-rerun.csv")} == {"sent"}
    assert sandbox.app.ledger.count() == 4
    summary = json.loads((tmp_path / "results-rerun.summary.json").read_text(encoding="utf-8"))
    assert (summary["operator"], summary["approved_by"]) == ("Bruno", "Alice Rossi")
