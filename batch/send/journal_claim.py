"""Whether a row may be sent at all: the journal's answer before a row is claimed.

Two records say no. This run's ``rows``: the same citizen (``one_per_citizen``), or the
same citizen and content (``send_once``), on an earlier line of the file is a
``duplicate``. The ``sent`` table: a message with the same content key that an earlier
run sent is ``already_sent``, and one it may have sent (its submit's outcome is not
known) is ``unknown``, unless the operator asks to send it again (``Resend``).
"""

from __future__ import annotations

import sqlite3

from batch.config.choices import DuplicatePolicy, Resend
from batch.models import Outcome, Status


def why_not_send(
    db: sqlite3.Connection,
    run_id: str,
    line: int,
    fiscal_code: str,
    content_hash: str,
    *,
    duplicates: DuplicatePolicy,
    resend: Resend,
) -> Outcome | None:
    """The outcome that keeps the row from being sent, or None: it may be claimed."""
    if duplicates is not DuplicatePolicy.SEND_ALL:
        earlier = _earlier_in_run(
            db, run_id, line, fiscal_code, content_hash, duplicates=duplicates
        )
        if earlier is not None:
            same = (
                "recipient and content" if duplicates is DuplicatePolicy.SEND_ONCE else "recipient"
            )
            return Outcome(Status.DUPLICATE, "row.duplicate", f"same {same} as line {earlier}")
    record = db.execute(
        "SELECT state, message_id, run_id, line FROM sent "
        "WHERE fiscal_code = ? AND content_hash = ?",
        (fiscal_code, content_hash),
    ).fetchone()
    if record is None or record[2] == run_id:
        return None
    state, message_id, earlier_run, earlier_line = record
    if state == "sent" and Resend.SENT not in resend:
        return Outcome(
            Status.ALREADY_SENT,
            "row.already_sent",
            f"sent by run {earlier_run} (line {earlier_line}); --force-resend sends again",
            message_id=message_id or "",
        )
    if state != "sent" and Resend.UNKNOWN not in resend:
        return Outcome(
            Status.UNKNOWN,
            "row.earlier_unknown",
            f"run {earlier_run} (line {earlier_line}) may have sent it; "
            "check, then --resend-unknown sends again",
        )
    return None


def _earlier_in_run(
    db: sqlite3.Connection,
    run_id: str,
    line: int,
    fiscal_code: str,
    content_hash: str,
    *,
    duplicates: DuplicatePolicy,
) -> int | None:
    if duplicates is DuplicatePolicy.ONE_PER_CITIZEN:
        query = (
            "SELECT min(line) FROM rows WHERE run_id = ? AND fiscal_code = ? "
            "AND line != ? AND (status IS NULL OR status != 'invalid')"
        )
        found = db.execute(query, (run_id, fiscal_code, line)).fetchone()
    else:
        query = (
            "SELECT min(line) FROM rows WHERE run_id = ? AND fiscal_code = ? "
            "AND content_hash = ? AND line != ?"
        )
        found = db.execute(query, (run_id, fiscal_code, content_hash, line)).fetchone()
    earlier: int | None = found[0] if found else None
    return earlier
