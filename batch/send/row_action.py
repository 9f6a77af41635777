"""What a run does with each valid row it takes: a small strategy the run is given.

``send``, ``rerun``, ``errata`` and ``pilot`` check the profile and submit the message
(``submit_action.CheckAndSubmit``, the default); ``reach`` checks the profile only, with
an action of its own (``reach/check_action.py``). The run knows neither mode: it reads
and validates the rows, hands each valid one to its action under the shared journal,
dispatcher and stop, and records nothing itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from batch.api.stopping import StopRequested
from batch.errors import BatchError
from batch.journal.journal import Journal
from batch.models import Outcome, Row
from batch.send.dispatch import Dispatcher


@dataclass(frozen=True, slots=True)
class RowContext:
    """What an action works with: the run's journal, its id, the one dispatcher (its
    client, limiter, retries and stop gate), and the run's stop on a job-level error."""

    journal: Journal
    run_id: str
    dispatcher: Dispatcher
    fail: Callable[[BatchError], None]


class RowAction(Protocol):
    """Turn one valid row into its final outcome, recorded in the journal; None when the
    run's stop came first (the row is released: pending, nothing went out for it)."""

    #: Whether the action submits messages: a run that only reads needs no choice of
    #: environment when the job's IO target changes (``journal_target``), and is never
    #: the same run as one that sends over the same input (``run_identity``).
    @property
    def submits(self) -> bool: ...

    async def outcome(self, row: Row, context: RowContext) -> Outcome | None: ...


async def answer_or_release(
    context: RowContext, line: int, call: Awaitable[Outcome]
) -> Outcome | None:
    """The answer of ``call`` for the claimed ``line``, or None with the claim released:
    when a stop came first (raised only before a request went out, so nothing reached
    the citizen and the row is pending), or when a job-level error stops the run."""
    try:
        return await call
    except StopRequested:
        context.journal.release(context.run_id, line)
        return None
    except BatchError as error:
        context.journal.release(context.run_id, line)
        context.fail(error)
        return None
