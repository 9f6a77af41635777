"""How big and how long each benchmark is: the full suite, and the quick smoke mode."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    runs: int  # runs of each send benchmark (budget, start-up, unlimited, baseline)
    budget_seconds: float  # how long the calls of one budget run should last
    unlimited_rows: int  # rows of one unlimited run (and of the baseline's)
    validation_rows: tuple[int, int, int]  # the dry run's sizes: speed on the first,
    validation_runs: int  # memory on all three (flatness: the third against the second)
    resume_rows: int  # rows of the input whose journal is resumed...
    resume_pending: int  # ...of which this many are not done yet
    resume_runs: int
    journal_messages: int  # messages per journal micro-benchmark run, synchronous=NORMAL
    journal_durable_messages: int  # the same with synchronous=FULL (an fsync per commit)
    journal_runs: int
    huge_value_mb: int  # the one huge value of a 4-row file (validate and send memory)
    huge_value_runs: int
    feed_rows: int  # the population of the feed benchmark (the same input in both modes)
    feed_seconds: float  # the time slice each mode sends for
    feed_days: int  # the feed's history, synced before the feed-mode send
    shard_rows: int  # the input of the shard benchmark (1, 2 and 4 shards of it)
    malformed_rows: tuple[int, ...]  # validate over this many rows, each a field short
    malformed_value_lines: int  # ...and over one quoted value of this many lines
    malformed_runs: int


FULL = Sizes(
    runs=3,
    budget_seconds=65.0,
    unlimited_rows=3_000,
    validation_rows=(1_000_000, 5_000_000, 10_000_000),
    validation_runs=3,
    resume_rows=1_000_000,
    resume_pending=1_000,
    resume_runs=3,
    journal_messages=5_000,
    journal_durable_messages=500,
    journal_runs=3,
    huge_value_mb=50,
    huge_value_runs=3,
    feed_rows=20_000,
    feed_seconds=120.0,
    feed_days=30,
    shard_rows=6_000,
    malformed_rows=(300_000, 1_000_000, 2_000_000),
    malformed_value_lines=1_000_000,
    malformed_runs=3,
)

QUICK = Sizes(
    runs=1,
    budget_seconds=3.0,
    unlimited_rows=150,
    validation_rows=(20_000, 50_000, 100_000),
    validation_runs=1,
    resume_rows=20_000,
    resume_pending=200,
    resume_runs=1,
    journal_messages=300,
    journal_durable_messages=30,
    journal_runs=3,
    huge_value_mb=5,
    huge_value_runs=1,
    feed_rows=40,
    feed_seconds=3.0,
    feed_days=2,
    shard_rows=60,
    malformed_rows=(3_000, 10_000, 20_000),
    malformed_value_lines=10_000,
    malformed_runs=1,
)
