"""Where a job's journal lives: with the job, never with one night's output.

The journal is what stops tomorrow's run from messaging everyone again, so it must
be found by every run of the job whatever ``--output`` says. It is
``<state dir>/<job name>.journal.sqlite`` (shard K of N of a sharded run:
``<job name>.shard-K-of-N.journal.sqlite``), the state dir being, first match wins:

1. ``[output] state_dir`` in the job file (relative to the job file's folder);
2. the ``IO_BATCH_STATE_DIR`` environment variable (the image sets ``/data/state``,
   on the persistent volume; relative to the working directory);
3. ``state/`` in the job file's folder.

Journals used to sit beside the results file. A journal found there while the new
place has none stops the run (exit 2) instead of starting an empty one: silently
starting afresh would send every message again. "There" is beside this run's
``--output`` and beside the job file's own ``[output] path``: the old journal sits
where the job's nights wrote, whatever folder tonight's ``--output`` names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batch.config.job import Job
from batch.errors import ConfigError

STATE_DIR_ENV = "IO_BATCH_STATE_DIR"
DEFAULT_FOLDER = "state"
JOURNAL_SUFFIX = ".journal.sqlite"


@dataclass(frozen=True, slots=True)
class JournalLocation:
    path: Path
    source: str  # says which rule chose it, for the start-up line and the log


def journal_location(job: Job, environ: Mapping[str, str] | None = None) -> JournalLocation:
    """The job's journal, and why there; ``ConfigError`` if an old one would be missed."""
    environ = os.environ if environ is None else environ
    name = journal_name(job)
    if job.state_dir is not None:
        folder = job.state_dir.absolute()
        return JournalLocation(folder / name, "[output] state_dir of the job file")
    from_env = environ.get(STATE_DIR_ENV, "").strip()
    if from_env:
        folder = Path(from_env).resolve()
        location = JournalLocation(folder / name, f"{STATE_DIR_ENV}={from_env}")
    else:
        folder = (job.source.parent / DEFAULT_FOLDER).absolute()
        location = JournalLocation(folder / name, "the default: state/ beside the job file")
    _refuse_to_miss_an_old_journal(job, location)
    return location


def journal_name(job: Job) -> str:
    """``<job>.journal.sqlite``; shard K of N: ``<job>.shard-K-of-N.journal.sqlite``."""
    shard = "" if job.shard is None else f".{job.shard.suffix}"
    return f"{job.name}{shard}{JOURNAL_SUFFIX}"


def old_journal_places(job: Job, name: str) -> list[Path]:
    """Where an earlier version may have left the journal ``name``: beside this run's
    output, then beside the job file's ``[output] path``."""
    folders = [job.output.parent]
    if job.configured_output is not None:
        folders.append(job.configured_output.parent)
    return list(dict.fromkeys(folder.absolute() / name for folder in folders))


def _refuse_to_miss_an_old_journal(job: Job, location: JournalLocation) -> None:
    if location.path.exists():
        return
    here = location.path.resolve()
    found = [
        old
        for old in old_journal_places(job, location.path.name)
        if old.exists() and old.resolve() != here
    ]
    if not found:
        return
    old = found[0]
    raise ConfigError(
        f"the journal of job {job.name!r} is at {old} (beside the results, where earlier "
        f"versions kept it), but this version looks for it at {location.path} "
        f"({location.source}); starting an empty one would send every message again",
        hint=f"move {old.name} with its -wal and -shm files to {location.path.parent}, "
        f'or set [output] state_dir = "{old.parent}" in the job file',
    )


def journal_path(job: Job) -> Path:
    """The job's journal, wherever the output goes."""
    return journal_location(job).path
