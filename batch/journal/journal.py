"""The durable record of a job: per-row state of each run, and what was ever sent.

One SQLite database per job and target (``<state_dir>/<target folder>/<job name>.journal.sqlite``,
``config.state_dir``) in WAL mode; it records its target's identity (table ``meta``).
Two tables carry the guarantees:

- ``rows``: one row per input line per run, ``claimed`` (a worker took it) ->
  ``in_flight`` (the intent, committed *before* the submit goes out) -> ``done``
  (the outcome, committed as soon as it is known). A crash leaves at most the
  in-flight submits without an outcome; resume turns those into ``unknown``.
- ``sent``: every message that was, or may have been, accepted, keyed by fiscal code
  and content digest, kept for ``retention_days``. It is what stops tomorrow's run of
  the same file, a rerun or a duplicate row from messaging a citizen twice.

Commits happen on the event loop thread with no ``await`` between a response and its
commit, so no other task can observe a half-recorded row. In WAL mode with
``synchronous=NORMAL`` a commit survives a process crash; ``durable=True`` switches to
``synchronous=FULL`` so it also survives a power loss, at the cost of an fsync.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from batch.common.clock import utc_timestamp
from batch.config.choices import DuplicatePolicy, Resend
from batch.errors import ConfigError, InputError
from batch.journal.claims import refusal
from batch.journal.outcomes import (
    RecordedOutcome,
    outcome_rows,
    outcome_values,
    recorded_outcomes,
    unknown_after_crash,
    write_outcome,
)
from batch.journal.sql import (
    FORGET_CLAIMS,
    IN_FLIGHT_ROWS,
    SCHEMA,
    UPSERT_DONE,
    Transaction,
    add_missing_columns,
    lock_exclusively,
    record_target,
    recorded_target,
)
from batch.models import Outcome


@dataclass(frozen=True, slots=True)
class Run:
    run_id: str
    resumed: bool
    unknown_after_crash: int  # in-flight submits of the previous attempt, now UNKNOWN
    # The run had finished over this very input: it is given back as it was, no call made
    # (a process killed after its summary and restarted; the same command run again).
    replayed: bool = False


class Journal:
    def __init__(self, path: Path, *, durable: bool = False, target: str | None = None) -> None:
        """``target``: the identity of the target the run sends to. A journal records the
        one it was made for, and refuses to be opened for another (a copied or moved
        file: its messages count as sent only where they went)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = lock_exclusively(path.with_name(path.name + ".lock"))
        path.touch(mode=0o600, exist_ok=True)
        self.path = path
        # isolation_level=None: we open and commit transactions ourselves, explicitly.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)
        add_missing_columns(self._db)
        if target is not None:
            self._check_target(target)

    def _check_target(self, target: str) -> None:
        recorded = recorded_target(self._db)
        if recorded is None:
            record_target(self._db, target)
        elif recorded != target:
            self.close()
            raise ConfigError(
                f"the journal {self.path} records the messages sent to {recorded}, but this "
                f"run sends to {target}: a message counts as sent only on the target it went to",
                hint="put the journal back in the folder of its target (the run says at start "
                "which journal it uses), or point the job's [target] at the environment it "
                "records",
            )

    def close(self) -> None:
        self._db.close()
        os.close(self._lock)  # releases the lock

    # -- runs ---------------------------------------------------------------------------

    def start_run(
        self, output: Path, input_digest: str, *, settings_digest: str = "", replay: bool = False
    ) -> Run:
        """Resume the unfinished run that writes ``output``, or start a new one.

        ``replay``: when the latest run that wrote ``output`` finished over the same
        input (the same file digest) with the same settings (``run_identity``), that
        run is returned as ``replayed``: nothing is left to do for it, and a new run
        would turn its ``sent`` rows into ``already_sent`` and check again every
        profile it checked."""
        key = str(output.resolve())
        if replay and settings_digest:
            latest = self._db.execute(
                "SELECT run_id, state, input_digest, settings_digest FROM runs WHERE output = ? "
                "ORDER BY started_at DESC, rowid DESC LIMIT 1",
                (key,),
            ).fetchone()
            if latest is not None and tuple(latest[1:]) == (
                "finished",
                input_digest,
                settings_digest,
            ):
                return Run(str(latest[0]), resumed=False, unknown_after_crash=0, replayed=True)
        found = self._db.execute(
            "SELECT run_id, input_digest FROM runs WHERE output = ? AND state != 'finished' "
            "ORDER BY started_at DESC LIMIT 1",
            (key,),
        ).fetchone()
        if found is None:
            run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
            self._db.execute(
                "INSERT INTO runs (run_id, output, input_digest, settings_digest, started_at, "
                "state) VALUES (?, ?, ?, ?, ?, 'running')",
                (run_id, key, input_digest, settings_digest or None, utc_timestamp()),
            )
            return Run(run_id, resumed=False, unknown_after_crash=0)
        run_id, digest = found
        if digest != input_digest:
            raise InputError(
                f"the input changed since the unfinished run {run_id} that writes {output}",
                hint="restore the original input to resume it, or choose another --output",
            )
        unknown = self.settle(run_id)
        self._db.execute("UPDATE runs SET state = 'running' WHERE run_id = ?", (run_id,))
        return Run(run_id, resumed=True, unknown_after_crash=unknown)

    def record_operator(self, run_id: str, operator: str) -> None:
        """Add who runs this attempt to the run's operators (a resume by someone else
        adds a name: ``alice, bob``)."""
        found = self._db.execute("SELECT operator FROM runs WHERE run_id = ?", (run_id,))
        names = [name for name in ((found.fetchone() or [""])[0] or "").split(", ") if name]
        if operator and operator not in names:
            self._db.execute(
                "UPDATE runs SET operator = ? WHERE run_id = ?",
                (", ".join([*names, operator]), run_id),
            )

    def settle(self, run_id: str) -> int:
        """After a crash or a forced stop: claims are forgotten (those rows are pending
        again) and submits that were in flight are UNKNOWN. Returns how many."""
        with self._transaction():
            self._db.execute(FORGET_CLAIMS, (run_id,))
            in_flight = self._db.execute(IN_FLIGHT_ROWS, (run_id,)).fetchall()
            for line, fiscal_code, content_hash in in_flight:
                unknown = unknown_after_crash()
                write_outcome(self._db, run_id, line, fiscal_code, content_hash, outcome=unknown)
        return len(in_flight)

    def started_at(self, run_id: str) -> datetime:
        """When the first attempt of ``run_id`` began (a resume keeps its plan to it)."""
        (text,) = self._db.execute(
            "SELECT started_at FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))

    def finish_run(self, run_id: str, *, interrupted: bool) -> None:
        self._db.execute(
            "UPDATE runs SET state = ?, finished_at = ? WHERE run_id = ?",
            ("interrupted" if interrupted else "finished", utc_timestamp(), run_id),
        )

    def purge(self, retention_days: int) -> int:
        """Forget runs and sent records older than the retention; returns records purged."""
        cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).strftime("%Y-%m-%dT")
        with self._transaction():
            old = [
                run_id
                for (run_id,) in self._db.execute(
                    "SELECT run_id FROM runs WHERE state = 'finished' AND started_at < ?",
                    (cutoff,),
                )
            ]
            for run_id in old:
                self._db.execute("DELETE FROM rows WHERE run_id = ?", (run_id,))
                self._db.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))
            purged = self._db.execute(
                "DELETE FROM sent WHERE recorded_at < ? AND state = 'sent'", (cutoff,)
            ).rowcount
        return purged

    # -- rows ---------------------------------------------------------------------------

    def done_lines(self, run_id: str) -> list[int]:
        return [
            line
            for (line,) in self._db.execute(
                "SELECT line FROM rows WHERE run_id = ? AND state = 'done'", (run_id,)
            )
        ]

    def claim(
        self,
        run_id: str,
        line: int,
        fiscal_code: str,
        content_hash: str,
        *,
        duplicates: DuplicatePolicy,
        resend: Resend = Resend.NONE,
    ) -> Outcome | None:
        """Take a valid row for sending, or say why it must not be sent at all
        (``journal_claim``: a duplicate in this run, or a message an earlier run sent).

        ``resend``: the operator's explicit wish to send again what an earlier run sent
        (``SENT``), or may have sent (``UNKNOWN``).
        """
        refused = refusal(
            self._db, run_id, line, fiscal_code, content_hash, duplicates=duplicates, resend=resend
        )
        if refused is not None:
            return refused
        self._db.execute(
            "INSERT OR REPLACE INTO rows (run_id, line, fiscal_code, content_hash, state) "
            "VALUES (?, ?, ?, ?, 'claimed')",
            (run_id, line, fiscal_code, content_hash),
        )
        return None

    def record_intent(self, run_id: str, line: int, fiscal_code: str, content_hash: str) -> None:
        """Committed before the submit goes out: a crash from here on means UNKNOWN."""
        with self._transaction():
            self._db.execute(
                "UPDATE rows SET state = 'in_flight' WHERE run_id = ? AND line = ?",
                (run_id, line),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO sent "
                "(fiscal_code, content_hash, state, run_id, line, recorded_at) "
                "VALUES (?, ?, 'in_flight', ?, ?, ?)",
                (fiscal_code, content_hash, run_id, line, utc_timestamp()),
            )

    def record(
        self, run_id: str, line: int, fiscal_code: str, content_hash: str, outcome: Outcome
    ) -> None:
        with self._transaction():
            write_outcome(self._db, run_id, line, fiscal_code, content_hash, outcome=outcome)

    def record_many(self, run_id: str, rows: Iterable[tuple[int, str, Outcome]]) -> None:
        """Outcomes decided without any call (invalid rows, carried-over rerun rows)."""
        with self._transaction():
            self._db.executemany(
                UPSERT_DONE,
                (
                    (run_id, line, fiscal_code, "", *outcome_values(outcome, run_id))
                    for line, fiscal_code, outcome in rows
                ),
            )

    def carry(self, run_id: str, rows: Iterable[tuple[int, str, Outcome, str]]) -> None:
        """Rerun: keep an earlier run's final outcome, with the run that produced it."""
        with self._transaction():
            self._db.executemany(
                UPSERT_DONE,
                (
                    (run_id, line, fiscal_code, "", *outcome_values(outcome, earlier_run))
                    for line, fiscal_code, outcome, earlier_run in rows
                ),
            )

    def release(self, run_id: str, line: int) -> None:
        """The row was not sent after all (the job stopped first): back to pending."""
        with self._transaction():
            self._db.execute(
                "DELETE FROM sent WHERE run_id = ? AND line = ? AND state = 'in_flight'",
                (run_id, line),
            )
            self._db.execute("DELETE FROM rows WHERE run_id = ? AND line = ?", (run_id, line))

    def outcomes(self, run_id: str, low: int, high: int) -> Iterator[RecordedOutcome]:
        """Final outcomes of lines ``low..high`` (inclusive), in line order."""
        return recorded_outcomes(self._db, run_id, low, high)

    def outcome_rows(self, run_id: str, low: int, high: int) -> list[tuple[object, ...]]:
        """``outcomes`` as plain tuples in the results file's column order (``outcomes``)."""
        return outcome_rows(self._db, run_id, low, high)

    def _transaction(self) -> Transaction:
        return Transaction(self._db)
