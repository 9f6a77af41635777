"""Issue 26 (points 1, 2, 3, 7, 11): every restart and every night lands right.

- merge finds the shards beside ``--output`` and refuses a shard file that is not that
  shard's latest run of its input (1); it names every shard it cannot merge (3);
- a run killed with SIGKILL after writing its summary, restarted, gives back the same
  results with no call (2), sharded or not; another input to the same output is a new run;
- the old journal beside the job file's own ``[output] path`` is found whatever
  ``--output`` says (7);
- the ``reach.summary`` event carries the error of an exit-2 reach (11).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import REPO, population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

SANDBOX = SandboxConfig(
    rate_calls=None, registered_ratio=0.7, blocked_ratio=0.1, seed=26, processing_delay=0.0
)
HEADER = ["codice_fiscale", "nome"]
OUTCOME = ("line", "fiscal_code", "status", "reason_code", "message_id", "run_id")


def _people(path: Path, count: int, seed: int) -> list[str]:
    codes = population(count, seed)
    write_csv(path, HEADER, [[code, f"Nome{index}"] for index, code in enumerate(codes)])
    return codes


def _calls(sandbox) -> int:
    return len(sandbox.app.calls.entries())


def _event(ran, name: str) -> dict:
    return next(line for line in ran.json_lines() if line.get("event") == name)


def _outcomes(path: Path) -> list[tuple[str, ...]]:
    return [tuple(row[name] for name in OUTCOME) for row in read_rows(path)]


# -- point 1 and 3: merge ------------------------------------------------------------


def test_merge_takes_the_shards_beside_output_and_refuses_stale_ones(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SANDBOX)
    night1 = _people(tmp_path / "input.csv", 12, seed=1)
    night2 = _people(tmp_path / "night2.csv", 9, seed=2)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, extra="[shards]\ncount = 2\n")
    for index in (1, 2):  # night 1: the job's own input and output
        assert run_io_batch(["send", str(job), "--shard", f"{index}/2"]).code in (0, 1)
    output = tmp_path / "night2" / "results.csv"
    output.parent.mkdir()
    tonight = ["--input", str(tmp_path / "night2.csv"), "--output", str(output)]
    for index in (1, 2):
        assert run_io_batch(["send", str(job), "--shard", f"{index}/2", *tonight]).code in (0, 1)

    merged = run_io_batch(["merge", str(job), "--output", str(output)])
    assert merged.code in (0, 1), merged.stderr
    codes = [row["fiscal_code"] for row in read_rows(output)]
    assert sorted(codes) == sorted(night2) and len(codes) == 9
    assert json.loads((output.parent / "results.summary.json").read_text())["rows"] == 9

    # Without --output the job's own output still merges night 1's shards.
    merged = run_io_batch(["merge", str(job)])
    assert merged.code in (0, 1), merged.stderr
    assert sorted(row["fiscal_code"] for row in read_rows(tmp_path / "results.csv")) == sorted(
        night1
    )

    # Night 2's input sent again by shard 1 into night 3: night 2's shard 1 file is no
    # longer shard 1's latest run of that input, and merging night 2 is refused.
    night3 = tmp_path / "night3" / "results.csv"
    night3.parent.mkdir()
    again = ["--input", str(tmp_path / "night2.csv"), "--output", str(night3)]
    assert run_io_batch(["send", str(job), "--shard", "1/2", *again]).code in (0, 1)
    before = output.read_bytes()
    refused = run_io_batch(["merge", str(job), "--output", str(output)])
    assert refused.code == 2, refused.stderr
    assert "shard 1/2" in refused.stderr and str(night3.parent) in refused.stderr
    assert "shard 2/2" not in refused.stderr
    assert output.read_bytes() == before

    # --shards-of names where the shards are when the merged file goes elsewhere.
    elsewhere = tmp_path / "merged.csv"
    ran = run_io_batch(["merge", str(job), "--output", str(elsewhere), "--shards-of", str(night3)])
    assert ran.code == 2 and "shard 2/2 has no results file" in ran.stderr

    # Every shard in turn in one process, to another --output: merged beside it.
    laptop = tmp_path / "laptop" / "results.csv"
    laptop.parent.mkdir()
    ran = run_io_batch(
        ["send", str(job), "--input", str(tmp_path / "night2.csv"), "--output", str(laptop)]
    )
    assert ran.code in (0, 1), ran.stderr
    assert sorted(row["fiscal_code"] for row in read_rows(laptop)) == sorted(night2)


def test_merge_names_every_unfinished_shard(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SANDBOX)
    _people(tmp_path / "input.csv", 9, seed=3)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, extra="[shards]\ncount = 3\n")
    assert run_io_batch(["send", str(job), "--shard", "2/3"]).code in (0, 1)
    refused = run_io_batch(["merge", str(job)])
    assert refused.code == 2
    assert "2 of the 3 shards cannot be merged" in refused.stderr
    assert "shard 1/3 has no results file" in refused.stderr
    assert "shard 3/3 has no results file" in refused.stderr
    assert "--shard 1/3" in refused.stderr and "--shard 3/3" in refused.stderr
    assert not (tmp_path / "results.csv").exists()


# -- point 2: killed after its summary, restarted ------------------------------------


def _send_killed_after_summary(args: list[str], summary: Path) -> None:
    """Run io-batch and SIGKILL it the moment its summary exists (before it exits)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not summary.exists():
        assert process.poll() is None and time.monotonic() < deadline, "ended with no summary"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.parametrize("shard", [None, "1/2"], ids=["unsharded", "shard"])
