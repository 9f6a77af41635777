"""Looks into a job's journal by the commands that do not run it: the shard layout
guard, ``merge``, ``approve``'s check, the new-target check, the report.

None of them takes the job's lock (the run that holds it may still be going), and none
writes. Two ways to open, each said where it is used:

- ``_open_to_look``: read-write, only read. A WAL journal opened read-only needs its
  ``-shm`` file, which a journal whose last run ended cleanly no longer has: these looks
  must see such a journal (the layout guard and merge refuse on what they find).
- ``_open_read_only``: ``mode=ro``, for the report, which must never change a file it
  reads; a journal it cannot open so leaves a gap in the report, not an error.

An unreadable journal raises ``sqlite3.Error``: each caller says what that means for it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from batch.journal.sql import recorded_target


@dataclass(frozen=True, slots=True)
class JournalRun:
    """A run as the journal recorded it."""

    input_digest: str
    started_at: str
    finished_at: str
    state: str


def _open_to_look(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def holds_rows(path: Path) -> bool:
    """Whether a journal recorded any row or message."""
    with closing(_open_to_look(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        return any(
            db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]  # noqa: S608
            for table in ("rows", "sent")
            if table in tables
        )


def target_and_sent(path: Path) -> tuple[str | None, int]:
    """The target a journal records (None: not recorded) and how many messages it holds
    as sent or maybe sent (an unknown outcome)."""
    with closing(_open_to_look(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        target = recorded_target(db) if "meta" in tables else None
        sent = 0
        if "sent" in tables:
            sent = db.execute("SELECT count(*) FROM sent").fetchone()[0]
    return target, int(sent)


def last_run_writing(path: Path, output: Path) -> tuple[str, str, int] | None:
    """The latest run that wrote ``output``: its id, its state and how many of its rows
    are not done; None when no run wrote it."""
    with closing(_open_to_look(path)) as db:
        found = db.execute(
            "SELECT run_id, state FROM runs WHERE output = ? ORDER BY started_at DESC LIMIT 1",
            (str(output.resolve()),),
        ).fetchone()
        if found is None:
            return None
        run_id, state = found
        open_rows = db.execute(
            "SELECT count(*) FROM rows WHERE run_id = ? AND state != 'done'", (run_id,)
        ).fetchone()[0]
    return str(run_id), str(state), int(open_rows)


def latest_run_of_same_input(path: Path, output: Path) -> tuple[str, str, str] | None:
    """For the latest run that wrote ``output``: its id, and the id and output of the
    latest run of the journal over the same input (the same file digest), which is that
    run itself unless a later run read the same input into another file; None when no
    run wrote ``output``."""
    with closing(_open_to_look(path)) as db:
        found = db.execute(
            "SELECT run_id, input_digest FROM runs WHERE output = ? "
            "ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (str(output.resolve()),),
        ).fetchone()
        if found is None:
            return None
        run_id, digest = found
        latest_id, latest_output = db.execute(
            "SELECT run_id, output FROM runs WHERE input_digest = ? "
            "ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (digest,),
        ).fetchone()
    return str(run_id), str(latest_id), str(latest_output)


def ran_input(path: Path, input_digest: str) -> bool:
    """Whether the journal records a run of the input with that digest."""
    with closing(_open_to_look(path)) as db:
        found = db.execute(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE input_digest = ?)", (input_digest,)
        ).fetchone()
    return bool(found[0])


def recorded_run(path: Path, run_id: str) -> JournalRun | None:
    """The journal's record of ``run_id`` (None: no such run), read-only."""
    with closing(_open_read_only(path)) as db:
        found = db.execute(
            "SELECT input_digest, started_at, coalesce(finished_at, ''), state "
            "FROM runs WHERE run_id = ?",
            (run_id,),
        ).fetchone()
    return None if found is None else JournalRun(*(str(value) for value in found))
