"""Issue 24, point 1: a message counts as sent only on the target it was sent to.

Each test runs ``io-batch`` as a subprocess. The "live" target is a sandbox started
apart on 127.0.0.1 and named with ``kind = "io"`` (plain http is allowed on loopback),
so the sandbox's ledger says what that target really received.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.config.choices import TargetKind
from batch.config.job_sections import Target
from batch.config.target_identity import target_identity
from batch.sandbox import KeyConfig, SandboxConfig
from tests.e2e.stop_scenarios import start_io_batch
from tests.helpers.e2e import journal_of, population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

REACHABLE = SandboxConfig(
    rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.1
)
KEY = {"IO_API_KEY": "sandbox-key"}


def identity(kind: str, base_url: str | None) -> str:
    return target_identity(Target(kind=TargetKind(kind), base_url=base_url))


def campaign(folder: Path, count: int, seed: int) -> list[str]:
    codes = list(dict.fromkeys(population(count * 2, seed)))[:count]
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in codes])
    return codes


def point(folder: Path, kind: str, base_url: str | None, extra: str = "") -> Path:
    """The same job (same [job] name), pointed at another target."""
    return write_job(folder, base_url=base_url, kind=kind, calls=None, extra=extra)


def statuses(path: Path) -> Counter[str]:
    return Counter(row["status"] for row in read_rows(path))


def event(ran: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in ran.json_lines() if e["event"] == name)
    return found


def summary(results: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        results.with_name(f"{results.stem}.summary.json").read_text(encoding="utf-8")
    )
    return loaded


def test_a_sandbox_trial_never_makes_the_live_send_already_sent(
    tmp_path: Path, sandbox_factory
) -> None:
    codes = campaign(tmp_path, 30, seed=2401)
    job = point(tmp_path, "sandbox", None)  # the demo's way: the embedded sandbox
    trial = run_io_batch(["send", str(job), "--output", str(tmp_path / "trial.csv")])
    assert trial.code in (0, 1), trial.stderr
    trial_rows = read_rows(tmp_path / "trial.csv")
    assert Counter(row["status"] for row in trial_rows)["sent"] >= 20
    assert {row["target"] for row in trial_rows} == {"sandbox:embedded"}

    live = sandbox_factory(REACHABLE)
    job = point(tmp_path, "io", live.base_url)
    here = identity("io", live.base_url)
    first = run_io_batch(["send", str(job)], env=KEY)
    assert first.code == 0, first.stderr
    results = tmp_path / "results.csv"
    assert statuses(results) == {"sent": 30}
    assert sorted(entry.fiscal_code for entry in live.app.ledger.entries()) == sorted(codes)
    assert {row["target"] for row in read_rows(results)} == {here}
    assert summary(results)["target"] == here
    start = event(first, "run.start")
    assert start["target"] == here and start["journal"] == str(journal_of(job))
    assert event(trial, "run.start")["journal"] != start["journal"]

    # The live journal works as before: another night, another --output, nothing again.
    again = run_io_batch(["send", str(job), "--output", str(tmp_path / "night2.csv")], env=KEY)
    assert again.code == 0, again.stderr
    assert statuses(tmp_path / "night2.csv") == {"already_sent": 30}
    assert live.app.ledger.count() == 30
    # And the sandbox's own journal still remembers its trial.
    job = point(tmp_path, "sandbox", None)
    back = run_io_batch(["send", str(job), "--output", str(tmp_path / "trial2.csv")])
    trial_sent = Counter(row["status"] for row in trial_rows)["sent"]
    assert statuses(tmp_path / "trial2.csv")["already_sent"] == trial_sent, back.stderr


def test_rotating_the_api_key_keeps_the_journal(tmp_path: Path, sandbox_factory) -> None:
    keys = (
        KeyConfig("primary-key", service_id="svc"),
        KeyConfig("secondary-key", service_id="svc"),
    )
    live = sandbox_factory(
        SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, keys=keys)
    )
    campaign(tmp_path, 12, seed=2402)
    job = point(tmp_path, "io", live.base_url)
    assert run_io_batch(["send", str(job)], env={"IO_API_KEY": "primary-key"}).code == 0
    rotated = (
        point(tmp_path, "io", live.base_url)
        .read_text()
        .replace('kind = "io"', 'kind = "io"\napi_key_env = "IO_SECONDARY_KEY"')
    )
    job.write_text(rotated, encoding="utf-8")
    ran = run_io_batch(
        ["send", str(job), "--output", str(tmp_path / "b.csv")],
        env={"IO_SECONDARY_KEY": "secondary-key"},
    )
    assert ran.code == 0, ran.stderr
    assert statuses(tmp_path / "b.csv") == {"already_sent": 12}
    assert live.app.ledger.count() == 12
    assert live.app.calls.count("secondary-key") == 0  # not even a profile check


def test_another_io_target_asks_which_environment_it_is(tmp_path: Path, sandbox_factory) -> None:
    first, second = sandbox_factory(REACHABLE), sandbox_factory(REACHABLE)
    campaign(tmp_path, 10, seed=2403)
    job = point(tmp_path, "io", first.base_url)
    assert run_io_batch(["send", str(job)], env=KEY).code == 0
    job = point(tmp_path, "io", second.base_url)
    refused = run_io_batch(["send", str(job)], env=KEY)
    assert refused.code == 2
    for name in (identity("io", first.base_url), identity("io", second.base_url)):
        assert name in refused.stderr
    assert "--same-environment" in refused.stderr and "--new-environment" in refused.stderr
    assert second.app.calls.count() == 0
    # Another environment: its own journal, every message goes out there.
    new = run_io_batch(["send", str(job), "--new-environment"], env=KEY)
    assert new.code == 0, new.stderr
    assert statuses(tmp_path / "results.csv") == {"sent": 10} and second.app.ledger.count() == 10
    assert run_io_batch(["send", str(job)], env=KEY).code == 0  # chosen once, for good
    assert second.app.ledger.count() == 10


def test_the_same_environment_at_another_address_takes_the_journal_over(
    tmp_path: Path, sandbox_factory
) -> None:
    gateway = sandbox_factory(REACHABLE)
    campaign(tmp_path, 10, seed=2404)
    job = point(tmp_path, "io", gateway.base_url)
    assert run_io_batch(["send", str(job)], env=KEY).code == 0
    old_journal = journal_of(job)
    # The same sandbox under another spelling of its address (as api-mtls is to api).
    other_address = gateway.base_url.replace("127.0.0.1", "localhost")
    job = point(tmp_path, "io", other_address)
    ran = run_io_batch(["send", str(job), "--same-environment"], env=KEY)
    assert ran.code == 0, ran.stderr
    assert statuses(tmp_path / "results.csv") == {"already_sent": 10}
    assert gateway.app.ledger.count() == 10
    assert event(ran, "journal.taken_over")["previous_target"] == identity("io", gateway.base_url)
    assert journal_of(job).is_file() and not old_journal.exists()


def test_verify_and_rerun_refuse_results_made_on_another_target(
    tmp_path: Path, sandbox_factory
) -> None:
    first = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=0.5, seed=3))
    second = sandbox_factory(REACHABLE)
    campaign(tmp_path, 16, seed=2405)
    job = point(tmp_path, "io", first.base_url)
    made = tmp_path / "out" / "results.csv"
    assert run_io_batch(["send", str(job), "--output", str(made)], env=KEY).code == 0
    # On its own target both work (the rerun sends nothing the journal holds).
    verified = run_io_batch(["verify", str(made), "--job", str(job)], env=KEY)
    assert verified.code in (0, 1), verified.stderr
    assert summary(tmp_path / "out" / "results.verify.csv")["target"] == identity(
        "io", first.base_url
    )
    rerun = run_io_batch(["rerun", str(made), "--job", str(job)], env=KEY)
    assert rerun.code in (0, 1), rerun.stderr
    rerun_rows = read_rows(tmp_path / "out" / "results-rerun.csv")
    assert {row["target"] for row in rerun_rows} == {identity("io", first.base_url)}

    job = point(tmp_path, "sandbox", second.base_url)
    names = (identity("io", first.base_url), identity("sandbox", second.base_url))
    for command in (["verify", str(made)], ["rerun", str(made), "--include-not-registered"]):
        refused = run_io_batch([*command, "--job", str(job)], env=KEY)
        assert refused.code == 2, refused.stderr
        assert all(name in refused.stderr for name in names), refused.stderr
    assert second.app.calls.count() == 0


def test_merge_refuses_shards_of_another_target(tmp_path: Path, sandbox_factory) -> None:
    first, second = sandbox_factory(REACHABLE), sandbox_factory(REACHABLE)
    campaign(tmp_path, 12, seed=2406)
    shards = "[shards]\ncount = 2\n"
    job = point(tmp_path, "sandbox", first.base_url, extra=shards)
    for index in (1, 2):
        assert run_io_batch(["send", str(job), "--shard", f"{index}/2"]).code == 0
    job = point(tmp_path, "io", second.base_url, extra=shards)
    refused = run_io_batch(["merge", str(job)], env=KEY)
    assert refused.code == 2 and identity("sandbox", first.base_url) in refused.stderr
    assert identity("io", second.base_url) in refused.stderr
    job = point(tmp_path, "sandbox", first.base_url, extra=shards)
    merged = run_io_batch(["merge", str(job)])
    assert merged.code == 0, merged.stderr
    assert summary(tmp_path / "results.csv")["target"] == identity("sandbox", first.base_url)
    assert {row["target"] for row in read_rows(tmp_path / "results.csv")} == {
        identity("sandbox", first.base_url)
    }
    # The sharded journals of the first target do not stand in the second's way.
    job = point(tmp_path, "io", second.base_url, extra=shards)
    ran = run_io_batch(["send", str(job)], env=KEY)
    assert ran.code == 0, ran.stderr
    assert second.app.ledger.count() == 12 and statuses(tmp_path / "results.csv") == {"sent": 12}


def test_reach_checks_again_on_another_target(tmp_path: Path, sandbox_factory) -> None:
    live = sandbox_factory(REACHABLE)
    campaign(tmp_path, 8, seed=2407)
    job = point(tmp_path, "sandbox", None)
    assert run_io_batch(["reach", str(job)]).code in (0, 1)
    job = point(tmp_path, "io", live.base_url)
    ran = run_io_batch(["reach", str(job)], env=KEY)
    assert ran.code == 0, ran.stderr
    assert live.app.calls.count() == 8  # every citizen checked on this target
    reach = json.loads((tmp_path / "results-reach.summary.json").read_text(encoding="utf-8"))
    assert reach["target"] == identity("io", live.base_url)
    assert reach["counts"] == {"reachable": 8}


def test_a_killed_run_resumes_only_on_its_own_target(tmp_path: Path, sandbox_factory) -> None:
    trial, live = sandbox_factory(REACHABLE), sandbox_factory(REACHABLE)
    codes = campaign(tmp_path, 12, seed=2408)
    slow = write_job(tmp_path, base_url=trial.base_url, calls=2, window=1.0, concurrency=2)
    process = start_io_batch(["send", str(slow)])
    deadline = time.monotonic() + 60
    while trial.app.ledger.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    sent_on_trial = trial.app.ledger.count()
    assert 2 <= sent_on_trial < 12

    job = point(tmp_path, "io", live.base_url)
    ran = run_io_batch(["send", str(job)], env=KEY)
    assert ran.code == 0, ran.stderr
    assert statuses(tmp_path / "results.csv") == {"sent": 12}
    assert sorted(e.fiscal_code for e in live.app.ledger.entries()) == sorted(codes)
    start = event(ran, "run.start")
    assert start["resumed"] is False and start["already_done"] == 0

    point(tmp_path, "sandbox", trial.base_url)
    back = run_io_batch(["send", str(job)])
    assert back.code in (0, 1), back.stderr
    assert event(back, "run.start")["resumed"] is True
    stored = [e.fiscal_code for e in trial.app.ledger.entries()]
    assert len(stored) == len(set(stored))  # resumed: nothing sent twice on the trial
    assert set(statuses(tmp_path / "results.csv")) <= {"sent", "unknown"}


def test_a_journal_from_before_targets_is_adopted_for_the_job_s_target(
    tmp_path: Path, sandbox_factory
) -> None:
    live = sandbox_factory(REACHABLE)
    campaign(tmp_path, 10, seed=2409)
    job = point(tmp_path, "io", live.base_url)
    assert run_io_batch(["send", str(job)], env=KEY).code == 0
    # Make it a journal of the last version: no target recorded, beside the results.
    journal = journal_of(job)
    with sqlite3.connect(journal) as db:
        db.execute("DROP TABLE meta")
    old = tmp_path / journal.name
    shutil.move(journal, old)
    refused = run_io_batch(["send", str(job)], env=KEY)
    assert refused.code == 2 and "beside the results" in refused.stderr
    state = journal.parent.parent
    assert str(state) in refused.stderr

    shutil.move(old, state / old.name)  # as the hint says
    ran = run_io_batch(["send", str(job), "--output", str(tmp_path / "again.csv")], env=KEY)
    assert ran.code == 0, ran.stderr
    assert statuses(tmp_path / "again.csv") == {"already_sent": 10}
    assert live.app.ledger.count() == 10
    adopted = event(ran, "journal.adopted")
    assert adopted["target"] == identity("io", live.base_url)
    assert journal.is_file() and not (state / old.name).exists()
