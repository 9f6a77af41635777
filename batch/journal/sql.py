"""The journal's storage: SQLite schema and statements, transactions, the job's lock."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from batch.errors import BusyError

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    output TEXT NOT NULL,
    input_digest TEXT NOT NULL,
    settings_digest TEXT,            -- the job file and flags the run ran with (run_identity)
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL              -- running | finished | interrupted
);
CREATE TABLE IF NOT EXISTS rows (
    run_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    fiscal_code TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL,             -- claimed | in_flight | done
    status TEXT, reason_code TEXT, reason TEXT, message_id TEXT,
    http_status INTEGER, attempts INTEGER, sent_at TEXT,
    outcome_run TEXT,                -- the run that produced the outcome (reruns carry it)
    language TEXT,                   -- the language the message went out in
    PRIMARY KEY (run_id, line)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rows_by_citizen ON rows (run_id, fiscal_code, content_hash);
-- The few unfinished rows, found at resume without scanning the finished million
-- (see FORGET_CLAIMS and IN_FLIGHT_ROWS below: the queries that depend on it).
CREATE INDEX IF NOT EXISTS rows_open ON rows (run_id, state) WHERE state != 'done';
CREATE TABLE IF NOT EXISTS sent (
    fiscal_code TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL,             -- in_flight | sent | unknown
    message_id TEXT,
    run_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (fiscal_code, content_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,            -- 'target': the identity of the target it records
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

# The rows a crash or a stop left open (``Journal.settle``, at every resume and at the
# end of every run), found through the partial index rows_open. The condition
# "state != 'done'" looks redundant next to "state = ...", but SQLite can use a partial
# index only when the query repeats the index's WHERE clause word for word. INDEXED BY
# makes the planner take it (left alone, it scans the run's primary key for the SELECT:
# ~100 ms per million done rows) and fails loudly should the two ever part.
FORGET_CLAIMS = (
    "DELETE FROM rows INDEXED BY rows_open "
    "WHERE run_id = ? AND state != 'done' AND state = 'claimed'"
)
IN_FLIGHT_ROWS = (
    "SELECT line, fiscal_code, content_hash FROM rows INDEXED BY rows_open "
    "WHERE run_id = ? AND state != 'done' AND state = 'in_flight'"
)

# A row's final outcome, written in one statement (content_hash is '' for rows that
# never became a message: invalid ones and rows carried over by a rerun).
UPSERT_DONE = (
    "INSERT OR REPLACE INTO rows (run_id, line, fiscal_code, content_hash, state, status, "
    "reason_code, reason, message_id, http_status, attempts, sent_at, outcome_run, language) "
    "VALUES (?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def add_missing_columns(db: sqlite3.Connection) -> None:
    """A journal written by an earlier version gets the columns added since (empty for
    the rows it already holds): its record of what was sent keeps working."""
    present = {row[1] for row in db.execute("PRAGMA table_info(rows)")}
    if "language" not in present:
        db.execute("ALTER TABLE rows ADD COLUMN language TEXT")
    # Who ran each run (send --operator), for the audit trail; added here for new journals
    # too, so the CREATE TABLE above stays as every earlier version wrote it.
    if "operator" not in {row[1] for row in db.execute("PRAGMA table_info(runs)")}:
        db.execute("ALTER TABLE runs ADD COLUMN operator TEXT")
    # An earlier version's runs have none: never given back as finished (run_identity).
    if "settings_digest" not in {row[1] for row in db.execute("PRAGMA table_info(runs)")}:
        db.execute("ALTER TABLE runs ADD COLUMN settings_digest TEXT")


def recorded_target(db: sqlite3.Connection) -> str | None:
    """The identity of the target whose sends the journal records; None for a journal
    made before targets were told apart."""
    found = db.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()
    return None if found is None else str(found[0])


def record_target(db: sqlite3.Connection, identity: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('target', ?)", (identity,))


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")


def lock_exclusively(path: Path) -> int:
    """Hold the job's lock for as long as the journal is open.

    Two runs of one job at once would each think the other's rows were never sent. The
    lock is released by the kernel when the process ends, however it ends."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BusyError(
            f"another io-batch run of this job is going on (it holds {path})",
            hint="wait for it to end; two runs of one job at once could send twice",
        ) from None
    return fd
