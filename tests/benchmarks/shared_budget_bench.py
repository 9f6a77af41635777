"""One budget for the institution: 1, 2 and 4 jobs sharing 150/5 s through Redis.

    .venv/bin/python -m tests.benchmarks.shared_budget_bench [--seconds 40] [--runs 3]

One sandbox process enforces IO's gateway budget (150 calls per sliding 5 s, all
operations of one key together) with 50 ms of latency; one ``redis-server`` (Debian's
package) keeps the shared window. For each count N, N ``io-batch send`` processes of N
different jobs (own job name, own journal, own input) start together, each configured
with the whole 150/5 s and ``[rate] shared`` naming one budget. Their inputs are sized
so that together they need about ``--seconds`` of the budget. From the sandbox's call
log:

- the share of the budget used: calls per second from the first call to the last,
  against 30/s (target >= 97%);
- 429s (target 0) and the most calls in any 5 s window (target <= 150).

Then, for comparison, the same 2 jobs with a private budget each (what every process
believed before ``[rate] shared``): the gateway's 429s show the overrun.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.redis_server import redis_server

from .figures import Figure, Target, markdown_table
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
from .send_bench import BUDGET_CALLS, BUDGET_RATE, BUDGET_WINDOW, CallStats

COUNTS = (1, 2, 4)
CALLS_PER_ROW = 2  # every citizen registered and allowing the service
TIMEOUT = 900.0


@dataclass(frozen=True)
class Together:
    processes: tuple[Measured, ...]
    stats: CallStats

    @property
    def budget_share(self) -> float:
        return 100 * self.stats.steady_calls_per_s / BUDGET_RATE


def run_together(
    box: Sandbox, folder: Path, count: int, rows: int, redis_url: str | None
) -> Together:
    """``count`` jobs at once, each with ``rows`` rows; shared budget when ``redis_url``."""
    box.reset()
    folder.mkdir(parents=True)
    commands = []
    for index in range(count):
        job_folder = folder / f"job-{index + 1}"
        job_folder.mkdir()
        recipients = write_recipients(job_folder / "input.csv", rows, seed=100 + index)
        job = write_job(
            job_folder, base_url=box.base_url, input_path=recipients, name=f"job-{index + 1}"
        )
        if redis_url is not None:
            text = job.read_text(encoding="utf-8")
            shared = f'[rate]\nshared = "{redis_url}"\nbudget_name = "bench"\n'
            job.write_text(text.replace("[rate]\n", shared), encoding="utf-8")
        commands.append(io_batch("send", str(job)))
    measured: list[Measured | BaseException | None] = [None] * count

    def one(index: int) -> None:
        try:
            measured[index] = run_measured(
                commands[index], timeout=TIMEOUT, stdout=folder / f"job-{index + 1}.log",
                env=quiet_env(),
            )  # fmt: skip
        except BaseException as error:  # reported below, in the main thread
            measured[index] = error

    threads = [threading.Thread(target=one, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = []
    for index, result in enumerate(measured):
        if not isinstance(result, Measured) or result.returncode not in (0, 1):
            log = (folder / f"job-{index + 1}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"job {index + 1} of {count} failed ({result}): {log}")
        finished.append(result)
    return Together(tuple(finished), CallStats.of(box.calls()))


def measure(folder: Path, seconds: float, runs: int) -> dict[str, list[Together]]:
    total_rows = round(seconds * BUDGET_RATE / CALLS_PER_ROW)
    population = ("--registered-ratio", "1", "--blocked-ratio", "0", "--latency-ms", "50")
    gateway = ("--rate-calls", str(BUDGET_CALLS), "--rate-window", f"{BUDGET_WINDOW:g}")
    measured: dict[str, list[Together]] = {}
    with (
        redis_server(folder) as redis,
        sandbox(folder, *gateway, *population) as box,
    ):
        for number in range(runs):  # alternate the counts, so noise spreads over all
            for count in COUNTS:
                label = f"{count} job{'s' if count > 1 else ''} sharing 150/5s"
                run = run_together(
                    box, folder / f"n{count}-run{number}", count, total_rows // count, redis.url
                )
                measured.setdefault(label, []).append(run)
            label = "2 jobs with a private 150/5s each (before)"
            run = run_together(box, folder / f"private-run{number}", 2, total_rows // 2, None)
            measured.setdefault(label, []).append(run)
    return measured


def figures(measured: dict[str, list[Together]]) -> list[Figure]:
    table: list[Figure] = []
    for label, runs in measured.items():
        shared = "private" not in label
        table.append(
            Figure(
                f"{label}: share of the budget used",
                tuple(run.budget_share for run in runs),
                "%",
                1,
                Target(">=", 97.0) if shared else None,
            )
        )
        table.append(
            Figure(
                f"{label}: 429s",
                tuple(float(run.stats.throttled) for run in runs),
                "",
                0,
                Target("<=", 0, "worst") if shared else None,
            )
        )
        table.append(
            Figure(
                f"{label}: most calls in any {BUDGET_WINDOW:g} s",
                tuple(float(run.stats.max_in_window) for run in runs),
                "",
                0,
                Target("<=", BUDGET_CALLS, "worst") if shared else None,
            )
        )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.shared_budget_bench",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--seconds", type=float, default=40.0, help="budget time per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="io-batch-shared-") as folder:
        table = figures(measure(Path(folder), args.seconds, args.runs))
    print(markdown_table(table), end="")
    print(f"\n{args.seconds:g} s of budget per run, {args.runs} run(s) each", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