def test_a_run_killed_after_its_summary_restarts_to_the_same_results_with_no_call(
    tmp_path: Path, sandbox_factory, shard: str | None
) -> None:
    sandbox = sandbox_factory(SANDBOX)
    _people(tmp_path / "input.csv", 24, seed=4)
    extra = "" if shard is None else "[shards]\ncount = 2\n"
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, extra=extra)
    flags = [] if shard is None else ["--shard", shard]
    stem = "results" if shard is None else "results.shard-1-of-2"
    results, summary = tmp_path / f"{stem}.csv", tmp_path / f"{stem}.summary.json"
    _send_killed_after_summary(["send", str(job), *flags], summary)
    first, first_summary = _outcomes(results), json.loads(summary.read_text())
    calls, ledger = _calls(sandbox), sandbox.app.ledger.count()
    assert {row[2] for row in first} >= {"sent", "not_registered"}

    restarted = run_io_batch(["send", str(job), *flags])
    assert restarted.code == first_summary["exit_code"], restarted.stderr
    assert _calls(sandbox) == calls and sandbox.app.ledger.count() == ledger
    assert _outcomes(results) == first  # still "sent", same ids, same run
    again = json.loads(summary.read_text())
    assert again["replayed"] is True and again["run_id"] == first_summary["run_id"]
    assert again["counts"] == first_summary["counts"] and again["calls"] == 0
    if shard is not None:  # the other shard, then the merge: one run's results
        assert run_io_batch(["send", str(job), "--shard", "2/2"]).code in (0, 1)
        assert run_io_batch(["merge", str(job)]).code in (0, 1)
        assert len(read_rows(tmp_path / "results.csv")) == 24


