"""Which rows of a results file an errata reaches: those the original message reached.

PagoPA asks a sender whose campaign went out wrong to write to exactly the same
recipients, "Errata corrige" and the original title. Exactly the same means: the rows
whose status is ``sent`` or ``already_sent`` *and* that carry IO's message id. Every other
row is left out, and ``count_rows`` says why:

- ``not_registered``, ``not_allowed``, ``not_subscribed``, ``not_test_recipient``,
  ``invalid``, ``duplicate``, ``excluded``, ``rejected``, ``failed``, ``pending``: the
  original never reached the citizen;
- ``unknown``: the original submit may have arrived (a timeout, a crash), but nobody can
  tell, since IO cannot look a lost message up, and an errata about a message never
  received would puzzle the citizen: not reached, listed apart for the operator to decide;
- ``sent`` or ``already_sent`` without a message id (``submit.accepted_without_id``,
  ``submit.accepted_bad_id``): IO accepted something, but no id says what, so ``verify``
  cannot confirm it: not reached, listed apart.

A results file written by ``rerun`` carries every earlier row over, once, with the
outcome and message id of the run that sent it: the last file of a rerun chain holds
every citizen the campaign reached, each once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import polars as pl

from batch.common.csv_safety import restore_expr
from batch.config.job import Job
from batch.input import read
from batch.models import Status
from batch.output.results_layout import result_field
from batch.shards.rows import restrict_to_shard

#: The statuses of a row the original message reached (with its message id).
REACHED = frozenset({Status.SENT, Status.ALREADY_SENT})
_REACHED_VALUES = [member.value for member in REACHED]
#: How ``count_rows`` names a sent row with no message id among the rows left out.
WITHOUT_ID = "sent without a message id"


def reached() -> pl.Expr:
    """True on the rows of a results file (as read, outcome columns ``_result:...``)
    that an errata reaches."""
    status = pl.col(result_field("status"))
    message_id = restore_expr(pl.col(result_field("message_id"))).fill_null("").str.strip_chars()
    return status.is_in(_REACHED_VALUES) & (message_id != "")


def restrict_rows(source: read.InputFile, job: Job, *, errata: bool) -> None:
    """The rows a run reads: a sharded run's shard (``shard_rows``), and of those, for an
    errata, the rows the original reached."""
    restrict_to_shard(source, job)
    if errata:
        restrict_to_reached(source)


def restrict_to_reached(source: read.InputFile) -> None:
    """From now on ``source.batches()`` gives only the rows an errata reaches (of its
    shard, when a shard's filter was set first)."""
    earlier = source.row_filter

    def keep(frame: pl.DataFrame) -> pl.DataFrame:
        if earlier is not None:
            frame = earlier(frame)
        return frame.filter(reached())

    source.row_filter = keep


@dataclass
class RowCount:
    """What an errata makes of a results file: the rows it reaches, and the others."""

    rows: int = 0
    reached: Counter[str] = field(default_factory=Counter)  # per original status
    left_out: Counter[str] = field(default_factory=Counter)  # per status, or WITHOUT_ID

    @property
    def to_reach(self) -> int:
        return sum(self.reached.values())


def count_rows(source: read.InputFile) -> RowCount:
    """Count every row of the results file (before any filter) by what an errata does."""
    count = RowCount()
    status = result_field("status")
    sent = pl.col(status).is_in(_REACHED_VALUES)
    for batch in source.batches():
        count.rows += batch.height
        marked = batch.select(
            pl.col(status).fill_null(""),
            reached().alias("_reached"),
            sent.alias("_sent"),
        )
        for value, is_reached, is_sent, rows in (
            marked.group_by(status, "_reached", "_sent").len().iter_rows()
        ):
            if is_reached:
                count.reached[value] += rows
            elif is_sent:
                count.left_out[WITHOUT_ID] += rows
            else:
                count.left_out[value or "(empty)"] += rows
    return count
