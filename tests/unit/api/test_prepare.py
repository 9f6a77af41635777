"""The start-up every command shares: the files it writes checked, then the key read."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import structlog

from batch.api.prepare import (
    InputChoice,
    journal_destination,
    load_with,
    prepare_run,
)
from batch.common import logs
from batch.common.writable import Destination
from batch.config.state_dir import journal_location
from batch.errors import ConfigError
from tests.helpers.jobs import job_tables, job_toml, parsed_job

IO_JOB = {"target": {"kind": "io"}}


def test_a_file_that_cannot_be_written_is_named_before_the_key_is_asked(tmp_path: Path) -> None:
    job = parsed_job(tmp_path / "job.toml", **IO_JOB)  # no key in the environment
    folder = tmp_path / "results.csv"
    folder.mkdir()  # where the results file should go: a folder
    with pytest.raises(ConfigError, match="results file") as raised:
        prepare_run(job, [Destination(folder, "results file", "--output")], environ={})
    assert "API key" not in str(raised.value)


def test_a_production_job_with_no_key_stops_there(tmp_path: Path) -> None:
    job = parsed_job(tmp_path / "job.toml", **IO_JOB)
    with pytest.raises(ConfigError, match="no API key: set IO_API_KEY"):
        prepare_run(job, [], environ={})


def test_the_key_is_given_to_the_run_and_masked_in_every_log_line(tmp_path: Path) -> None:
    job = parsed_job(tmp_path / "job.toml", **IO_JOB)
    key = "prepare-test-key-0123456789"
    prepared = prepare_run(job, [], environ={"IO_API_KEY": key})
    assert (prepared.job, prepared.api_key) == (job, key)
    out = io.StringIO()
    logs.configure(json=True, stream=out)
    try:
        logs.get_logger().info("probe", detail=f"the key is {key}")
    finally:
        structlog.reset_defaults()  # the next test's logs go where it says
    assert key not in out.getvalue() and "the key is ***" in out.getvalue()


def test_the_journal_says_how_to_move_it(tmp_path: Path) -> None:
    job = parsed_job(tmp_path / "job.toml")
    location = journal_location(job, {})
    destination = journal_destination(location, "pilot journal")
    assert (destination.path, destination.what) == (location.path, "pilot journal")
    assert destination.elsewhere == (
        f"[output] state_dir in the job file or IO_BATCH_STATE_DIR (now: {location.source})"
    )


def test_the_command_line_s_input_choices_go_over_the_job_file(tmp_path: Path) -> None:
    source = tmp_path / "job.toml"
    source.write_text(job_toml(job_tables()), encoding="utf-8")
    choice = InputChoice(
        input=tmp_path / "other.csv", output=tmp_path / "o.csv", encoding="cp1252", separator=";"
    )
    job = load_with(source, choice)
    assert (job.input.path, job.output) == (tmp_path / "other.csv", tmp_path / "o.csv")
    assert (job.input.encoding, job.input.separator) == ("cp1252", ";")
    # reach's --output names its own CSV: the job's results file stays the job file's.
    assert load_with(source, choice, output=False).output == tmp_path / "out.csv"
    assert load_with(source, InputChoice()) == load_with(source, InputChoice(), output=False)
