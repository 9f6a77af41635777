"""Feed mode against profile checks: messages per minute on the same population and budget.

    .venv/bin/python -m tests.benchmarks.feed_bench [--rows N] [--seconds S] [--days D]

One sandbox process at 150 calls per 5 s, its citizens the input's fiscal codes (80%
registered, 5% of those blocked the service), their subscriptions spread over the
feed's last D days. Each mode sends the same input from a fresh state for a time slice
(SIGINT after S seconds: the run finishes its calls in flight and stops), the sandbox
reset in between. A rate is a rate: a slice of a long run measures it as well as the
whole run would, which at 20k rows and 150/5 s takes 15-20 minutes per mode.

- sent messages per minute: the sandbox's ledger, first to last accepted message;
- calls per sent message: every call the sandbox logged during the send / messages
  accepted; for feed mode also counting the sync that came first (D calls, once a day
  in production: a fixed cost, not one per message).
"""

from __future__ import annotations

import argparse
import csv
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from batch.sandbox import fetch_ledger

from .figures import Figure, Target, markdown_table
from .harness import REPO, Sandbox, io_batch, quiet_env, run_measured, sandbox, write_job
from .harness import write_recipients as write_input
from .sizes import FULL, Sizes

CALLS, WINDOW = 150, 5.0
REGISTERED = 0.8
STOP_WAIT = 120.0


@dataclass(frozen=True)
class ModeRun:
    sent: int
    span_s: float  # first to last accepted message
    calls: int  # calls of the send
    sync_calls: int = 0

    @property
    def per_minute(self) -> float:
        return 60 * (self.sent - 1) / self.span_s if self.sent > 1 and self.span_s > 0 else 0.0

    @property
    def calls_per_sent(self) -> float:
        return self.calls / self.sent if self.sent else float("inf")

    @property
    def calls_per_sent_with_sync(self) -> float:
        return (self.calls + self.sync_calls) / self.sent if self.sent else float("inf")


def _codes(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        return [row[0] for row in reader]


def _send_for(job: Path, seconds: float, log: Path) -> int:
    """``io-batch send JOB``, stopped with SIGINT after ``seconds`` if still running."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            io_batch("send", str(job)), cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
            env=quiet_env(),
        )  # fmt: skip
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=STOP_WAIT)
    return process.returncode


def _mode(
    box: Sandbox, folder: Path, recipients: Path, check: str, start: str, seconds: float
) -> ModeRun:
    folder.mkdir(parents=True, exist_ok=True)
    job = write_job(
        folder, base_url=box.base_url, input_path=recipients, calls=CALLS, window=WINDOW
    )
    with job.open("a", encoding="utf-8") as handle:
        handle.write(f'[profile]\ncheck = "{check}"\nfeed_start = "{start}"\n')
    box.reset()
    sync_calls = 0
    if check == "feed":
        synced = run_measured(
            io_batch("subscribers", "sync", str(job)), timeout=600, stdout=folder / "sync.log",
            env=quiet_env(),
        )  # fmt: skip
        if synced.returncode != 0:
            raise RuntimeError((folder / "sync.log").read_text(errors="replace")[-2000:])
        sync_calls = box.call_count()
        box.reset()
    code = _send_for(job, seconds, folder / "send.log")
    if code not in (0, 1, 130):
        raise RuntimeError((folder / "send.log").read_text(errors="replace")[-2000:])
    ledger = sorted(entry.t for entry in fetch_ledger(box.base_url))
    span = ledger[-1] - ledger[0] if len(ledger) > 1 else 0.0
    return ModeRun(len(ledger), span, box.call_count(), sync_calls)


def measure(folder: Path, rows: int, seconds: float, days: int) -> tuple[ModeRun, ModeRun]:
    recipients = write_input(folder / "feed-bench.csv", rows, seed=16)
    citizens = folder / "citizens.txt"
    citizens.write_text("\n".join(_codes(recipients)) + "\n", encoding="utf-8")
    start = (datetime.now(UTC).date() - timedelta(days=days)).isoformat()
    options = (
        "--rate-calls", str(CALLS), "--rate-window", str(WINDOW),
        "--registered-ratio", str(REGISTERED), "--citizens", str(citizens), "--feed-start", start,
    )  # fmt: skip
    with sandbox(folder, *options) as box:
        api = _mode(box, folder / "api", recipients, "api", start, seconds)
        feed = _mode(box, folder / "feed", recipients, "feed", start, seconds)
    return api, feed


def feed_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    api, feed = measure(folder, sizes.feed_rows, sizes.feed_seconds, sizes.feed_days)
    return figures(api, feed, sizes.feed_days)


def figures(api: ModeRun, feed: ModeRun, days: int) -> list[Figure]:
    ratio = feed.per_minute / api.per_minute if api.per_minute else 0.0
    return [
        Figure("feed mode: sent messages per minute at 150/5 s", (feed.per_minute,), "", 0),
        Figure("api mode: sent messages per minute at 150/5 s", (api.per_minute,), "", 0),
        Figure("feed / api sent messages per minute", (ratio,), "x", 2, Target(">=", 1.8)),
        Figure(
            "feed mode: calls per sent message", (feed.calls_per_sent,), "", 3, Target("<=", 1.02)
        ),
        Figure(
            f"feed mode: calls per sent message, with the sync of {days} days",
            (feed.calls_per_sent_with_sync,),
            "",
            3,
        ),
        Figure("api mode: calls per sent message", (api.calls_per_sent,), "", 3),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.feed_bench")
    parser.add_argument("--rows", type=int, default=FULL.feed_rows)
    parser.add_argument("--seconds", type=float, default=FULL.feed_seconds)
    parser.add_argument("--days", type=int, default=FULL.feed_days)
    args = parser.parse_args(argv)
    import tempfile  # noqa: PLC0415

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="io-batch-feed-bench-") as folder:
        api, feed = measure(Path(folder), args.rows, args.seconds, args.days)
    print(
        f"feed benchmark: {args.rows} rows, {args.seconds:g} s slice per mode, "
        f"{args.days}-day feed, {time.monotonic() - started:.0f} s\n"
    )
    for name, run in (("api", api), ("feed", feed)):
        print(
            f"{name}: {run.sent} sent in {run.span_s:.1f} s, {run.calls} calls"
            + (f" (+{run.sync_calls} sync calls)" if run.sync_calls else ""),
        )
    print()
    print(markdown_table(figures(api, feed, args.days)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
