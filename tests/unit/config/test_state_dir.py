"""Where a job's journal lives: with the job, whatever --output says."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.config.job import parse_job
from batch.config.state_dir import STATE_DIR_ENV, journal_location
from batch.errors import ConfigError


def job_in(folder: Path, *, output: str = "out/2026-11-30/results.csv", state_dir: str = ""):
    section = {"path": output} | ({"state_dir": state_dir} if state_dir else {})
    return parse_job(
        {
            "job": {"name": "tari"},
            "input": {"path": "in.csv"},
            "output": section,
            "message": {"subject": "Soggetto abcdef", "markdown": "m" * 80},
            "target": {"kind": "sandbox"},
        },
        source=folder / "jobs" / "tari.toml",
    )


def test_the_default_is_beside_the_job_file_whatever_the_output(tmp_path: Path) -> None:
    job = job_in(tmp_path)
    night1 = journal_location(job, {})
    night2 = journal_location(
        job.with_overrides(output=tmp_path / "out" / "2026-12-01" / "results.csv"), {}
    )
    assert night1.path == night2.path == tmp_path / "jobs" / "state" / "tari.journal.sqlite"
    assert "beside the job file" in night1.source


def test_the_environment_then_the_job_file_override_it(tmp_path: Path) -> None:
    environ = {STATE_DIR_ENV: str(tmp_path / "volume" / "state")}
    from_env = journal_location(job_in(tmp_path), environ)
    assert from_env.path == tmp_path / "volume" / "state" / "tari.journal.sqlite"
    assert STATE_DIR_ENV in from_env.source
    from_job = journal_location(job_in(tmp_path, state_dir="/srv/state"), environ)
    assert from_job.path == Path("/srv/state/tari.journal.sqlite")
    assert "[output] state_dir" in from_job.source
    assert journal_location(job_in(tmp_path), {STATE_DIR_ENV: "  "}).path.parent.name == "state"


def test_a_journal_left_beside_the_results_is_never_silently_replaced(tmp_path: Path) -> None:
    job = job_in(tmp_path, output="out/results.csv")
    old = tmp_path / "jobs" / "out" / "tari.journal.sqlite"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    with pytest.raises(ConfigError, match="beside the results") as raised:
        journal_location(job, {})
    assert "state_dir" in (raised.value.hint or "")
    # Once moved (or once the new place has one), the new place is used.
    new = tmp_path / "jobs" / "state" / "tari.journal.sqlite"
    new.parent.mkdir(parents=True)
    old.rename(new)
    assert journal_location(job, {}).path == new
