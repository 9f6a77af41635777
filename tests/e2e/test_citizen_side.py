"""The citizen's side, end to end: their language, and their night (quiet hours).

io-batch runs as a subprocess against the sandbox on 127.0.0.1. Quiet hours run on a
shifted wall clock (``IO_BATCH_FAKE_NOW``, test-only): the run starts a few seconds
before the window ends, so no test sleeps through a night.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from batch.config.schedule import ZONE
from batch.sandbox import SandboxConfig
from batch.sandbox.population import preferred_languages
from batch.send.languages import pick_language
from tests.helpers.e2e import REPO, population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_IN = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
LANGUAGES = """
[message.de_DE]
subject = "Mitteilung für {nome}: Frist"
markdown = "Sehr geehrte/r {nome}, dies ist eine Testnachricht von io-batch, für den ganzen Weg."
[message.en_GB]
subject = "Notice for {nome}: deadline"
markdown = "Dear {nome}, this is a test message sent by io-batch to check the whole way through it."
"""
OPENING = {"it_IT": "Avviso per", "de_DE": "Mitteilung für", "en_GB": "Notice for"}
DEADLINE = {"it_IT": "scadenza", "de_DE": "Frist", "en_GB": "deadline"}
BODY = {"it_IT": "Gentile", "de_DE": "Sehr geehrte/r", "en_GB": "Dear"}
QUIET = '[schedule]\nquiet_hours = "21:00-08:00"\n'
INTERRUPTED, QUIET_HOURS = 130, 75


def with_section(job: Path, text: str) -> Path:
    job.write_text(job.read_text(encoding="utf-8") + text, encoding="utf-8")
    return job


def fake_now(before_morning: float) -> str:
    """An instant ``before_morning`` seconds before 08:00 in Rome, for IO_BATCH_FAKE_NOW."""
    morning = datetime.now(ZONE).replace(hour=8, minute=0, second=0, microsecond=0)
    return (morning - timedelta(seconds=before_morning)).isoformat()


def at_eight(text: str) -> bool:
    """Is this instant 08:00 in Rome (CET or CEST, whatever the season)?"""
    local = datetime.fromisoformat(text).astimezone(ZONE)
    return (local.hour, local.minute, local.second) == (8, 0, 0)


def test_a_three_language_job_sends_each_citizen_their_language(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    codes = population(60, seed=191)
    hints = ["de_DE" if index % 4 == 0 else "" for index in range(len(codes))]
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome", "lingua"],
        [
            [code, f"Persona{i}", hint]
            for i, (code, hint) in enumerate(zip(codes, hints, strict=True))
        ],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    text = job.read_text(encoding="utf-8").replace(
        'fiscal_code = "codice_fiscale"', 'fiscal_code = "codice_fiscale"\nlanguage = "lingua"'
    )
    job.write_text(text + LANGUAGES, encoding="utf-8")

    ran = run_io_batch(["send", str(job)])
    assert ran.code == 0, ran.stderr

    ledger = {entry.fiscal_code: entry for entry in sandbox.app.ledger.entries()}
    assert len(ledger) == 60
    rows = read_rows(tmp_path / "results.csv")
    used: Counter[str] = Counter()
    for row, code, hint in zip(rows, codes, hints, strict=True):
        profile = preferred_languages(code, ALL_IN)
        expected = pick_language(profile, ["it_IT", "de_DE", "en_GB"], hint, "it_IT")
        assert row["language"] == expected
        entry = ledger[code]
        assert entry.message_id == row["message_id"]
        name = row["input.nome"]
        assert entry.subject == f"{OPENING[expected]} {name}: {DEADLINE[expected]}"
        assert entry.markdown.startswith(f"{BODY[expected]} {name},")
        used[expected] += 1
    assert set(used) == {"it_IT", "de_DE", "en_GB"}
    # The column decided where the profile named no language the job has.
    assert any(
        hint and not preferred_languages(code, ALL_IN)
        for code, hint in zip(codes, hints, strict=True)
    )

    again = run_io_batch(["send", str(job), "--output", str(tmp_path / "tomorrow.csv")])
    assert again.code == 0, again.stderr
    assert {row["status"] for row in read_rows(tmp_path / "tomorrow.csv")} == {"already_sent"}
    assert sandbox.app.ledger.count() == 60


def test_a_job_inside_quiet_hours_sends_nothing_until_the_window_ends(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    codes = population(20, seed=192)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    job = with_section(write_job(tmp_path, base_url=sandbox.base_url, calls=None), QUIET)
    lead = 3.0
    started = time.monotonic()
    ran = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": fake_now(lead)})
    assert ran.code == 0, ran.stderr
    calls = sandbox.app.calls.entries()
    assert len(calls) == 40
    # The run's clock started at 07:59:57 when the process did, after `started`.
    assert min(call.t for call in calls) >= started + lead
    assert Counter(row["status"] for row in read_rows(tmp_path / "results.csv")) == {"sent": 20}
    assert sandbox.app.ledger.count() == 20
    events = ran.json_lines()
    waits = [event for event in events if event["event"] == "quiet_hours.wait"]
    assert len(waits) == 1 and at_eight(waits[0]["until"])
    assert [e["event"] for e in events].count("quiet_hours.end") == 1
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert lead - 1.0 <= summary["quiet_hours_wait_s"] <= lead + 1.0
    assert summary["exit_code"] == 0


def test_sigterm_during_the_wait_exits_130_and_the_next_run_resumes(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    codes = population(12, seed=193)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    job = with_section(
        write_job(tmp_path, base_url=sandbox.base_url, calls=None, concurrency=4),
        QUIET + "profile_checks_in_quiet_hours = true\n",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    env["IO_BATCH_FAKE_NOW"] = fake_now(3600.0)  # an hour of night left
    process = subprocess.Popen(
        [sys.executable, "-m", "batch", "--log-format", "json", "send", str(job)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    # Ready: each of the 4 workers has checked its row's profile and holds its submit.
    while sandbox.app.calls.count() < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == INTERRUPTED, stderr
    assert {call.operation for call in sandbox.app.calls.entries()} == {"profile"}
    assert sandbox.app.ledger.count() == 0
    rows = read_rows(tmp_path / "results.csv")
    assert Counter(row["status"] for row in rows) == {"pending": 12}
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["quiet_hours_wait_s"] > 0

    # A minute after the window ends.
    resumed = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": fake_now(-60.0)})
    assert resumed.code == 0, resumed.stderr
    assert any(e["event"] == "run.start" and e["resumed"] for e in resumed.json_lines())
    assert Counter(row["status"] for row in read_rows(tmp_path / "results.csv")) == {"sent": 12}
    ledger = sandbox.app.ledger.entries()
    assert sorted(entry.fiscal_code for entry in ledger) == sorted(codes)  # each once


def test_on_quiet_hours_stop_exits_75_and_the_next_run_resumes(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(ALL_IN)
    codes = population(8, seed=194)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    job = with_section(
        write_job(tmp_path, base_url=sandbox.base_url, calls=None),
        QUIET + 'on_quiet_hours = "stop"\n',
    )
    stopped = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": fake_now(3600.0)})
    assert stopped.code == QUIET_HOURS, stopped.stderr
    assert sandbox.app.calls.count() == 0
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert at_eight(summary["stopped_for_quiet_hours_until"])
    assert summary["counts"] == {"pending": 8}
    resumed = run_io_batch(["send", str(job)], env={"IO_BATCH_FAKE_NOW": fake_now(-60.0)})
    assert resumed.code == 0, resumed.stderr
    assert sandbox.app.ledger.count() == 8
