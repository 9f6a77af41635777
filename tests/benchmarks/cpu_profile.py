"""io-batch's own CPU per call, unlimited or paced, against the plain loop, with a profile.

    .venv/bin/python -m tests.benchmarks.cpu_profile --rows 5000 [--runs 3] [--top 30]
        [--against /path/to/another/checkout]   [--no-profile]   [--rate 150/5]

One sandbox process (``--unlimited``, everyone registered and allowed: two calls per
row) serves every run. Each round runs, one after the other on that sandbox:
``io-batch send`` of ``--rows`` rows, ``baseline.py`` (the plain sequential sync httpx
loop) on the same rows, and a one-row ``io-batch send`` (start-up, reading, report); with
``--against``, the same two ``io-batch`` runs of that other checkout (its own
``.venv/bin/python``, its own code) too. CPU is the user + system time of each process
(``os.wait4``). The figures are medians over the rounds:

- io-batch CPU per call net of start-up = (CPU - one-row CPU) / (calls - one-row calls),
- the plain loop's CPU per call (whole process, as BENCHMARKS.md has it),
- their ratio (the target is <= 1.5x), and messages/s from the sandbox's own call log.

With ``--rate CALLS/SECONDS`` the io-batch runs (the one-row ones too) have that budget
and the plain loop is paced the same (``baseline.py``'s ``time.sleep`` before each call,
at the limiter's pace: the budget less its 1.5% guard): the CPU per call where users see
it. ``--rate 150/5 --rows 518`` is the full benchmark's "paced at 150/5 s, no latency"
(1036 calls, about 35 s a run); a faster pace of the same shape (``1500/5``) gives more
samples per minute for a profile.

Then one more ``io-batch send`` of each checkout runs under ``cProfile`` timed on CPU
(``time.process_time``), and the top entries by own time are printed, plus the same
time grouped by package. cProfile adds its own cost to every Python call, so its
shares are a map of where the time goes, not the figures above.
"""

from __future__ import annotations

import argparse
import pstats
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .harness import (
    PYTHON,
    REPO,
    Sandbox,
    quiet_env,
    run_measured,
    sandbox,
    write_recipients,
)
from .send_bench import PACE, CallStats, SendRun, run_baseline, write_job

POPULATION = ("--registered-ratio", "1", "--blocked-ratio", "0")  # two calls per row

# Runs ``io-batch ARGS`` under cProfile, timed on CPU, and dumps the stats to OUT.
PROFILED = """
import cProfile, sys, time
out = sys.argv[1]
sys.argv = ["io-batch", *sys.argv[2:]]
from batch.entry import main
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    code = main()
finally:
    profile.disable()
    profile.dump_stats(out)
sys.exit(code)
"""


@dataclass(frozen=True)
class Budget:
    """The ``[rate]`` of the measured runs: None for unlimited."""

    calls: int | None = None
    window: float = 5.0

    @classmethod
    def parse(cls, text: str) -> Budget:
        calls, _, window = text.partition("/")
        return cls(int(calls), float(window or 5))

    @property
    def plain_pace(self) -> float | None:
        """The plain loop's calls per second: the limiter's pace (None: unpaced)."""
        return None if self.calls is None else self.calls / self.window * PACE

    @property
    def label(self) -> str:
        return "unlimited" if self.calls is None else f"paced at {self.calls}/{self.window:g} s"


@dataclass(frozen=True)
class Checkout:
    """A copy of io-batch to measure: its folder and its own interpreter."""

    name: str
    root: Path
    python: str

    def command(self, *args: str) -> list[str]:
        return [self.python, "-m", "batch", "--log-format", "json", *args]


@dataclass
class Runs:
    sends: list[SendRun] = field(default_factory=list)
    starts: list[SendRun] = field(default_factory=list)

    def net_ms_per_call(self) -> list[float]:
        start_cpu = statistics.median(run.process.cpu for run in self.starts)
        start_calls = statistics.median(run.stats.calls for run in self.starts)
        return [
            1000 * (run.process.cpu - start_cpu) / (run.stats.calls - start_calls)
            for run in self.sends
        ]


def run_checkout_send(
    box: Sandbox, checkout: Checkout, folder: Path, rows: Path, budget: Budget
) -> SendRun:
    """One ``io-batch send`` of ``checkout`` with a fresh journal, from a fresh sandbox."""
    box.reset()
    folder.mkdir(parents=True)
    job = write_job(
        folder, base_url=box.base_url, input_path=rows, calls=budget.calls, window=budget.window
    )
    log = folder / "log.jsonl"
    process = run_measured(
        checkout.command("send", str(job)),
        timeout=1800,
        stdout=log,
        env=quiet_env(),
        cwd=checkout.root,
    )
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{checkout.name}: io-batch send exited {process.returncode}: {tail}")
    return SendRun(process, CallStats.of(box.calls()))


def profile_checkout(
    box: Sandbox, checkout: Checkout, folder: Path, rows: Path, budget: Budget
) -> Path:
    """One ``io-batch send`` of ``checkout`` under cProfile; returns the stats file."""
    box.reset()
    folder.mkdir(parents=True)
    job = write_job(
        folder, base_url=box.base_url, input_path=rows, calls=budget.calls, window=budget.window
    )
    stats = folder / "send.prof"
    command = [checkout.python, "-c", PROFILED, str(stats), "--log-format", "json"]
    command += ["send", str(job)]
    process = run_measured(
        command, timeout=3600, stdout=folder / "log.jsonl", env=quiet_env(), cwd=checkout.root
    )
    if process.returncode != 0:
        raise RuntimeError(f"{checkout.name}: the profiled send exited {process.returncode}")
    return stats


