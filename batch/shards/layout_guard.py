"""The shard layout must not change while a campaign's journals are in use.

Each shard has its own journal, and a citizen's shard depends on N: run the same job
with another layout and a citizen already messaged by shard 2 of 3 may be in shard 1
of 4, whose journal never heard of them, and get the message again. So a run refuses
(exit 2) when the state dir holds, for its job, a journal of another layout with rows
in it: an unsharded run when shard journals exist; a K-of-N run when the unsharded
journal or journals of M shards (M != N) exist.
"""

from __future__ import annotations

import glob
import sqlite3
from pathlib import Path

from batch.config.job import Job
from batch.config.state_dir import JOURNAL_SUFFIX
from batch.errors import ConfigError
from batch.journal.looks import holds_rows
from batch.journal.names import UNSHARDED, layout_of


def check_layout(job: Job, journal: Path, legacy_folder: Path | None = None) -> None:
    """``ConfigError`` naming the journals of another layout that hold rows: in the
    target's folder (each target has its own journals, so its own layout), and in
    ``legacy_folder`` (the state dir, where journals made before targets were told apart
    wait to be adopted by the target the job names)."""
    count = UNSHARDED if job.shard is None else job.shard.count
    folder = journal.parent
    others = []
    for place in dict.fromkeys([folder, *([legacy_folder] if legacy_folder else [])]):
        if not place.is_dir():
            continue
        for path in sorted(place.glob(f"{glob.escape(job.name)}*{JOURNAL_SUFFIX}")):
            layout = layout_of(job.name, path)
            if layout is not None and layout != count and _has_rows(path):
                others.append(path)
    if not others:
        return
    this = "an unsharded run" if job.shard is None else f"shard {job.shard.label}"
    listed = ", ".join(path.name if path.parent == folder else str(path) for path in others)
    raise ConfigError(
        f"{folder} holds journals of job {job.name!r} for another shard layout, with rows in "
        f"them: {listed}. Running {this} would put citizens in other journals than the ones "
        "that recorded them, and message them twice",
        hint="run with the layout those journals were made with (the same [shards] count or "
        "--shards, or none); change the layout only between campaigns, once those journals' "
        "messages may be sent again: then move them out of the state dir",
    )


def _has_rows(path: Path) -> bool:
    """Whether a journal recorded any row or message; one that cannot be read counts as
    holding rows (refusing is the safe side)."""
    try:
        return holds_rows(path)
    except sqlite3.Error:
        return True
