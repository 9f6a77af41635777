"""Issue 28: a run's figures for Prometheus, pushed to a real Pushgateway and written for
node-exporter's textfile collector; a failed push never changes the exit code."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from batch.models import Status
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job
from tests.helpers.pushgateway import Pushgateway, pushgateway
from tests.helpers.redis_server import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushgateway]:
    with pushgateway(tmp_path_factory.mktemp("pushgateway")) as running:
        yield running


def metrics_job(folder: Path, base_url: str, metrics: str, rows: int = 20) -> Path:
    codes = population(rows, seed=28)
    write_csv(folder / "input.csv", ["codice_fiscale", "nome"], [[c, "Anna"] for c in codes])
    write_csv(folder / "bad.csv", ["nome"], [["Anna"]])  # no fiscal code column: exit 3
    job = write_job(folder, base_url=base_url, calls=None, extra=f"[metrics]\n{metrics}\n")
    text = job.read_text(encoding="utf-8").replace('name = "e2e"', 'name = "tari"')
    job.write_text(text, encoding="utf-8")
    return job


def textfile_samples(path: Path) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            found.setdefault(sample.name, {})[labels] = sample.value
    return found


def test_a_run_pushes_its_figures_and_a_failed_run_keeps_the_last_success(
    tmp_path: Path, sandbox_factory: Any, gateway: Pushgateway
) -> None:
    sandbox = sandbox_factory()
    job = metrics_job(tmp_path, sandbox.base_url, f'pushgateway = "{gateway.url}"')
    before = time.time()
    ran = run_io_batch(["send", str(job)])
    assert ran.code in (0, 1), ran.stderr
    counts = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    group = (("instance", ""), ("job", "tari"))
    rows = gateway.samples("io_batch_rows")
    assert {dict(k)["status"]: v for k, v in rows.items()} == {
        status.value: counts.get(status.value, 0) for status in Status
    }
    assert gateway.samples("io_batch_exit_code") == {group: ran.code}
    calls = {dict(k)["operation"]: v for k, v in gateway.samples("io_batch_calls").items()}
    assert calls["profile"] == len(sandbox.app.calls.entries()) - calls["submit"]
    assert calls["submit"] == len(sandbox.app.ledger.entries())
    assert gateway.samples("io_batch_throttled_calls") == {group: 0}
    (success,) = gateway.samples("io_batch_last_success_timestamp_seconds").values()
    assert before <= success <= time.time()

    failed = run_io_batch(["send", str(job), "--input", str(tmp_path / "bad.csv")])
    assert failed.code == 3, failed.stderr
    assert gateway.samples("io_batch_exit_code") == {group: 3}
    # The failed run did not move the last success (the "no success for a day" alert).
    assert gateway.samples("io_batch_last_success_timestamp_seconds") == {group: success}
    (last_run,) = gateway.samples("io_batch_last_run_timestamp_seconds").values()
    assert last_run > success


def test_a_shard_pushes_to_its_own_group(
    tmp_path: Path, sandbox_factory: Any, gateway: Pushgateway
) -> None:
    sandbox = sandbox_factory()
    job = metrics_job(tmp_path, sandbox.base_url, f'pushgateway = "{gateway.url}"')
    job.write_text(job.read_text(encoding="utf-8") + "[shards]\ncount = 2\n", encoding="utf-8")
    ran = run_io_batch(["send", str(job), "--shard", "2/2"])
    assert ran.code in (0, 1), ran.stderr
    shard_rows = read_rows(tmp_path / "results.shard-2-of-2.csv")
    assert gateway.samples("io_batch_exit_code") == {
        (("instance", ""), ("job", "tari"), ("shard", "2-of-2")): ran.code
    }
    total = sum(gateway.samples("io_batch_rows").values())
    assert total == len(shard_rows)


def test_a_push_that_fails_changes_nothing(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory()
    unreachable = f"http://127.0.0.1:{free_port()}"
    job = metrics_job(
        tmp_path, sandbox.base_url, f'pushgateway = "{unreachable}"\ntimeout_seconds = 2'
    )
    ran = run_io_batch(["send", str(job)])
    counts = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    expected = 1 if counts.keys() - {"sent", "not_registered", "not_allowed"} else 0
    assert ran.code == expected, ran.stderr
    events = [line for line in ran.json_lines() if line.get("event") == "metrics.push_failed"]
    assert len(events) == 1
    assert events[0]["level"] == "warning"


def test_the_textfile_for_node_exporter(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory()
    job = metrics_job(tmp_path, sandbox.base_url, 'textfile = "textfile/io-batch-tari.prom"')
    (tmp_path / "textfile").mkdir()
    prom = tmp_path / "textfile" / "io-batch-tari.prom"
    ran = run_io_batch(["send", str(job)])
    assert ran.code in (0, 1), ran.stderr
    samples = textfile_samples(prom)
    assert samples["io_batch_exit_code"] == {(("io_batch_job", "tari"),): ran.code}
    (success,) = samples["io_batch_last_success_timestamp_seconds"].values()
    sent = sum(1 for row in read_rows(tmp_path / "results.csv") if row["status"] == "sent")
    assert samples["io_batch_rows"][(("io_batch_job", "tari"), ("status", "sent"))] == sent
    assert prom.stat().st_mode & 0o777 == 0o644
    assert list(prom.parent.iterdir()) == [prom]  # no temporary file left beside it

    failed = run_io_batch(["send", str(job), "--input", str(tmp_path / "bad.csv")])
    assert failed.code == 3
    again = textfile_samples(prom)
    assert again["io_batch_exit_code"] == {(("io_batch_job", "tari"),): 3}
    assert again["io_batch_last_success_timestamp_seconds"] == {
        (("io_batch_job", "tari"),): success
    }
    assert "io_batch_rows" not in again  # no run began: no rows to speak of
