"""Sharded runs: 1, 2 and 4 ``io-batch send --shard K/N`` processes against one sandbox.

    .venv/bin/python -m tests.benchmarks.shard_bench [--rows 6000] [--runs 3]

The sandbox runs in its own process with no budget and no latency (an account without
a rate budget, the only kind sharding is for); every citizen has a profile and allows
the service, so each row costs two calls. For each shard count N the N shards start
together as separate processes on the same input, each with its own journal, and are
measured as the operating system saw them (CPU from ``os.wait4``):

- aggregate messages/s: messages the sandbox accepted over its first-to-last call;
- CPU per call: the shards' user + system time over all the calls they made;
- scale-up: aggregate messages/s against one shard's, run for run.

Then ``io-batch merge`` combines the shards' results, and the merged file is compared
with the single run's, line for line: same lines, same statuses and reason codes.

On a 2-core machine the scale-up is bounded by the cores: the shards and the sandbox
share them, so more than about 2x cannot appear here whatever the code does.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .figures import Figure, markdown_table
from .harness import (
    Measured,
    Sandbox,
    io_batch,
    quiet_env,
    run_measured,
    sandbox,
    write_job,
    write_recipients,
)
from .send_bench import CallStats
from .sizes import FULL, QUICK, Sizes

SHARD_COUNTS = (1, 2, 4)
TIMEOUT = 900.0


@dataclass(frozen=True)
class ShardedRun:
    shards: int
    processes: tuple[Measured, ...]
    stats: CallStats
    outcomes: dict[int, tuple[str, str]]  # line -> (status, reason code), merged

    @property
    def messages_per_s(self) -> float:
        return self.stats.steady_messages_per_s

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * sum(process.cpu for process in self.processes) / self.stats.calls


def _shard_commands(job: Path, shards: int) -> list[list[str]]:
    if shards == 1:
        return [io_batch("send", str(job))]
    return [io_batch("send", str(job), "--shard", f"{k}/{shards}") for k in range(1, shards + 1)]


def _run_together(commands: list[list[str]], folder: Path) -> tuple[Measured, ...]:
    """Start every command at once; each one measured by its own waiting thread."""
    measured: list[Measured | BaseException | None] = [None] * len(commands)

    def one(index: int) -> None:
        try:
            measured[index] = run_measured(
                commands[index], timeout=TIMEOUT, stdout=folder / f"shard-{index + 1}.log",
                env=quiet_env(),
            )  # fmt: skip
        except BaseException as error:  # reported below, in the main thread
            measured[index] = error

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(commands))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished: list[Measured] = []
    for index, result in enumerate(measured):
        if not isinstance(result, Measured) or result.returncode != 0:
            log = (folder / f"shard-{index + 1}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"shard {index + 1} of {len(commands)} failed ({result}): {log}")
        finished.append(result)
    return tuple(finished)


def _outcomes(results: Path) -> dict[int, tuple[str, str]]:
    with results.open(encoding="utf-8", newline="") as handle:
        return {
            int(row["line"]): (row["status"], row["reason_code"]) for row in csv.DictReader(handle)
        }


def run_shards(box: Sandbox, folder: Path, rows: Path, shards: int) -> ShardedRun:
    """N shards of one fresh campaign (fresh journals, fresh sandbox), then the merge."""
    box.reset()
    folder.mkdir(parents=True)
    job = write_job(folder, base_url=box.base_url, input_path=rows, calls=None)
    processes = _run_together(_shard_commands(job, shards), folder)
    stats = CallStats.of(box.calls())
    if shards > 1:
        merged = run_measured(
            io_batch("merge", str(job), "--shards", str(shards)), timeout=TIMEOUT,
            stdout=folder / "merge.log", env=quiet_env(),
        )  # fmt: skip
        if merged.returncode != 0:
            log = (folder / "merge.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"io-batch merge exited {merged.returncode}: {log}")
    return ShardedRun(shards, processes, stats, _outcomes(folder / "results.csv"))


def measure(folder: Path, rows: int, runs: int) -> dict[int, list[ShardedRun]]:
    recipients = write_recipients(folder / "shards.csv", rows, seed=17)
    population = ("--registered-ratio", "1", "--blocked-ratio", "0")  # two calls per row
    measured: dict[int, list[ShardedRun]] = {count: [] for count in SHARD_COUNTS}
    with sandbox(folder, "--unlimited", *population) as box:
        for number in range(runs):  # alternate the counts, so noise spreads over all
            for count in SHARD_COUNTS:
                run = run_shards(box, folder / f"n{count}-run{number}", recipients, count)
                measured[count].append(run)
    return measured


def figures(measured: dict[int, list[ShardedRun]]) -> list[Figure]:
    single = measured[1]
    table: list[Figure] = []
    for count, runs in measured.items():
        label = f"{count} shard{'s' if count > 1 else ''}"
        table.append(
            Figure(
                f"shards, unlimited: {label}, aggregate messages/s",
                tuple(run.messages_per_s for run in runs),
                "/s",
                0,
            )
        )
        table.append(
            Figure(
                f"shards, unlimited: {label}, client CPU per call (all shards)",
                tuple(run.cpu_ms_per_call for run in runs),
                "ms",
                3,
            )
        )
        if count > 1:
            table.append(
                Figure(
                    f"shards, unlimited: {label} / 1 shard, aggregate messages/s",
                    tuple(
                        run.messages_per_s / one.messages_per_s
                        for run, one in zip(runs, single, strict=True)
                    ),
                    "x",
                    2,
                )
            )
            table.append(
                Figure(
                    f"shards: {label} merged, lines whose status differs from one run",
                    tuple(
                        float(_differences(run.outcomes, one.outcomes))
                        for run, one in zip(runs, single, strict=True)
                    ),
                    "",
                    0,
                )
            )
    return table


def _differences(merged: dict[int, tuple[str, str]], single: dict[int, tuple[str, str]]) -> int:
    """Lines missing on either side, or whose status or reason code differ."""
    lines = merged.keys() | single.keys()
    return sum(1 for line in lines if merged.get(line) != single.get(line))


def shard_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    return figures(measure(folder, sizes.shard_rows, sizes.runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.shard_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=FULL.shard_rows)
    parser.add_argument("--runs", type=int, default=FULL.runs)
    parser.add_argument("--quick", action="store_true", help="toy sizes, one run")
    args = parser.parse_args(argv)
    rows, runs = (QUICK.shard_rows, QUICK.runs) if args.quick else (args.rows, args.runs)
    with tempfile.TemporaryDirectory(prefix="io-batch-shards-") as folder:
        table = figures(measure(Path(folder), rows, runs))
    print(markdown_table(table), end="")
    medians = {f.name: statistics.median(f.values) for f in table}
    print(f"\n{len(medians)} figures, {rows} rows, {runs} run(s) each", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
