"""A finished run is given back (issue 26 point 2) only for the same output, input and
settings; an unfinished one resumes; anything else is a new run."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from batch.config.job import load_job
from batch.journal.journal import Journal
from batch.models import Status
from batch.send.run_identity import settings_digest
from tests.helpers.e2e import write_job


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "job.journal.sqlite")


def _finished(journal: Journal, output: Path, digest: str = "in", settings: str = "s") -> str:
    run = journal.start_run(output, digest, settings_digest=settings, replay=True)
    journal.finish_run(run.run_id, interrupted=False)
    return run.run_id


@pytest.mark.parametrize(
    ("output", "digest", "settings", "replay", "given_back"),
    [
        ("out.csv", "in", "s", True, True),
        ("out.csv", "in", "s", False, False),  # --force-resend / --resend-unknown
        ("other.csv", "in", "s", True, False),  # tomorrow's folder
        ("out.csv", "in2", "s", True, False),  # another input
        ("out.csv", "in", "s2", True, False),  # another job file or flags
        ("out.csv", "in", "", True, False),  # settings unknown: never
    ],
)
def test_a_finished_run_is_given_back_only_when_everything_is_the_same(
    journal: Journal,
    tmp_path: Path,
    output: str,
    digest: str,
    settings: str,
    replay: bool,
    given_back: bool,
) -> None:
    first = _finished(journal, tmp_path / "out.csv")
    again = journal.start_run(tmp_path / output, digest, settings_digest=settings, replay=replay)
    assert again.replayed is given_back
    assert (again.run_id == first) is given_back
    assert not again.resumed


def test_an_interrupted_run_resumes_and_a_later_run_hides_an_earlier_finished_one(
    journal: Journal, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    run = journal.start_run(out, "in", settings_digest="s", replay=True)
    journal.finish_run(run.run_id, interrupted=True)
    resumed = journal.start_run(out, "in", settings_digest="s", replay=True)
    assert resumed.resumed and not resumed.replayed and resumed.run_id == run.run_id
    journal.finish_run(resumed.run_id, interrupted=False)
    newer = journal.start_run(out, "in2", settings_digest="s", replay=True)  # still running
    assert not newer.replayed
    journal.finish_run(newer.run_id, interrupted=False)
    # The last run writing out.csv read "in2": a run over "in" again is a new run.
    assert not journal.start_run(out, "in", settings_digest="s", replay=True).replayed


def test_a_journal_of_an_earlier_version_gains_the_column_and_never_replays(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.journal.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, output TEXT NOT NULL, input_digest "
            "TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO runs VALUES ('old', ?, 'in', '2026-01-01T00:00:00.000Z', "
            "'2026-01-01T00:01:00.000Z', 'finished')",
            (str((tmp_path / "out.csv").resolve()),),
        )
    journal = Journal(path)
    run = journal.start_run(tmp_path / "out.csv", "in", settings_digest="s", replay=True)
    assert not run.replayed and run.run_id != "old"


def test_the_settings_are_the_job_file_and_the_flags_that_change_outcomes(
    tmp_path: Path,
) -> None:
    job = load_job(write_job(tmp_path, base_url=None))
    base = settings_digest(job, rerun_statuses=None, submits=True)
    assert base == settings_digest(job, rerun_statuses=None, submits=True)
    assert base != settings_digest(job, rerun_statuses=None, submits=False)
    assert base != settings_digest(job, rerun_statuses=frozenset({Status.FAILED}), submits=True)
    assert base != settings_digest(
        job.with_overrides(separator=";"), rerun_statuses=None, submits=True
    )
    job.source.write_text(job.source.read_text().replace("Gentile", "Caro"), encoding="utf-8")
    assert base != settings_digest(job, rerun_statuses=None, submits=True)
    gone = replace(job, source=tmp_path / "missing.toml")
    assert settings_digest(gone, rerun_statuses=None, submits=True) == ""
