"""What the journal costs per message, crash-safe (synchronous=NORMAL) or power-loss safe
(synchronous=FULL, ``--durable``).

One message is what a worker does for a row that is sent: ``claim``, ``record_intent``
(committed before the submit) and ``record`` of the outcome, three commits on a fresh
journal file in a temporary folder on the same disk as the rest of the benchmark.
Each message is timed on its own; a run's figures are the median and the mean (the
mean carries the WAL checkpoints, which the median hides).
"""

from __future__ import annotations

import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from batch.config.choices import DuplicatePolicy
from batch.identifiers import fiscal_code
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.sandbox import new_ulid

from .figures import Figure
from .sizes import Sizes


def _one_run(folder: Path, messages: int, *, durable: bool, seed: int) -> list[float]:
    """Seconds per message, for ``messages`` messages on a new journal."""
    rng = random.Random(seed)
    rows = []
    for line in range(2, messages + 2):
        code = fiscal_code.generate(rng)
        rows.append((line, code, hashlib.sha256(f"{code}:{line}".encode()).hexdigest()))
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        journal = Journal(Path(scratch) / "bench.journal.sqlite", durable=durable)
        try:
            run_id = journal.start_run(Path(scratch) / "results.csv", "0" * 64).run_id
            timings = []
            for line, code, digest in rows:
                sent = Outcome(
                    Status.SENT, "submit.created", "", new_ulid(), 201, 2, "2026-12-01T10:00:00Z"
                )
                started = time.perf_counter()
                preset = journal.claim(
                    run_id, line, code, digest, duplicates=DuplicatePolicy.SEND_ONCE
                )
                journal.record_intent(run_id, line, code, digest)
                journal.record(run_id, line, code, digest, sent)
                timings.append(time.perf_counter() - started)
                if preset is not None:
                    raise RuntimeError(f"line {line} was not claimed: {preset}")
        finally:
            journal.close()
    return timings


def journal_figures(folder: Path, sizes: Sizes) -> list[Figure]:
    figures = []
    for durable, messages in (
        (False, sizes.journal_messages),
        (True, sizes.journal_durable_messages),
    ):
        runs = [
            _one_run(folder, messages, durable=durable, seed=number)
            for number in range(sizes.journal_runs)
        ]
        mode = "synchronous=FULL (--durable)" if durable else "synchronous=NORMAL (default)"
        for label, statistic in (("median", statistics.median), ("mean", statistics.fmean)):
            figures.append(
                Figure(
                    f"journal per message, {mode}, {label} of {messages:,} messages",
                    tuple(1e6 * statistic(run) for run in runs),
                    "µs",
                    0,
                )
            )
    return figures
