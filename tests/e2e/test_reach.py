"""Issue 15 point 4: ``io-batch reach``: profile checks only, under send's rules, no submit."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig, profile_state
from tests.e2e.stop_scenarios import run_and_stop
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

REACH_BY_STATE = {
    "allowed": "reachable",
    "blocked": "not_allowed",
    "not_registered": "not_registered",
}


def _operations(sandbox) -> Counter[str]:
    return Counter(call.operation for call in sandbox.app.calls.entries())


def test_reach_checks_profiles_only_under_the_budget(tmp_path: Path, sandbox_factory) -> None:
    config = SandboxConfig(
        rate_calls=20, rate_window=1.0, registered_ratio=0.6, blocked_ratio=0.2, seed=5
    )
    sandbox = sandbox_factory(config)
    codes = population(40, seed=41)
    rows = [[code, "Ada"] for code in codes]
    rows.append(["NOT-A-CODE", "Bad"])  # line 42: invalid, no call
    rows.append([codes[0], "Again"])  # line 43: the same citizen: no second call
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=20, window=1.0)

    ran = run_io_batch(["reach", str(job), "--output", str(tmp_path / "reach.csv")])

    assert ran.code == 1, ran.stderr  # the invalid row needs attention
    reach = read_rows(tmp_path / "reach.csv")
    assert list(reach[0])[:5] == ["line", "fiscal_code", "reach", "reason_code", "reason"]
    assert [int(r["line"]) for r in reach] == list(range(2, 44))
    expected = [REACH_BY_STATE[profile_state(code, config)] for code in codes]
    assert [r["reach"] for r in reach[:40]] == expected
    assert reach[40]["reach"] == "invalid"
    assert (reach[41]["reach"], reach[41]["reason_code"]) == (expected[0], "row.same_citizen")
    assert reach[41]["fiscal_code"] == codes[0]
    # Profile checks only, one per distinct valid citizen, never a submit, within budget.
    assert _operations(sandbox) == Counter({"profile": 40})
    assert sandbox.app.ledger.count() == 0
    assert sandbox.app.max_calls_in_window("sandbox-key", 1.0) <= 20
    assert sandbox.app.throttled_count() == 0
    summary = json.loads((tmp_path / "reach.summary.json").read_text(encoding="utf-8"))
    counts = Counter(r["reach"] for r in reach)
    assert summary["counts"] == dict(counts) and summary["rows"] == 42
    assert summary["share_reachable"] == round(counts["reachable"] / 42, 4)
    assert summary["calls"] == 40
    # The default output sits beside the job's results; the working file is gone.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert not (tmp_path / "results.csv").exists()


def test_reach_does_not_stop_a_later_send(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0))
    codes = population(5, seed=42)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    job = write_job(tmp_path, base_url=sandbox.base_url)

    assert run_io_batch(["reach", str(job)]).code == 0
    assert [r["reach"] for r in read_rows(tmp_path / "results-reach.csv")] == ["reachable"] * 5
    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results.csv")] == ["sent"] * 5
    assert sandbox.app.ledger.count() == 5


def test_a_stopped_reach_resumes_without_checking_anyone_twice(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0)
    )
    codes = population(12, seed=43)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=2, window=5.0)

    stopped = run_and_stop(
        ["reach", str(job)], sandbox, lambda s: len(s.app.calls.entries()) >= 1, settle=2.0
    )

    assert stopped.code == 130, stopped.stderr
    first = read_rows(tmp_path / "results-reach.csv")
    checked = [r for r in first if r["reach"] == "reachable"]
    assert 1 <= len(checked) < 12
    assert {r["reach"] for r in first} == {"reachable", "pending"}
    calls_before = len(sandbox.app.calls.entries())
    assert calls_before == len(checked)

    job.write_text(job.read_text(encoding="utf-8").replace("calls = 2", "calls = 60"), "utf-8")
    ran = run_io_batch(["reach", str(job)])

    assert ran.code == 0, ran.stderr
    assert [r["reach"] for r in read_rows(tmp_path / "results-reach.csv")] == ["reachable"] * 12
    assert len(sandbox.app.calls.entries()) == 12  # each citizen checked once in all
    assert _operations(sandbox) == Counter({"profile": 12})
