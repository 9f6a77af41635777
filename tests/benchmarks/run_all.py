"""Measure io-batch against the performance targets of BENCHMARKS.md and print a table.

    .venv/bin/python -m tests.benchmarks [--quick] [--markdown PATH]     (from the repo root)

Full run: about 16 minutes on 2 cores (three 65 s budget runs, 1M/5M/10M-row dry runs,
a 1M-row resume, validate over 0.3M-2M malformed lines); ``--quick``: the same
measurements at toy sizes in well under a minute, to prove the suite works, not the
targets. Inputs are generated (seeded) in a
temporary folder and deleted at the end; the sandbox runs as its own process on
127.0.0.1. Every measured command runs in a process of its own, started by a bare
launcher (``alone``), so that its peak RSS is its own and not this suite's. Progress
goes to stderr; the table (markdown) to stdout and to ``--markdown``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .feed_bench import feed_figures
from .figures import Figure, markdown_table
from .huge_value_bench import huge_value_figures
from .journal_bench import journal_figures
from .malformed_bench import malformed_figures
from .resume_bench import resume_figures
from .send_bench import budget_figures, unlimited_figures
from .sizes import FULL, QUICK, Sizes
from .validation import validation_figures

# The table's rows, in order: each figure's name starts with its prefix.
EXPECTED_PREFIXES = (
    "budget use, steady state",
    "budget use, whole run",
    "budget run: first to last call",
    "most calls in any 5 s window",
    "429 answers received",
    "client CPU per call at 150/5 s, whole process",
    "client CPU per call at 150/5 s, net of start-up",
    "client CPU of a one-row run",
    "unlimited: io-batch messages/s",
    "unlimited: plain sequential httpx loop messages/s",
    "unlimited: io-batch / plain loop",
    "unlimited: client CPU per call, whole process",
    "unlimited: client CPU per call, net of start-up",
    "unlimited: plain loop CPU per call",
    "unlimited: io-batch net of start-up / plain loop",
    "paced at 150/5 s, no latency: io-batch CPU per call",
    "paced at 150/5 s, no latency: plain loop paced the same",
    "paced at 150/5 s, no latency: io-batch / plain loop",
    "dry run speed",
    "dry run peak RSS",
    "dry run peak RSS",
    "dry run peak RSS",
    "dry run peak RSS",
    "resume of a",
    "resume of a",
    "peak RSS, 4 rows with one",
    "peak RSS, 4 rows with one",
    "validate peak RSS, ",  # rows each a field short (three sizes)...
    "validate speed, ",
    "validate peak RSS, ",
    "validate speed, ",
    "validate peak RSS, ",
    "validate speed, ",
    "validate peak RSS, one quoted value of",  # ...and one value over many lines
    "validate speed, one quoted value of",
    "journal per message, synchronous=NORMAL (default), median",
    "journal per message, synchronous=NORMAL (default), mean",
    "journal per message, synchronous=FULL (--durable), median",
    "journal per message, synchronous=FULL (--durable), mean",
    "feed mode: sent messages per minute",
    "api mode: sent messages per minute",
    "feed / api sent messages per minute",
    "feed mode: calls per sent message",
    "feed mode: calls per sent message, with the sync",
    "api mode: calls per sent message",
)


def measure(folder: Path, sizes: Sizes) -> list[Figure]:
    figures: list[Figure] = []

    def step(name: str, run: Callable[[], list[Figure]]) -> None:
        started = time.monotonic()
        print(f"[bench] {name}...", file=sys.stderr, flush=True)
        figures.extend(run())
        print(f"[bench] {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

    start_up = []

    def budget() -> list[Figure]:
        measured, start = budget_figures(folder, sizes)
        start_up.append(start)
        return measured

    step("budget use and CPU per call at the default budget", budget)
    step("unlimited throughput against the plain loop", lambda: unlimited_figures(
        folder, sizes, start_up[0]))  # fmt: skip
    step("dry run speed and memory", lambda: validation_figures(folder, sizes))
    step("resume of a big journal", lambda: resume_figures(folder, sizes))
    step("memory with one huge value", lambda: huge_value_figures(folder, sizes))
    step("memory and speed over malformed CSVs", lambda: malformed_figures(folder, sizes))
    step("journal cost per message", lambda: journal_figures(folder, sizes))
    step("feed mode against profile checks", lambda: feed_figures(folder, sizes))
    return figures


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="toy sizes, one run each")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="io-batch-bench-") as folder:
        figures = measure(Path(folder), sizes)
    mode = "quick (toy sizes: proves the suite runs, not the targets)" if args.quick else "full"
    text = (
        f"io-batch benchmarks, {mode}: {machine()}, "
        f"{time.monotonic() - started:.0f} s\n\n{markdown_table(figures)}"
    )
    print(text, end="")
    if args.markdown is not None:
        args.markdown.write_text(text, encoding="utf-8")
    return 0
