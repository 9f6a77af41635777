"""Shard options: ``--shard K/N``, ``--shards N``, ``[shards] count``, the Indexed Job's
index; the shard's file and journal names; the budget split."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from batch.config.job import parse_job
from batch.config.shards import Layout, Shard, choose_layout, parse_shard_flag, split_budget
from batch.config.state_dir import journal_name
from batch.errors import ConfigError, ExitCode

INDEX = "JOB_COMPLETION_INDEX"


@pytest.mark.parametrize(
    ("text", "expected"), [("1/4", (1, 4)), ("4/4", (4, 4)), (" 2 / 3 ", (2, 3))]
)
def test_a_shard_flag_is_k_of_n(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard_flag(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2", "must be K/N"),
        ("a/b", "must be K/N"),
        ("-1/3", "must be K/N"),
        ("0/3", "shards go from 1 to 3"),
        ("4/3", "shards go from 1 to 3"),
        ("1/0", "count must be from 1"),
    ],
)
def test_a_bad_shard_flag_is_a_config_error(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        parse_shard_flag(text)
    assert raised.value.exit_code == ExitCode.CONFIG_ERROR


def test_no_shards_anywhere_is_an_ordinary_run() -> None:
    assert choose_layout(None, None, None, {}) is None
    assert choose_layout(None, None, None, {INDEX: ""}) is None


def test_the_count_alone_runs_every_shard_in_turn() -> None:
    assert choose_layout(3, None, None, {}) == Layout(3)
    assert choose_layout(None, None, 3, {}) == Layout(3)
    assert choose_layout(3, None, 3, {}) == Layout(3)
    assert Layout(3).shards() == [Shard(1, 3), Shard(2, 3), Shard(3, 3)]


def test_the_shard_flag_picks_one_shard_and_must_agree_with_the_count() -> None:
    assert choose_layout(None, "2/3", None, {}) == Layout(3, 2)
    assert choose_layout(3, "2/3", 3, {INDEX: "0"}) == Layout(3, 2)  # the flag wins
    with pytest.raises(ConfigError, match=r"says 4 shards but \[shards\] count .* says 3"):
        choose_layout(3, "2/4", None, {})
    with pytest.raises(ConfigError, match="--shards says 3"):
        choose_layout(None, "2/4", 3, {})


def test_the_shards_flag_must_agree_with_the_job_file() -> None:
    with pytest.raises(ConfigError, match=r"--shards 4 disagrees with \[shards\] count = 3"):
        choose_layout(3, None, 4, {})
    with pytest.raises(ConfigError, match="from 1 to"):
        choose_layout(None, None, 0, {})


def test_an_indexed_job_index_is_the_shard_from_zero() -> None:
    assert choose_layout(4, None, None, {INDEX: "0"}) == Layout(4, 1)
    assert choose_layout(None, None, 4, {INDEX: "3"}) == Layout(4, 4)


@pytest.mark.parametrize("index", ["4", "-1", "x", "1.0"])
def test_an_index_out_of_range_or_not_an_integer_is_refused(index: str) -> None:
    with pytest.raises(ConfigError, match="is not an index from 0 to 3") as raised:
        choose_layout(4, None, None, {INDEX: index})
    assert "completions must equal the shard count" in (raised.value.hint or "")


def test_an_index_without_a_count_is_refused_naming_the_fix() -> None:
    with pytest.raises(ConfigError, match="no shard count") as raised:
        choose_layout(None, None, None, {INDEX: "1"})
    assert "[shards] count" in (raised.value.hint or "")


def test_a_shard_names_its_files_beside_the_output() -> None:
    shard = Shard(2, 4)
    assert shard.label == "2/4"
    assert shard.file(Path("/out/results.csv")) == Path("/out/results.shard-2-of-4.csv")
    assert shard.file(Path("out/x.y.csv")) == Path("out/x.y.shard-2-of-4.csv")
    # A shard's own file (a rerun of it) is renamed, not suffixed twice.
    assert Shard(1, 4).file(Path("r.shard-3-of-4.csv")) == Path("r.shard-1-of-4.csv")


def test_a_limited_budget_is_split_evenly_floor_calls_over_n() -> None:
    split = split_budget(150, 5.0, 4)
    assert (split.calls, split.label) == (37, "37/5s (150/5s split over 4 shards)")
    assert split_budget(150, 5.0, 1).label == "150/5s"
    assert split_budget(3, 1.0, 3).calls == 1
    assert split_budget(None, 5.0, 4).calls is None


def test_a_budget_smaller_than_the_shard_count_is_refused() -> None:
    with pytest.raises(ConfigError, match="cannot be split over 4 shards"):
        split_budget(3, 1.0, 4)


def job_text(shards: str) -> dict[str, object]:
    return {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "message": {"subject": "Oggetto del messaggio", "markdown": "x" * 80},
        "target": {"kind": "sandbox"},
        **({"shards": {"count": int(shards)}} if shards else {}),
    }


def test_the_job_file_gives_the_count_and_names_the_shard_journal(tmp_path: Path) -> None:
    job = parse_job(job_text("3"), source=tmp_path / "nightly.toml")
    assert job.shard_count == 3 and job.shard is None
    assert journal_name(job) == "nightly.journal.sqlite"
    assert journal_name(replace(job, shard=Shard(2, 3))) == "nightly.shard-2-of-3.journal.sqlite"
    assert parse_job(job_text(""), source=tmp_path / "j.toml").shard_count is None


def test_a_bad_shard_count_or_key_in_the_job_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="count"):
        parse_job(job_text("0"), source=tmp_path / "j.toml")
    raw = job_text("2")
    raw["shards"] = {"count": 2, "index": 1}
    with pytest.raises(ConfigError, match="index"):
        parse_job(raw, source=tmp_path / "j.toml")
