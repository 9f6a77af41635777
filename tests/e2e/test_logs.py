"""Logs of a whole run: JSON lines with the documented fields, no personal data, no key."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import KeyConfig, SandboxConfig
from tests.helpers.e2e import journal_of, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

KEY = "s3cr3t-key-0123456789abcdef"
FISCAL_CODE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)


def test_a_full_debug_run_logs_json_without_fiscal_codes_or_the_key(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(keys=(KeyConfig(KEY),), rate_calls=None, registered_ratio=0.7)
    )
    rng = random.Random(31)
    codes = [generate(rng) for _ in range(30)]
    rows = [[code, "Ada"] for code in codes]
    rows.append([codes[0].lower(), "Ada"])  # lower case: still personal data
    rows.append(["RSSMRA80A01H501X", "Ada"])  # bad check character: invalid, still masked
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, kind="io")

    ran = run_io_batch(["--log-level", "debug", "send", str(job)], env={"IO_API_KEY": KEY})

    assert ran.code == 1, ran.stderr
    output = ran.stdout + ran.stderr
    assert KEY not in output
    assert FISCAL_CODE.search(output.upper()) is None
    lines = [line for line in ran.stdout.splitlines() if line.strip()]
    events = ran.json_lines()
    assert len(events) == len(lines)  # every stdout line is one JSON object
    for event in events:
        assert {"event", "level", "timestamp"} <= event.keys()
    names = [event["event"] for event in events]
    # Before the run starts, only warnings about the job itself (here its subject's {nome}).
    start = names.index("run.start")
    assert names[:start] == ["subject.personal_data"] and events[0]["level"] == "warning"
    assert names[-1] == "run.summary"
    rows_logged = [event for event in events if event["event"] == "row"]
    assert len(rows_logged) == len(rows)
    assert {"line", "fiscal_code", "status", "reason_code"} <= rows_logged[0].keys()
    assert all(re.fullmatch(r"[A-Z]{3}\*{12}[A-Z0-9]", e["fiscal_code"]) for e in rows_logged)
    summary = events[-1]
    assert summary["counts"]["invalid"] == 1 and summary["rows"] == len(rows)
    assert {"elapsed_s", "calls", "calls_per_s", "throttled", "exit_code"} <= summary.keys()


def test_every_file_a_run_writes_is_owner_only(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None))
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome"],
        [["AAAAAA00A00A000A", "Ada"], ["XXXXXX00X00X000X", "Bad"]],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 1
    assert run_io_batch(["validate", str(job)]).code == 1
    written = [
        tmp_path / "results.csv",
        tmp_path / "results.summary.json",
        journal_of(job),
        tmp_path / "results.errors.csv",
    ]
    for path in written:
        assert path.stat().st_mode & 0o777 == 0o600, path.name
