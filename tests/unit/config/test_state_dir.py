"""Where a job's journal lives: with the job, whatever --output says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from batch.config.choices import TargetKind
from batch.config.job import parse_job
from batch.config.job_sections import Target
from batch.config.state_dir import STATE_DIR_ENV, journal_location, target_folder
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
    state = tmp_path / "jobs" / "state"
    assert night1.path == night2.path == state / "sandbox-embedded" / "tari.journal.sqlite"
    assert night1.state_dir == state and night1.target == "sandbox:embedded"
    assert "beside the job file" in night1.source


def test_the_environment_then_the_job_file_override_it(tmp_path: Path) -> None:
    environ = {STATE_DIR_ENV: str(tmp_path / "volume" / "state")}
    from_env = journal_location(job_in(tmp_path), environ)
    assert (
        from_env.path == tmp_path / "volume" / "state" / "sandbox-embedded" / "tari.journal.sqlite"
    )
    assert STATE_DIR_ENV in from_env.source
    from_job = journal_location(job_in(tmp_path, state_dir="/srv/state"), environ)
    assert from_job.path == Path("/srv/state/sandbox-embedded/tari.journal.sqlite")
    assert "[output] state_dir" in from_job.source
    assert journal_location(job_in(tmp_path), {STATE_DIR_ENV: "  "}).state_dir.name == "state"


def test_a_journal_left_beside_the_results_is_never_silently_replaced(tmp_path: Path) -> None:
    job = job_in(tmp_path, output="out/results.csv")
    old = tmp_path / "jobs" / "out" / "tari.journal.sqlite"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"")
    with pytest.raises(ConfigError, match="beside the results") as raised:
        journal_location(job, {})
    assert "state_dir" in (raised.value.hint or "")
    # Once moved to the state dir, the next run adopts it for the job's target.
    moved = tmp_path / "jobs" / "state" / "tari.journal.sqlite"
    moved.parent.mkdir(parents=True)
    old.rename(moved)
    location = journal_location(job, {})
    assert location.legacy == moved
    assert location.path == moved.parent / "sandbox-embedded" / "tari.journal.sqlite"
    # Once the target has its own, the new place is used and nothing is left to adopt.
    location.path.parent.mkdir()
    moved.rename(location.path)
    assert journal_location(job, {}) == location.__class__(
        location.path, location.source, location.state_dir, location.target, None
    )


def test_each_target_has_its_own_folder_and_the_key_is_not_in_it(tmp_path: Path) -> None:
    def at(kind: str, url: str, key_env: str = "IO_API_KEY"):
        return replace(
            job_in(tmp_path),
            target=Target(kind=TargetKind(kind), base_url=url, api_key_env=key_env),
        )

    live = journal_location(at("io", "https://api.io.pagopa.it"), {})
    rotated = journal_location(at("io", "https://API.io.pagopa.it:443/", "IO_API_KEY_2"), {})
    apart = journal_location(at("sandbox", "http://127.0.0.1:8080"), {})
    same_url = journal_location(at("io", "http://127.0.0.1:8080"), {})
    assert live.path == rotated.path  # another key, the same environment: the same journal
    assert live.path.parent.name.startswith("io-api.io.pagopa.it-")
    assert apart.path.parent.name.startswith("sandbox-127.0.0.1-8080-")
    folders = {live.path.parent, apart.path.parent, same_url.path.parent}
    assert len(folders) == 3 and all(f.parent == live.state_dir for f in folders)
    assert target_folder("io:https://a.example/b-c") != target_folder("io:https://a.example/b/c")
