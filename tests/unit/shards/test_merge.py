"""``merge``: three shards run in process, merged in input order, and every way a shard
can be missing or unfinished refused naming it."""

from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import anyio
import pytest

from batch.config.job import Job
from batch.config.shards import Shard
from batch.config.state_dir import journal_path
from batch.errors import ConfigError
from batch.input import read
from batch.sandbox import SandboxConfig, create_app
from batch.shards.assign import shard_of
from batch.shards.merge import merge_shards
from batch.shards.rows import restrict_to_shard
from batch.shards.run import shard_job
from tests.helpers.jobs import in_process_job
from tests.unit.send.test_send_run import new_run, population

COUNT = 3


def run_shards(tmp_path: Path, codes: list[str]) -> Job:
    job = in_process_job(tmp_path, codes)
    app = create_app(SandboxConfig(rate_calls=None, registered_ratio=0.8, processing_delay=0.0))
    for index in range(1, COUNT + 1):
        one = shard_job(job, Shard(index, COUNT), split=True)
        report = anyio.run(new_run(one, app.transport()).run).report
        report.finish()
    return job


@pytest.fixture
def sharded(tmp_path: Path) -> Job:
    return run_shards(tmp_path, [*population(30, seed=8), "bad code", " =1+1", "=1+1"])


def lines(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_shards_merge_in_input_order_with_summed_counts(sharded: Job) -> None:
    report = merge_shards(sharded, count=None)  # N from the files found
    merged = lines(sharded.output)
    assert [int(row["line"]) for row in merged] == list(range(2, 35))
    for row in merged:  # each row came from its own shard's file
        shard = shard_of(row["input.codice_fiscale"].lstrip("'"), COUNT)
        own = lines(Shard(shard, COUNT).file(sharded.output))
        assert row in own
    assert report.rows == 33 and sum(report.counts.values()) == 33
    assert report.counts["invalid"] == 3
    assert report.budget == "unlimited" and len(report.per_shard) == COUNT
    summary = json.loads(sharded.output.with_name("results.summary.json").read_text())
    assert summary["shards"] == COUNT and summary["exit_code"] == 1
    assert sharded.output.stat().st_mode & 0o777 == 0o600


def shard_file(job: Job, index: int) -> Path:
    return Shard(index, COUNT).file(job.output)


def refused(job: Job) -> str:
    with pytest.raises(ConfigError) as raised:
        merge_shards(job, count=COUNT)
    assert not job.output.exists()
    return f"{raised.value} / {raised.value.hint}"


def test_a_missing_shard_is_refused_naming_it(sharded: Job) -> None:
    shard_file(sharded, 2).unlink()
    assert "shard 2/3 has no results file" in refused(sharded)
    assert "--shard 2/3" in refused(sharded)


def test_a_shard_without_its_summary_is_unfinished(sharded: Job) -> None:
    shard_file(sharded, 3).with_name("results.shard-3-of-3.summary.json").unlink()
    assert "shard 3/3 is unfinished: its summary" in refused(sharded)


@pytest.mark.parametrize("change", [{"interrupted": True}, {"exit_code": 130}, {"exit_code": 75}])
def test_a_shard_whose_summary_says_it_stopped_is_unfinished(
    sharded: Job, change: dict[str, object]
) -> None:
    path = shard_file(sharded, 1).with_name("results.shard-1-of-3.summary.json")
    path.write_text(json.dumps(json.loads(path.read_text()) | change))
    assert "shard 1/3 is unfinished" in refused(sharded)


def test_a_shard_killed_after_an_earlier_summary_is_unfinished_by_its_journal(
    sharded: Job,
) -> None:
    # kill -9 of tonight's run leaves yesterday's summary, and the journal's run open.
    journal = journal_path(replace(sharded, shard=Shard(2, COUNT)))
    with sqlite3.connect(journal) as db:
        db.execute("UPDATE runs SET state = 'running'")
    assert "shard 2/3 is unfinished: its run" in refused(sharded)


def test_a_shard_with_rows_not_done_in_its_journal_is_unfinished(sharded: Job) -> None:
    journal = journal_path(replace(sharded, shard=Shard(2, COUNT)))
    with sqlite3.connect(journal) as db:
        db.execute("UPDATE rows SET state = 'in_flight' WHERE line = (SELECT min(line) FROM rows)")
    assert "1 row(s) not done" in refused(sharded)


def test_a_shard_with_pending_rows_is_unfinished(sharded: Job) -> None:
    path = shard_file(sharded, 3)
    text = path.read_text()
    first = lines(path)[0]["status"]
    path.write_text(text.replace(f",{first},", ",pending,", 1))
    assert "1 row(s) of" in refused(sharded) and "shard 3/3" in refused(sharded)


def test_a_shard_without_its_journal_cannot_be_told_finished(sharded: Job) -> None:
    journal_path(replace(sharded, shard=Shard(1, COUNT))).unlink()
    assert "shard 1/3's journal" in refused(sharded)


def test_the_count_comes_from_the_files_and_must_be_one(sharded: Job) -> None:
    with pytest.raises(ConfigError, match="no shard results"):
        merge_shards(replace(sharded, output=sharded.output.with_name("other.csv")), count=None)
    shard_file(sharded, 1).with_name("results.shard-1-of-2.csv").write_text("line\n")
    with pytest.raises(ConfigError, match="different shard counts") as raised:
        merge_shards(sharded, count=None)
    assert "--shards N" in (raised.value.hint or "")
    assert merge_shards(sharded, count=COUNT).rows == 33  # said outright: no doubt


def test_the_merge_never_overwrites_a_shard_file(sharded: Job) -> None:
    with pytest.raises(ConfigError, match="one of the shard results"):
        merge_shards(sharded, count=COUNT, output=shard_file(sharded, 2))


@pytest.mark.parametrize("index", [1, 2, 3])
def test_a_rerun_of_the_merged_file_reads_exactly_the_shard_rows(sharded: Job, index: int) -> None:
    """The results hold a formula-like cell in its safe form ('=1+1): it is hashed as the
    input's cell was, so the rerun of shard K reads shard K's rows, no more, no less."""
    merge_shards(sharded, count=COUNT)
    one = shard_job(
        replace(sharded, input=replace(sharded.input, path=sharded.output)),
        Shard(index, COUNT),
        split=False,
    )
    with read.open_input(one.input, one.required_columns()) as source:
        restrict_to_shard(source, one)
        got = [int(line) for batch in source.batches() for line in batch["_result:line"]]
    assert got == [int(row["line"]) for row in lines(shard_file(sharded, index))]
