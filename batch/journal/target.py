"""Which journal a run opens for its target, before it opens it.

A message counts as sent only on the target it went to, so each target has its own
journal (``config.state_dir``). Three cases are settled here, before the journal opens:

- **A journal from before targets were told apart** (``<state dir>/<job>.journal.sqlite``)
  and none yet for this target: the run adopts it for the target the job names now (it
  is moved into the target's folder and records the target), and says so in the log. It
  is the journal the job has been using, so nothing it recorded is sent again.
- **A sandbox's journal** (the embedded one, or one started apart) never stands in the
  way: its messages reached nobody, and a live send must send them all.
- **Another real IO target's journal**, and none yet for this one (``kind = "io"`` at a
  new ``base_url``): the run stops (exit 2) before any call and asks which it is. The
  same IO environment under another address (the mTLS gateway, say) must go on with
  that journal, or every citizen would be messaged again (``--same-environment``: this
  target takes it over); another environment starts its own (``--new-environment``).
  Either way the choice is made once: from then on the target has its own journal.
"""

from __future__ import annotations

import glob
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from batch.common.logs import get_logger
from batch.config.choices import TargetKind
from batch.config.state_dir import JOURNAL_SUFFIX, JournalLocation
from batch.errors import ConfigError
from batch.journal.looks import target_and_sent
from batch.journal.names import layout_of
from batch.journal.sql import SCHEMA, lock_exclusively, record_target

_LIVE = f"{TargetKind.IO.value}:"


class EnvironmentChoice(StrEnum):
    """What the operator said about a new IO target while another one has a journal."""

    ASK = "ask"  # nothing yet: stop and ask
    SAME = "same"  # --same-environment: take over the other target's journal
    NEW = "new"  # --new-environment: start this target's own journal


@dataclass(frozen=True, slots=True)
class OtherJournal:
    path: Path
    target: str
    sent: int


def prepare_journal(
    location: JournalLocation, job_name: str, *, choice: EnvironmentChoice, sends: bool = True
) -> None:
    """Adopt, take over or start the target's journal, as the module says; ``sends``
    is False for a run that never submits (``reach``), which other targets never concern."""
    if location.path.exists():
        return
    if location.legacy is not None:
        if move_journal(location.legacy, location.path, location.target):
            get_logger().warning(
                "journal.adopted",
                journal=str(location.path),
                was=str(location.legacy),
                target=location.target,
                detail="a journal made before journals were kept per target: assumed to "
                "record the target the job names now",
            )
        return
    if not sends or not location.target.startswith(_LIVE):
        return
    if _journals_of(location.path.parent, job_name):
        return  # the target has journals of the job (another shard's): chosen already
    others = other_live_journals(location, job_name)
    if not others:
        return
    if choice is EnvironmentChoice.NEW:
        get_logger().info(
            "journal.new_target",
            journal=str(location.path),
            target=location.target,
            others=[other.target for other in others],
        )
        return
    listed = "; ".join(f"{o.target} ({o.sent:,} messages sent, {o.path})" for o in others)
    if choice is EnvironmentChoice.SAME:
        _take_over(location, others, listed)
        return
    raise ConfigError(
        f"this run sends to {location.target}, which has no journal yet, but the job has "
        f"one for {listed}. A message counts as sent only on the target it went to",
        hint="the same IO environment under another address (the mTLS gateway, say): run "
        "with --same-environment, and this target takes that journal over (nothing it "
        "recorded is sent again); another environment: run with --new-environment to "
        "start its own journal",
    )


def _take_over(location: JournalLocation, others: list[OtherJournal], listed: str) -> None:
    """--same-environment: the one other IO target's journal of this name becomes ours."""
    if len({other.target for other in others}) > 1:
        raise ConfigError(
            f"--same-environment: more than one other IO target has journals of this job: "
            f"{listed}; cannot tell which one {location.target} is",
            hint="move the journals of the targets that are not this environment out of "
            f"{location.state_dir}, then run again",
        )
    same_name = [other for other in others if other.path.name == location.path.name]
    if not same_name:
        raise ConfigError(
            f"--same-environment: the journals of this job on {others[0].target} are of "
            f"another shard layout ({listed}), none is {location.path.name}",
            hint="run with the shard layout those journals were made with",
        )
    if move_journal(same_name[0].path, location.path, location.target):
        get_logger().warning(
            "journal.taken_over",
            journal=str(location.path),
            was=str(same_name[0].path),
            target=location.target,
            previous_target=same_name[0].target,
        )


def other_live_journals(location: JournalLocation, job_name: str) -> list[OtherJournal]:
    """The job's journals (any shard layout) in other real IO targets' folders, with
    messages sent; an unreadable one counts (refusing is the safe side)."""
    found: list[OtherJournal] = []
    if not location.state_dir.is_dir():
        return found
    for folder in sorted(location.state_dir.iterdir()):
        if not folder.is_dir() or folder == location.path.parent:
            continue
        for candidate in _journals_of(folder, job_name):
            try:
                target, sent = target_and_sent(candidate)
            except sqlite3.Error:
                target, sent = f"{_LIVE}(unreadable journal in {folder.name})", 1
            if target is not None and target.startswith(_LIVE) and sent:
                found.append(OtherJournal(candidate, target, sent))
    return found


def _journals_of(folder: Path, job_name: str) -> list[Path]:
    """The job's journals in ``folder``, any shard layout (not its reach journal: a reach
    sends nothing, and not another job's named alike)."""
    if not folder.is_dir():
        return []
    found = sorted(folder.glob(f"{glob.escape(job_name)}*{JOURNAL_SUFFIX}"))
    return [path for path in found if layout_of(job_name, path) is not None]


def move_journal(source: Path, destination: Path, target: str) -> bool:
    """Move a journal (with its -wal and -shm files) to ``destination``, recording
    ``target`` in it; under its lock, so no run of an earlier version writes it meanwhile.
    False when another run moved it first."""
    lock_path = source.with_name(source.name + ".lock")
    lock = lock_exclusively(lock_path)
    try:
        if destination.exists() or not source.exists():
            return False
        destination.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as db:
            db.executescript(SCHEMA)
            with db:
                record_target(db, target)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("", "-wal", "-shm"):
            moved = Path(f"{source}{suffix}")
            if moved.exists():
                moved.replace(Path(f"{destination}{suffix}"))
        lock_path.unlink(missing_ok=True)
        return True
    finally:
        os.close(lock)