def area(filename: str) -> str:
    """The package a profiled function belongs to (``batch/...`` is ours)."""
    name = filename.replace("\\", "/")
    if "/batch/" in name and "site-packages" not in name:
        return "io-batch (batch/)"
    for package in ("httpx", "httpcore", "h11", "anyio", "asyncio", "structlog", "polars"):
        if f"/{package}/" in name:
            return package
    if "uvloop" in name:
        return "uvloop"
    if name.startswith("~") or name == "":
        return "built-ins (C: sockets, sqlite3, selectors...)"
    return "other Python"


def print_profile(title: str, path: Path, top: int) -> None:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in entries.values())
    print(f"\n### {title}: {total:.2f} s of CPU under cProfile\n")
    print("| own time | share | calls | function |\n|---:|---:|---:|---|")
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, function), (_cc, calls, own, _cum, _callers) in ranked[:top]:
        where = _short(filename)
        label = f"{where}:{line} {function}" if where else function
        print(f"| {own:.3f} s | {100 * own / total:.1f} % | {calls} | `{label}` |")
    grouped: dict[str, float] = defaultdict(float)
    for (filename, _line, _function), row in entries.items():
        grouped[area(filename)] += row[2]
    print("\n| package | own time | share |\n|---|---:|---:|")
    for name, own in sorted(grouped.items(), key=lambda item: item[1], reverse=True):
        print(f"| {name} | {own:.2f} s | {100 * own / total:.1f} % |")


def _short(filename: str) -> str:
    if filename.startswith("~"):
        return ""
    parts = Path(filename).parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) + 1 :])
    return "/".join(parts[-3:])


def _summary(name: str, values: Sequence[float], unit: str, digits: int) -> str:
    median, low, high = statistics.median(values), min(values), max(values)
    return (
        f"| {name} | {median:.{digits}f} {unit} | {low:.{digits}f} | {high:.{digits}f} | "
        f"{len(values)} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.cpu_profile")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="rounds (medians over them)")
    parser.add_argument("--top", type=int, default=30, help="profile entries to print")
    parser.add_argument("--no-profile", action="store_true", help="figures only")
    parser.add_argument(
        "--against", type=Path, help="another checkout (with its .venv) measured alongside"
    )
    parser.add_argument(
        "--rate",
        type=Budget.parse,
        default=Budget(),
        metavar="CALLS/SECONDS",
        help="a budget for io-batch, the plain loop paced the same (default: unlimited)",
    )
    args = parser.parse_args(argv)
    budget: Budget = args.rate
    checkouts = [Checkout("this checkout", REPO, PYTHON)]
    if args.against is not None:
        other = args.against.resolve()
        checkouts.append(Checkout(f"{other}", other, str(other / ".venv" / "bin" / "python")))
    runs = {checkout.name: Runs() for checkout in checkouts}
    plain: list[SendRun] = []
    with tempfile.TemporaryDirectory(prefix="io-batch-cpu-") as temp:
        folder = Path(temp)
        rows = write_recipients(folder / "rows.csv", args.rows, seed=3)
        one_row = write_recipients(folder / "one-row.csv", 1, seed=2)
        with sandbox(folder, "--unlimited", *POPULATION) as box:
            for number in range(args.runs):
                for index, checkout in enumerate(checkouts):
                    tag = f"{index}-{number}"
                    sent = run_checkout_send(box, checkout, folder / f"send-{tag}", rows, budget)
                    runs[checkout.name].sends.append(sent)
                    _progress(f"round {number + 1}: {checkout.name}", sent)
                    start = run_checkout_send(
                        box, checkout, folder / f"start-{tag}", one_row, budget
                    )
                    runs[checkout.name].starts.append(start)
                base = run_baseline(box, folder / f"plain-{number}", rows, budget.plain_pace)
                plain.append(base)
                _progress(f"round {number + 1}: plain loop", base)
            profiles = []
            if not args.no_profile:
                for index, checkout in enumerate(checkouts):
                    path = profile_checkout(
                        box, checkout, folder / f"profile-{index}", rows, budget
                    )
                    profiles.append((checkout.name, path))
        plain_ms = [run.cpu_ms_per_call for run in plain]
        print(f"\n## CPU per call, {budget.label}, {args.rows} rows, {args.runs} rounds\n")
        print("| figure | median | min | max | runs |\n|---|---:|---:|---:|---:|")
        print(_summary("plain loop: CPU per call, whole process", plain_ms, "ms", 3))
        print(
            _summary(
                "plain loop: messages/s",
                [run.stats.steady_messages_per_s for run in plain],
                "/s",
                0,
            )
        )
        for checkout in checkouts:
            measured = runs[checkout.name]
            net = measured.net_ms_per_call()
            ratios = [ours / theirs for ours, theirs in zip(net, plain_ms, strict=True)]
            name = checkout.name
            whole = [run.cpu_ms_per_call for run in measured.sends]
            start_ms = [1000 * run.process.cpu for run in measured.starts]
            speed = [run.stats.steady_messages_per_s for run in measured.sends]
            print(_summary(f"{name}: CPU per call, whole process", whole, "ms", 3))
            print(_summary(f"{name}: CPU per call, net of start-up", net, "ms", 3))
            print(_summary(f"{name}: CPU of a one-row run", start_ms, "ms", 0))
            print(_summary(f"{name}: net CPU per call / plain loop (<= 1.5x)", ratios, "x", 2))
            print(_summary(f"{name}: messages/s", speed, "/s", 0))
        for name, path in profiles:
            print_profile(name, path, args.top)
    return 0


def _progress(label: str, run: SendRun) -> None:
    print(
        f"[cpu] {label}: {run.stats.calls} calls, {run.process.cpu:.2f} s CPU, "
        f"{run.cpu_ms_per_call:.3f} ms/call, {run.stats.steady_messages_per_s:.0f} msg/s",
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
