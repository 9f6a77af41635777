"""``[rate] shared`` and ``budget_name``: checked together, the URL never shown with its
password, and a sharded job does not split a shared budget."""

from __future__ import annotations

from dataclasses import replace

import pytest

from batch.config.job import parse_job
from batch.config.shards import Shard
from batch.config.shared_budget import redacted
from batch.errors import ConfigError
from batch.shards.run import shard_job
from tests.unit.config.test_job import SOURCE, minimal

URL = "redis://127.0.0.1:6379/0"


def test_a_shared_budget_names_its_redis_and_its_name() -> None:
    job = parse_job(minimal(rate={"shared": URL, "budget_name": "comune"}), source=SOURCE)
    assert (job.rate.shared, job.rate.budget_name) == (URL, "comune")
    assert job.rate.label == "150/5s shared as 'comune'"


def test_no_shared_budget_by_default() -> None:
    job = parse_job(minimal(), source=SOURCE)
    assert (job.rate.shared, job.rate.budget_name, job.rate.label) == (None, None, "150/5s")


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ({"shared": URL}, "needs rate.budget_name"),
        ({"budget_name": "comune"}, "rate.shared gives no Redis URL"),
        ({"shared": "http://127.0.0.1:6379", "budget_name": "x"}, "must be a Redis URL"),
        ({"shared": URL, "budget_name": "a b"}, "must be 1-64 letters"),
        ({"shared": URL, "budget_name": "x", "unlimited": True}, "nothing to share"),
    ],
)
def test_mistakes_are_configuration_errors(rate: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_job(minimal(rate=rate), source=SOURCE)


def test_a_password_is_never_shown() -> None:
    assert redacted("redis://user:s3cret@host:6380/1") == "redis://user:***@host:6380/1"
    assert redacted(URL) == URL
    with pytest.raises(ConfigError) as raised:
        parse_job(minimal(rate={"shared": "http://:s3cret@h", "budget_name": "x"}), source=SOURCE)
    assert "s3cret" not in str(raised.value)


def test_shards_do_not_split_a_shared_budget() -> None:
    shared = parse_job(minimal(rate={"shared": URL, "budget_name": "c"}), source=SOURCE)
    private = replace(shared, rate=replace(shared.rate, shared=None, budget_name=None))
    shard = Shard(index=1, count=3)
    assert shard_job(shared, shard, split=True).rate.calls == 150
    assert shard_job(private, shard, split=True).rate.calls == 50
