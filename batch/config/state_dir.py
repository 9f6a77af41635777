"""Where a job's journal lives: with the job and its target, never with one night's output.

The journal is what stops tomorrow's run from messaging everyone again, so it must
be found by every run of the job whatever ``--output`` says. A message counts as sent
only on the target it went to (a trial on the sandbox must never make a live send
``already_sent``), so each target keeps its own journal, in a folder of the state dir
named after the target's identity (``target_identity``: kind and URL, never the key, so
rotating the key keeps the journal): ``<state dir>/<target folder>/<job name>.journal.sqlite``
(shard K of N of a sharded run: ``<job name>.shard-K-of-N.journal.sqlite``), the state
dir being, first match wins:

1. ``[output] state_dir`` in the job file (relative to the job file's folder);
2. the ``IO_BATCH_STATE_DIR`` environment variable (the image sets ``/data/state``,
   on the persistent volume; relative to the working directory);
3. ``state/`` in the job file's folder.

Journals made before targets were told apart sit in the state dir itself: the next run
adopts such a journal for the target the job names then (``journal.target``).
Journals older still sat beside the results file: one found there while the state dir
has none stops the run (exit 2) instead of starting an empty one, which would send
every message again. "There" is beside this run's ``--output`` and beside the job
file's own ``[output] path``: the old journal sits where the job's nights wrote,
whatever folder tonight's ``--output`` names.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from batch.config.job import Job
from batch.config.target_identity import EMBEDDED_SANDBOX, target_identity
from batch.errors import ConfigError
from batch.i18n import N_, _

STATE_DIR_ENV = "IO_BATCH_STATE_DIR"
DEFAULT_FOLDER = "state"
JOURNAL_SUFFIX = ".journal.sqlite"
_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")
#: Which rule chose the state dir (as the log says it; ``shown_source`` for a person).
FROM_JOB_FILE = N_("[output] state_dir of the job file")
BY_DEFAULT = N_("the default: state/ beside the job file")


@dataclass(frozen=True, slots=True)
class JournalLocation:
    path: Path
    source: str  # says which rule chose the state dir, for the start-up line and the log
    state_dir: Path  # the folder of every target's folder (and of the feed's lists)
    target: str  # the identity of the target whose journal this is
    #: A journal of this job from before targets were told apart (in the state dir itself),
    #: when the target has none yet: the run adopts it (``journal.target``).
    legacy: Path | None = None


def target_folder(identity: str) -> str:
    """A file-system-safe, readable and unique folder name for a target identity:
    ``sandbox-embedded``, ``io-api.io.pagopa.it-1f2e3d4c``, ``sandbox-127.0.0.1-8080-...``.
    The digest keeps apart identities that the readable part would spell alike."""
    if identity == EMBEDDED_SANDBOX:
        return "sandbox-embedded"
    kind, _colon, url = identity.partition(":")
    parts = urlsplit(url)
    readable = _UNSAFE.sub("-", f"{parts.netloc}{parts.path}").strip("-")[:60]
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]
    return f"{kind}-{readable}-{digest}"


def journal_location(job: Job, environ: Mapping[str, str] | None = None) -> JournalLocation:
    """The job's journal for its target, and why there; ``ConfigError`` if an old one
    would be missed."""
    environ = os.environ if environ is None else environ
    if job.state_dir is not None:
        folder, source = job.state_dir.absolute(), FROM_JOB_FILE
    else:
        from_env = environ.get(STATE_DIR_ENV, "").strip()
        if from_env:
            folder, source = Path(from_env).resolve(), f"{STATE_DIR_ENV}={from_env}"
        else:
            folder = (job.source.parent / DEFAULT_FOLDER).absolute()
            source = BY_DEFAULT
    identity = target_identity(job.target)
    name = journal_name(job)
    path = folder / target_folder(identity) / name
    legacy = folder / name
    location = JournalLocation(
        path, source, folder, identity, legacy if legacy.exists() and not path.exists() else None
    )
    if job.state_dir is None:
        _refuse_to_miss_an_old_journal(job, location)
    return location


def shown_source(location: JournalLocation) -> str:
    """Which rule chose the state dir, in the office's language (the variable as set)."""
    if location.source in (FROM_JOB_FILE, BY_DEFAULT):
        return _(FROM_JOB_FILE) if location.source == FROM_JOB_FILE else _(BY_DEFAULT)
    return location.source  # the variable as set: IO_BATCH_STATE_DIR=...


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
    if location.path.exists() or location.legacy is not None:
        return
    in_state_dir = (location.state_dir / location.path.name).resolve()
    found = [
        old
        for old in old_journal_places(job, location.path.name)
        if old.exists() and old.resolve() != in_state_dir
    ]
    if not found:
        return
    old = found[0]
    raise ConfigError(
        _(
            "the journal of job {job} is at {old} (beside the results, where earlier "
            "versions kept it), but this version looks for it in {state_dir} "
            "({source}); starting an empty one would send every message again"
        ).format(
            job=repr(job.name),
            old=old,
            state_dir=location.state_dir,
            source=shown_source(location),
        ),
        hint=_(
            "move {name} with its -wal and -shm files to {state_dir} (the next "
            "run files it under this job's target, {target}), "
            'or set [output] state_dir = "{folder}" in the job file'
        ).format(
            name=old.name, state_dir=location.state_dir, target=location.target, folder=old.parent
        ),
    )


def journal_path(job: Job) -> Path:
    """The job's journal for its target, wherever the output goes."""
    return journal_location(job).path
