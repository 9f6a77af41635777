"""Which files are a job's journals, and for which shard layout each was named.

Each shard of a sharded job has its own journal (``<job>.shard-K-of-N.journal.sqlite``),
an unsharded run has ``<job>.journal.sqlite``; another job's journal may share the
prefix (``nightly-b`` beside ``nightly``), and a reach journal is no send's.
"""

from __future__ import annotations

from pathlib import Path

from batch.config.shards import SHARD_STEM
from batch.config.state_dir import JOURNAL_SUFFIX

UNSHARDED = 0  # the "shard count" of an unsharded journal


def layout_of(job_name: str, journal: Path) -> int | None:
    """The shard count a journal of ``job_name`` was named for (``UNSHARDED``: none);
    None: not a journal of that job."""
    name = journal.name
    if name == f"{job_name}{JOURNAL_SUFFIX}":
        return UNSHARDED
    found = SHARD_STEM.match(name.removesuffix(JOURNAL_SUFFIX))
    if found is None or not name.endswith(JOURNAL_SUFFIX) or found["base"] != job_name:
        return None
    return int(found["count"])
