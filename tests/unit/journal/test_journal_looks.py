"""The looks other commands take into a journal, without its lock and without writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from batch.journal.journal import Journal
from batch.journal.looks import JournalRun, holds_rows, ran_input, recorded_run
from batch.models import Outcome, Status


def _journal_with_a_finished_run(path: Path) -> str:
    journal = Journal(path)
    run = journal.start_run(path.with_name("results.csv"), "digest-1")
    journal.record(run.run_id, 2, "RSSMRA85T10A562S", "", Outcome(Status.INVALID, "x", "y"))
    journal.finish_run(run.run_id, interrupted=False)
    journal.close()
    return run.run_id


def test_the_report_reads_a_run_as_the_journal_recorded_it(tmp_path: Path) -> None:
    path = tmp_path / "job.journal.sqlite"
    run_id = _journal_with_a_finished_run(path)
    found = recorded_run(path, run_id)
    assert isinstance(found, JournalRun)
    assert (found.input_digest, found.state) == ("digest-1", "finished")
    assert found.finished_at != ""
    assert recorded_run(path, "no-such-run") is None


def test_the_report_s_read_only_look_never_makes_a_journal(tmp_path: Path) -> None:
    """``mode=ro``: a missing journal is an error to the report (a gap in its page),
    never an empty file created where the job's journal should be."""
    missing = tmp_path / "gone.journal.sqlite"
    with pytest.raises(sqlite3.Error):
        recorded_run(missing, "any")
    assert not missing.exists()


def test_a_journal_read_only_on_disk_can_still_be_read_by_the_report(tmp_path: Path) -> None:
    path = tmp_path / "job.journal.sqlite"
    run_id = _journal_with_a_finished_run(path)
    path.chmod(0o400)
    try:
        found = recorded_run(path, run_id)
    finally:
        path.chmod(0o600)
    assert found is not None and found.state == "finished"


def test_the_looks_of_approve_and_the_layout_guard(tmp_path: Path) -> None:
    path = tmp_path / "job.journal.sqlite"
    _journal_with_a_finished_run(path)
    assert ran_input(path, "digest-1") is True
    assert ran_input(path, "digest-2") is False
    assert holds_rows(path) is True
    empty = tmp_path / "empty.journal.sqlite"
    Journal(empty).close()
    assert holds_rows(empty) is False