def test_a_new_input_to_the_same_output_is_a_new_run(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(replace_ratio(SANDBOX))
    old = _people(tmp_path / "input.csv", 6, seed=5)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 0
    new = population(4, seed=6)
    rows = [[code, f"Nome{index}"] for index, code in enumerate(old)]  # as last night
    write_csv(tmp_path / "input.csv", HEADER, [*rows, *([code, "Nuovo"] for code in new)])
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 0, ran.stderr
    statuses = {row["fiscal_code"]: row["status"] for row in read_rows(tmp_path / "results.csv")}
    assert {statuses[code] for code in old} == {"already_sent"}
    assert {statuses[code] for code in new} == {"sent"}
    assert sandbox.app.ledger.count() == 10
    assert _event(ran, "run.summary")["replayed"] is False
    # --force-resend is the operator's word: never given back, sent again.
    forced = run_io_batch(["send", str(job), "--force-resend"])
    assert forced.code == 0 and sandbox.app.ledger.count() == 20
    assert _event(forced, "run.summary")["replayed"] is False
    # The same input and output, the job's text corrected: another message, a new run.
    job.write_text(job.read_text().replace("Gentile", "Caro"), encoding="utf-8")
    corrected = run_io_batch(["send", str(job)])
    assert corrected.code == 0 and _event(corrected, "run.summary")["replayed"] is False
    assert sandbox.app.ledger.count() == 30


def replace_ratio(config: SandboxConfig) -> SandboxConfig:
    return replace(config, registered_ratio=1.0, blocked_ratio=0.0)


# -- point 7: the old journal beside the job's own output ----------------------------


def test_the_old_journal_beside_the_jobs_output_is_found_whatever_output_says(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(replace_ratio(SANDBOX))
    _people(tmp_path / "input.csv", 5, seed=7)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None, output_name="out/results.csv")
    (tmp_path / "out").mkdir()
    # An earlier version kept the journal beside the results: out/e2e.journal.sqlite.
    env = {"IO_BATCH_STATE_DIR": str(tmp_path / "out")}
    assert run_io_batch(["send", str(job)], env=env).code == 0
    (made,) = (tmp_path / "out").glob("*/e2e.journal.sqlite")  # the target's folder
    for part in made.parent.glob("e2e.journal.sqlite*"):  # with its -wal and -shm
        part.rename(tmp_path / "out" / part.name)
    made.parent.rmdir()
    assert (tmp_path / "out" / "e2e.journal.sqlite").exists()
    assert sandbox.app.ledger.count() == 5

    (tmp_path / "elsewhere").mkdir()
    ran = run_io_batch(["send", str(job), "--output", str(tmp_path / "elsewhere" / "r.csv")])
    assert ran.code == 2, ran.stderr
    assert str(tmp_path / "out" / "e2e.journal.sqlite") in ran.stderr
    assert sandbox.app.ledger.count() == 5 and not (tmp_path / "state").exists()


# -- point 11: the reach.summary event carries the error -----------------------------


def test_the_reach_summary_event_says_the_error_the_file_says(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=None, registered_ratio=0.0, processing_delay=0.0)
    )
    _people(tmp_path / "input.csv", 12, seed=8)
    job = write_job(
        tmp_path,
        base_url=sandbox.base_url,
        calls=None,
        concurrency=1,
        extra="",
    )
    job.write_text(
        job.read_text().replace("[target]\n", "[target]\nnot_registered_guard = 5\n"), "utf-8"
    )
    ran = run_io_batch(["reach", str(job)])
    assert ran.code == 2, ran.stderr
    event = _event(ran, "reach.summary")
    written = json.loads((tmp_path / "results-reach.summary.json").read_text())
    assert "the first 5 profile checks all answered 404" in written["error"]
    assert event["error"] == written["error"] and event["exit_code"] == written["exit_code"] == 2


def test_rerun_and_reach_restarted_after_they_finished_make_no_call(
    tmp_path: Path, sandbox_factory
) -> None:
    """The neighbours of point 2: a rerun and a reach given back as a send is."""
    sandbox = sandbox_factory(SANDBOX)
    _people(tmp_path / "input.csv", 16, seed=10)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 0
    rerun = ["rerun", str(tmp_path / "results.csv"), "--job", str(job), "--include-not-registered"]
    first = run_io_batch(rerun)
    assert first.code == 0, first.stderr
    assert _event(first, "run.summary")["calls"] > 0  # the not registered rows, checked again
    rows, calls = _outcomes(tmp_path / "results-rerun.csv"), _calls(sandbox)
    again = run_io_batch(rerun)  # the rerun restarted
    assert again.code == 0 and _event(again, "run.summary")["replayed"] is True
    assert _outcomes(tmp_path / "results-rerun.csv") == rows and _calls(sandbox) == calls

    reach = run_io_batch(["reach", str(job)])
    assert reach.code == 0, reach.stderr
    checked, calls = (tmp_path / "results-reach.csv").read_bytes(), _calls(sandbox)
    assert _event(reach, "reach.summary")["calls"] > 0
    again = run_io_batch(["reach", str(job)])
    assert again.code == 0 and _event(again, "reach.summary")["calls"] == 0
    assert (tmp_path / "results-reach.csv").read_bytes() == checked and _calls(sandbox) == calls
