"""``[guard] require_approval``: what a send compares with the approval, in the operator's words."""

from __future__ import annotations

import json
import sqlite3
import stat
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from batch.config.job import Job, load_job
from batch.config.state_dir import journal_location
from batch.errors import ConfigError, ExitCode
from batch.journal.journal import Journal
from batch.send.approval_check import (
    OPERATOR_ENV,
    SendAuthority,
    approval_differences,
    check_approval,
    resolve_operator,
)
from batch.send.approval_record import (
    approval_for,
    approval_path,
    read_approval,
    write_approval,
)

JOB = """
[input]
path = "input.csv"
{exclude}
[output]
path = "out/results.csv"
[columns]
fiscal_code = "cf"
[message]
subject = "Avviso per {{nome}}"
markdown = "Gentile {{nome}}"
[message.de_DE]
subject = "Mitteilung für {{nome}}"
markdown = "Sehr geehrte/r {{nome}}"
[target]
kind = "{kind}"
base_url = "https://io.example"
[guard]
require_approval = {required}
"""


def write(tmp_path: Path, *, kind: str = "io", required: str = "true", exclude: str = "") -> Job:
    (tmp_path / "input.csv").write_text("cf,nome\nAAAAAA00A00A000A,Ada\n", encoding="utf-8")
    path = tmp_path / "job.toml"
    path.write_text(JOB.format(kind=kind, required=required, exclude=exclude), encoding="utf-8")
    return load_job(path)


def approve(job: Job, by: str = "Alice") -> None:
    write_approval(
        approval_path(job), approval_for(job, approved_by=by, counts={}, pilot_digest="")
    )


def edit(job: Job, old: str, new: str) -> Job:
    job.source.write_text(job.source.read_text(encoding="utf-8").replace(old, new), "utf-8")
    return load_job(job.source)


def refusal(job: Job, operator: str = "Bruno", *, rerun: bool = False) -> str:
    with pytest.raises(ConfigError) as refused:
        check_approval(job, operator=operator, rerun=rerun)
    assert refused.value.exit_code is ExitCode.CONFIG_ERROR
    return str(refused.value)


def test_a_matching_approval_lets_another_person_send(tmp_path: Path) -> None:
    job = write(tmp_path)
    approve(job)
    assert check_approval(job, operator="Bruno", rerun=False) == SendAuthority("Bruno", "Alice")
    path = approval_path(job)
    assert path == tmp_path / "state" / "job.approval.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["target"] == "io:https://io.example"


@pytest.mark.parametrize("operator", ["Alice", "alice", "  ALICE "])
def test_the_approver_cannot_send(tmp_path: Path, operator: str) -> None:
    job = write(tmp_path)
    approve(job)
    assert "Alice approved job 'job' and cannot also send it" in refusal(job, operator)


def test_no_operator_no_approval(tmp_path: Path) -> None:
    job = write(tmp_path)
    assert f"pass --operator NAME or set {OPERATOR_ENV}" in refusal(job, "")
    assert "there is none at" in refusal(job)


def test_every_difference_is_named_at_once(tmp_path: Path) -> None:
    job = write(tmp_path)
    approve(job)
    (tmp_path / "input.csv").write_text("cf,nome\nAAAAAA00A00A000A,Adb\n", encoding="utf-8")
    job = edit(job, "Sehr geehrte/r", "Liebe/r")
    job = edit(job, "https://io.example", "https://other.example")
    job = edit(
        job,
        "[message.de_DE]",
        '[message.en_GB]\nsubject = "Notice {nome}"\nmarkdown = "Dear {nome}"\n[message.de_DE]',
    )
    message = refusal(job)
    assert f"the input file {tmp_path / 'input.csv'} changed since the approval" in message
    assert "the template message.de_DE.markdown changed" in message
    assert "message.en_GB.subject was added to the job file" in message
    assert "the target changed: approved io:https://io.example, now io:https://other.example" in (
        message
    )
    assert "message.subject" not in message
    assert "approve" in message and "Nothing was sent" in message


def test_the_exclusion_list_is_part_of_the_approval(tmp_path: Path) -> None:
    (tmp_path / "out.txt").write_text("BBBBBB00B00B000B\n", encoding="utf-8")
    job = write(tmp_path, exclude='exclude = "out.txt"')
    approve(job)
    (tmp_path / "out.txt").write_text("CCCCCC00C00C000C\n", encoding="utf-8")
    assert f"the exclusion list {tmp_path / 'out.txt'} changed" in refusal(job)
    assert approval_differences(
        read_approval(approval_path(job)),  # type: ignore[arg-type]
        replace(job, input=replace(job.input, exclude=None)),
        rerun=False,
    ) == ["the exclusion list was removed from the job"]


def test_another_file_with_the_approved_bytes_is_the_approved_input(tmp_path: Path) -> None:
    job = write(tmp_path)
    approve(job)
    copy = tmp_path / "copy.csv"
    copy.write_bytes((tmp_path / "input.csv").read_bytes())
    moved = replace(job, input=replace(job.input, path=copy))
    assert check_approval(moved, operator="Bruno", rerun=False).approved_by == "Alice"


@pytest.mark.parametrize(("kind", "required"), [("sandbox", "true"), ("io", "false")])
def test_a_trial_or_a_job_that_does_not_ask_needs_nothing(
    tmp_path: Path, kind: str, required: str
) -> None:
    job = write(tmp_path, kind=kind, required=required)
    assert check_approval(job, operator="", rerun=False) == SendAuthority("")


def test_a_rerun_needs_the_approved_inputs_run_in_the_journal(tmp_path: Path) -> None:
    job = write(tmp_path)
    approve(job)
    assert "holds no run of the approved input" in refusal(job, rerun=True)
    approval = read_approval(approval_path(job))
    assert approval is not None
    journal = Journal(journal_location(job).path)
    journal.start_run(job.output, approval.input_digest)
    journal.close()
    # The rerun's input is a results file, not the approved input: its bytes do not count.
    rerun_job = replace(job, input=replace(job.input, path=tmp_path / "job.toml"))
    assert check_approval(rerun_job, operator="Bruno", rerun=True).approved_by == "Alice"


@pytest.mark.parametrize("content", ["{", '{"format": 99}', '{"format": 1, "job": "x"}'])
def test_a_damaged_approval_is_refused_with_the_way_out(tmp_path: Path, content: str) -> None:
    job = write(tmp_path)
    approval_path(job).parent.mkdir(parents=True)
    approval_path(job).write_text(content, encoding="utf-8")
    assert "ask for a new approval" in refusal(job)


def test_the_operator_comes_from_the_flag_else_the_environment() -> None:
    environ: dict[str, Any] = {OPERATOR_ENV: " Carla "}
    assert resolve_operator("Bruno", environ) == "Bruno"
    assert resolve_operator(None, environ) == "Carla"
    assert resolve_operator(None, {}) == ""


def test_the_journal_records_every_operator_of_a_run(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with closing(sqlite3.connect(path)) as db:  # a journal of an earlier version
        db.executescript(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, output TEXT NOT NULL, input_digest "
            "TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, state TEXT NOT NULL);"
        )
    journal = Journal(path)
    run = journal.start_run(tmp_path / "r.csv", "d")
    for operator in ("Bruno", "", "Bruno", "Carla"):
        journal.record_operator(run.run_id, operator)
    journal.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT operator FROM runs").fetchall() == [("Bruno, Carla",)]
