"""A row's final outcome in the journal: written (``write_outcome``, which also keeps the
``sent`` table of what reached a citizen) and read back in line order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from batch.common.clock import utc_timestamp
from batch.i18n import _
from batch.journal.sql import UPSERT_DONE
from batch.models import Outcome, Status


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    line: int
    fiscal_code: str
    outcome: Outcome
    run_id: str


def recorded_outcomes(
    db: sqlite3.Connection, run_id: str, low: int, high: int
) -> Iterator[RecordedOutcome]:
    """Final outcomes of lines ``low..high`` (inclusive), in line order."""
    cursor = db.execute(
        "SELECT line, fiscal_code, status, reason_code, reason, message_id, http_status, "
        "attempts, sent_at, outcome_run, language FROM rows "
        "WHERE run_id = ? AND state = 'done' AND line BETWEEN ? AND ? ORDER BY line",
        (run_id, low, high),
    )
    for (
        line,
        fiscal_code,
        status,
        code,
        reason,
        mid,
        http,
        attempts,
        sent_at,
        by,
        language,
    ) in cursor:
        outcome = Outcome(
            Status(status),
            code or "",
            reason or "",
            mid or "",
            http,
            attempts or 0,
            sent_at or "",
            language or "",
        )
        yield RecordedOutcome(line, fiscal_code, outcome, by or run_id)


def outcome_rows(
    db: sqlite3.Connection, run_id: str, low: int, high: int
) -> list[tuple[object, ...]]:
    """Like ``outcomes``, as plain tuples in the results file's column order (for a
    fast rewrite: line, fiscal_code, status, reason_code, reason, message_id,
    http_status, attempts, sent_at, run_id, language)."""
    return db.execute(
        "SELECT line, fiscal_code, status, reason_code, reason, message_id, http_status, "
        "attempts, sent_at, coalesce(outcome_run, run_id), coalesce(language, '') FROM rows "
        "WHERE run_id = ? AND state = 'done' AND line BETWEEN ? AND ? ORDER BY line",
        (run_id, low, high),
    ).fetchall()


def write_outcome(
    db: sqlite3.Connection,
    run_id: str,
    line: int,
    fiscal_code: str,
    content_hash: str,
    *,
    outcome: Outcome,
) -> None:
    """The row's outcome, and what it means for the ``sent`` table (content_hash '': a
    row that never became a message, which ``sent`` knows nothing of)."""
    db.execute(
        UPSERT_DONE,
        (run_id, line, fiscal_code, content_hash, *outcome_values(outcome, run_id)),
    )
    if not content_hash:
        return
    if outcome.status is Status.SENT:
        db.execute(
            "UPDATE sent SET state = 'sent', message_id = ?, recorded_at = ? "
            "WHERE fiscal_code = ? AND content_hash = ? AND run_id = ?",
            (outcome.message_id, utc_timestamp(), fiscal_code, content_hash, run_id),
        )
    elif outcome.status is Status.UNKNOWN:
        db.execute(
            "UPDATE sent SET state = 'unknown' WHERE fiscal_code = ? AND content_hash = ? "
            "AND run_id = ? AND state = 'in_flight'",
            (fiscal_code, content_hash, run_id),
        )
    else:
        # Refused or never accepted: nothing reached the citizen, a later run may retry.
        db.execute(
            "DELETE FROM sent WHERE fiscal_code = ? AND content_hash = ? AND run_id = ? "
            "AND line = ? AND state = 'in_flight'",
            (fiscal_code, content_hash, run_id, line),
        )


def outcome_values(outcome: Outcome, run_id: str) -> tuple[object, ...]:
    return (
        outcome.status.value,
        outcome.reason_code,
        outcome.reason,
        outcome.message_id,
        outcome.http_status,
        outcome.attempts,
        outcome.sent_at,
        run_id,
        outcome.language,
    )


def unknown_after_crash() -> Outcome:
    return Outcome(
        Status.UNKNOWN,
        "submit.interrupted",
        _("the run stopped while this submit was in flight: check before resending"),
    )
