"""The layout guard: journals of another shard layout with rows in them stop a run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from batch.config.choices import DuplicatePolicy
from batch.config.shards import Shard
from batch.errors import ConfigError
from batch.journal.journal import Journal
from batch.journal.names import UNSHARDED, layout_of
from batch.shards.layout_guard import check_layout
from tests.helpers.jobs import in_process_job
from tests.unit.send.test_send_run import population


def journal(folder: Path, name: str, *, rows: bool) -> Path:
    path = folder / name
    opened = Journal(path)
    if rows:
        run = opened.start_run(folder / "out.csv", "digest")
        opened.claim(run.run_id, 2, "RSSMRA85T10A562S", "h", duplicates=DuplicatePolicy.SEND_ONCE)
    opened.close()
    return path


def test_a_journal_name_tells_its_layout() -> None:
    assert layout_of("nightly", Path("nightly.journal.sqlite")) == UNSHARDED
    assert layout_of("nightly", Path("nightly.shard-2-of-4.journal.sqlite")) == 4
    assert layout_of("nightly", Path("nightly-b.journal.sqlite")) is None
    assert layout_of("night", Path("nightly.shard-1-of-2.journal.sqlite")) is None


@pytest.mark.parametrize(
    ("found", "shard"),
    [
        ("e.shard-1-of-3.journal.sqlite", None),  # unsharded run, shard journals exist
        ("e.journal.sqlite", Shard(1, 3)),  # sharded run, the unsharded journal exists
        ("e.shard-2-of-2.journal.sqlite", Shard(1, 3)),  # 3 shards, journals of 2
    ],
)
def test_another_layout_with_rows_is_refused_naming_the_journal(
    tmp_path: Path, found: str, shard: Shard | None
) -> None:
    job = replace(in_process_job(tmp_path, population(1, seed=1)), name="e", shard=shard)
    state = tmp_path / "state"
    state.mkdir()
    journal(state, found, rows=True)
    with pytest.raises(ConfigError, match=found.replace(".", r"\.")) as raised:
        check_layout(job, state / "mine.sqlite")
    assert "message them twice" in str(raised.value)
    assert "only between campaigns" in (raised.value.hint or "")


def test_the_same_layout_other_jobs_and_empty_journals_pass(tmp_path: Path) -> None:
    job = replace(in_process_job(tmp_path, population(1, seed=1)), name="e", shard=Shard(2, 3))
    state = tmp_path / "state"
    state.mkdir()
    journal(state, "e.shard-1-of-3.journal.sqlite", rows=True)  # a sibling shard
    journal(state, "e.shard-3-of-4.journal.sqlite", rows=False)  # another layout, empty
    journal(state, "other.journal.sqlite", rows=True)  # another job
    journal(state, "e2.shard-1-of-2.journal.sqlite", rows=True)  # a job named like it
    check_layout(job, state / "e.shard-2-of-3.journal.sqlite")
    check_layout(job, tmp_path / "nowhere" / "e.journal.sqlite")  # no state dir yet


def test_journals_waiting_to_be_adopted_count_and_other_targets_do_not(tmp_path: Path) -> None:
    state = tmp_path / "state"
    target = state / "io-api.io.pagopa.it-1f2e3d4c"
    other = state / "sandbox-embedded"
    for folder in (target, other):
        folder.mkdir(parents=True)
    job = replace(in_process_job(tmp_path, population(1, seed=5)), name="e", shard=Shard(1, 3))
    journal(other, "e.journal.sqlite", rows=True)  # the sandbox's unsharded journal
    check_layout(job, target / "e.shard-1-of-3.journal.sqlite", state)  # not this target's
    journal(state, "e.journal.sqlite", rows=True)  # unsharded, from before targets
    with pytest.raises(ConfigError, match="another shard layout") as raised:
        check_layout(job, target / "e.shard-1-of-3.journal.sqlite", state)
    assert str(state / "e.journal.sqlite") in str(raised.value)
