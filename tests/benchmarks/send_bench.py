"""``io-batch send`` against a sandbox process: budget use, CPU per call, unlimited speed.

- budget: the job and the sandbox both at 150 calls / 5 s, the sandbox answering after
  50 ms; calls/s as a share of the budget, for the whole run (process start to exit)
  and for the steady state (first to last call in the sandbox's own log); the most
  calls in any 5 s window and the 429s, as the sandbox counted them.
- CPU: user + system time of the io-batch process per API call, for those runs and for
  unlimited ones; net figures subtract a one-row run's CPU (start-up, reading, report).
- unlimited: messages/s with no budget and no latency, against ``baseline.py`` (a plain
  sequential httpx loop) on the same sandbox in the same run, as a ratio.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from batch.sandbox import CallRecord, max_calls_in_window

from .figures import Figure, Target
from .harness import (
    PYTHON,
    SANDBOX_KEY,
    Measured,
    Sandbox,
    io_batch,
    quiet_env,
    run_measured,
    sandbox,
    write_job,
    write_recipients,
)
from .sizes import Sizes

BUDGET_CALLS = 150
BUDGET_WINDOW = 5.0
BUDGET_RATE = BUDGET_CALLS / BUDGET_WINDOW
LATENCY_MS = 50
# The sandbox's default population: 10% have no profile (one call), 5% of the others
# blocked the service (one call), the rest get two: 1.855 calls per row on average.
CALLS_PER_ROW = 1.855
PACE = 0.985  # the limiter's pace, as a share of the budget (its 1.5% guard)
BASELINE = Path(__file__).with_name("baseline.py")


@dataclass(frozen=True)
class CallStats:
    """What the sandbox saw during one run."""

    calls: int
    messages: int  # submits answered 201
    throttled: int  # 429s
    max_in_window: int  # the most calls in any budget window
    span: float  # seconds from the first call to the last

    @classmethod
    def of(cls, records: Sequence[CallRecord]) -> CallStats:
        times = sorted(record.t for record in records)
        return cls(
            calls=len(records),
            messages=sum(1 for r in records if r.operation == "submit" and r.status == 201),
            throttled=sum(1 for r in records if r.status == 429),
            max_in_window=max_calls_in_window(records, BUDGET_WINDOW, key=SANDBOX_KEY),
            span=times[-1] - times[0] if len(times) > 1 else 0.0,
        )

    @property
    def steady_calls_per_s(self) -> float:
        return (self.calls - 1) / self.span

    @property
    def steady_messages_per_s(self) -> float:
        return self.messages / self.span


@dataclass(frozen=True)
class SendRun:
    process: Measured
    stats: CallStats

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.process.cpu / self.stats.calls


def run_send(box: Sandbox, folder: Path, rows: Path, *, calls: int | None) -> SendRun:
    """One ``io-batch send`` of ``rows`` with a fresh journal, from a fresh sandbox."""
    box.reset()
    folder.mkdir(parents=True)
    job = write_job(folder, base_url=box.base_url, input_path=rows, calls=calls)
    timeout = 600.0
    process = run_measured(
        io_batch("send", str(job)), timeout=timeout, stdout=folder / "log.jsonl", env=quiet_env()
    )
    if process.returncode != 0:
        log = (folder / "log.jsonl").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"io-batch send exited {process.returncode}: {log}")
    return SendRun(process, CallStats.of(box.calls()))


def run_baseline(
    box: Sandbox, folder: Path, rows: Path, calls_per_s: float | None = None
) -> SendRun:
    """The plain loop on ``rows``: as fast as it goes, or paced at ``calls_per_s``."""
    box.reset()
    folder.mkdir(parents=True)
    job = write_job(folder, base_url=box.base_url, input_path=rows, calls=None)
    out = folder / "baseline.json"
    pace = [] if calls_per_s is None else [str(calls_per_s)]
    command = [PYTHON, str(BASELINE), box.base_url, str(job), *pace]
    process = run_measured(command, timeout=900, stdout=out)
    if process.returncode != 0:
        raise RuntimeError(f"the baseline exited {process.returncode}: {out.read_text()[-2000:]}")
    stats = CallStats.of(box.calls())
    reported = json.loads(out.read_text().splitlines()[-1])
    if reported["messages"] != stats.messages:
        raise RuntimeError(f"the baseline sent {reported['messages']}, the sandbox saw {stats}")
    return SendRun(process, stats)


@dataclass(frozen=True)
class StartUp:
    """A one-row run: what a run costs whatever its size (medians)."""

    cpu: float  # seconds
    calls: float

    def net_ms_per_call(self, run: SendRun) -> float:
        return 1000 * (run.process.cpu - self.cpu) / (run.stats.calls - self.calls)


def budget_figures(folder: Path, sizes: Sizes) -> tuple[list[Figure], StartUp]:
    """Budget use and CPU per call at the default budget, plus the start-up run."""
    rows = math.ceil(sizes.budget_seconds * BUDGET_RATE * PACE / CALLS_PER_ROW)
    long_input = write_recipients(folder / "budget.csv", rows, seed=1)
    one_row = write_recipients(folder / "one-row.csv", 1, seed=2)
    options = ("--rate-calls", str(BUDGET_CALLS), "--rate-window", str(BUDGET_WINDOW))
    with sandbox(folder, *options, "--latency-ms", str(LATENCY_MS)) as box:
        runs, starts = [], []
        for number in range(sizes.runs):
            runs.append(run_send(box, folder / f"budget-{number}", long_input, calls=BUDGET_CALLS))
            starts.append(run_send(box, folder / f"start-{number}", one_row, calls=BUDGET_CALLS))
    start = StartUp(
        cpu=statistics.median(run.process.cpu for run in starts),
        calls=statistics.median(run.stats.calls for run in starts),
    )
    budget = f"{BUDGET_CALLS}/{BUDGET_WINDOW:g} s"
    share = [100 * run.stats.steady_calls_per_s / BUDGET_RATE for run in runs]
    whole = [100 * run.stats.calls / run.process.wall / BUDGET_RATE for run in runs]
    figures = [
        Figure(f"budget use, steady state (% of {budget})", tuple(share), "%", 2, Target(">=", 97)),
        Figure(f"budget use, whole run (% of {budget})", tuple(whole), "%", 2, Target(">=", 97)),
        Figure(
            "budget run: first to last call",
            tuple(run.stats.span for run in runs),
            "s",
            1,
            Target(">=", 60) if sizes.budget_seconds >= 60 else None,
        ),
        Figure(
            f"most calls in any {BUDGET_WINDOW:g} s window (sandbox's count)",
            tuple(run.stats.max_in_window for run in runs),
            "",
            0,
            Target("<=", BUDGET_CALLS, "worst"),
        ),
        Figure(
            "429 answers received",
            tuple(run.stats.throttled for run in runs),
            "",
            0,
            Target("<=", 0, "worst"),
            target_text="0",
        ),
        Figure(
            f"client CPU per call at {budget}, whole process",
            tuple(run.cpu_ms_per_call for run in runs),
            "ms",
            3,
            Target("<=", 2.0),
        ),
        Figure(
            f"client CPU per call at {budget}, net of start-up",
            tuple(start.net_ms_per_call(run) for run in runs),
            "ms",
            3,
            Target("<=", 2.0),
        ),
        Figure(
            "client CPU of a one-row run (start-up, reading, report)",
            tuple(1000 * run.process.cpu for run in starts),
            "ms",
            0,
        ),
    ]
    return figures, start


def unlimited_figures(folder: Path, sizes: Sizes, start: StartUp) -> list[Figure]:
    """No latency, an unlimited sandbox: io-batch against the plain loop, run for run,
    as fast as each goes and then both paced at the default budget."""
    rows = write_recipients(folder / "unlimited.csv", sizes.unlimited_rows, seed=3)
    paced_rows = math.ceil(sizes.budget_seconds / 2 * BUDGET_RATE * PACE / CALLS_PER_ROW)
    paced_input = write_recipients(folder / "paced.csv", paced_rows, seed=4)
    population = ("--registered-ratio", "1", "--blocked-ratio", "0")  # two calls per row
    ours, plain, ours_paced, plain_paced = [], [], [], []
    with sandbox(folder, "--unlimited", *population) as box:
        for number in range(sizes.runs):
            ours.append(run_send(box, folder / f"unlimited-{number}", rows, calls=None))
            plain.append(run_baseline(box, folder / f"baseline-{number}", rows))
            ours_paced.append(
                run_send(box, folder / f"paced-{number}", paced_input, calls=BUDGET_CALLS)
            )
            plain_paced.append(
                run_baseline(
                    box, folder / f"baseline-paced-{number}", paced_input, BUDGET_RATE * PACE
                )
            )
    paced = f"paced at {BUDGET_CALLS}/{BUDGET_WINDOW:g} s, no latency"
    return [
        *_throughput(ours, plain, start),
        _ratio(
            "unlimited: io-batch net of start-up / plain loop, CPU per call", ours, plain, start
        ),
        Figure(
            f"{paced}: io-batch CPU per call, net of start-up",
            tuple(start.net_ms_per_call(run) for run in ours_paced),
            "ms",
            3,
        ),
        Figure(
            f"{paced}: plain loop paced the same, CPU per call",
            tuple(run.cpu_ms_per_call for run in plain_paced),
            "ms",
            3,
        ),
        _ratio(f"{paced}: io-batch / plain loop, CPU per call", ours_paced, plain_paced, start),
    ]


def _ratio(name: str, ours: list[SendRun], plain: list[SendRun], start: StartUp) -> Figure:
    """io-batch's CPU per call net of start-up against the plain loop's, run for run."""
    net = [start.net_ms_per_call(run) for run in ours]
    theirs = [run.cpu_ms_per_call for run in plain]
    return Figure(
        name, tuple(a / b for a, b in zip(net, theirs, strict=True)), "x", 2, Target("<=", 1.5)
    )


def _throughput(ours: list[SendRun], plain: list[SendRun], start: StartUp) -> list[Figure]:
    return [
        Figure(
            "unlimited: io-batch messages/s (first to last call)",
            tuple(run.stats.steady_messages_per_s for run in ours),
            "/s",
            0,
        ),
        Figure(
            "unlimited: plain sequential httpx loop messages/s",
            tuple(run.stats.steady_messages_per_s for run in plain),
            "/s",
            0,
        ),
        Figure(
            "unlimited: io-batch / plain loop",
            tuple(
                a.stats.steady_messages_per_s / b.stats.steady_messages_per_s
                for a, b in zip(ours, plain, strict=True)
            ),
            "x",
            2,
        ),
        Figure(
            "unlimited: client CPU per call, whole process",
            tuple(run.cpu_ms_per_call for run in ours),
            "ms",
            3,
        ),
        Figure(
            "unlimited: client CPU per call, net of start-up",
            tuple(start.net_ms_per_call(run) for run in ours),
            "ms",
            3,
        ),
        Figure(
            "unlimited: plain loop CPU per call, whole process",
            tuple(run.cpu_ms_per_call for run in plain),
            "ms",
            3,
        ),
    ]
