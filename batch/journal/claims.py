"""Whether a valid row may be claimed for sending: the guarantees a claim checks.

A row is not sent when the run has an earlier row for the same citizen (and content,
by the job's ``[input] duplicates`` policy), when an earlier run sent the same message
to the same citizen (``already_sent``: ``--force-resend`` sends again), or when an
earlier run may have sent it (an unknown outcome: ``--resend-unknown`` sends again).
"""

from __future__ import annotations

import sqlite3

from batch.config.choices import DuplicatePolicy, Resend
from batch.i18n import _
from batch.models import Outcome, Status


def refusal(
    db: sqlite3.Connection,
    run_id: str,
    line: int,
    fiscal_code: str,
    content_hash: str,
    *,
    duplicates: DuplicatePolicy,
    resend: Resend,
) -> Outcome | None:
    """Why the row must not be sent at all; None: it may be claimed.

    ``resend``: the operator's explicit wish to send again what an earlier run sent
    (``SENT``), or may have sent (``UNKNOWN``).
    """
    if duplicates is not DuplicatePolicy.SEND_ALL:
        earlier = _earlier_in_run(
            db, run_id, line, fiscal_code, content_hash, duplicates=duplicates
        )
        if earlier is not None:
            same = (
                _("same recipient and content as line {line}")
                if duplicates is DuplicatePolicy.SEND_ONCE
                else _("same recipient as line {line}")
            )
            return Outcome(Status.DUPLICATE, "row.duplicate", same.format(line=earlier))
    record = db.execute(
        "SELECT state, message_id, run_id, line FROM sent "
        "WHERE fiscal_code = ? AND content_hash = ?",
        (fiscal_code, content_hash),
    ).fetchone()
    if record is not None and record[2] != run_id:
        state, message_id, earlier_run, earlier_line = record
        if state == "sent" and Resend.SENT not in resend:
            return Outcome(
                Status.ALREADY_SENT,
                "row.already_sent",
                _("sent by run {run} (line {line}); --force-resend sends again").format(
                    run=earlier_run, line=earlier_line
                ),
                message_id=message_id or "",
            )
        if state != "sent" and Resend.UNKNOWN not in resend:
            return Outcome(
                Status.UNKNOWN,
                "row.earlier_unknown",
                _(
                    "run {run} (line {line}) may have sent it; check, then "
                    "--resend-unknown sends again"
                ).format(run=earlier_run, line=earlier_line),
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
    """The run's earlier line for the same citizen (and content, under ``send_once``)."""
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
