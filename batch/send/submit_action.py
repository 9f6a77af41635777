"""The send's row action: check the profile (unless the feed said yes), then submit.

A row is claimed in the journal under its content key ("the same message",
``rules/same_message.py``; a pilot puts its template digest before it), so that an
earlier run's message, or a duplicate in this file, is never sent again; the intent is
recorded before the submit goes out; and the outcome is recorded once it is final.
"""

from __future__ import annotations

from dataclasses import dataclass

from batch.config.choices import Resend
from batch.config.job import Job
from batch.feed.outcome import not_subscribed
from batch.feed.store import SubscriberStore
from batch.models import Message, Outcome, Row
from batch.rules.code_digest import code_digest
from batch.rules.same_message import SameMessage
from batch.send.languages import localised
from batch.send.past_due import PastDueCount
from batch.send.row_action import RowContext, answer_or_release


@dataclass(frozen=True, slots=True)
class CheckAndSubmit:
    """One IO message per valid row, never the same one twice."""

    job: Job
    same: SameMessage  # what "the same message" is, for the journal
    dedupe_column: str | None  # [columns] dedupe_key, resolved in the input
    resend: Resend  # --force-resend, --resend-unknown
    digest_scope: str  # a pilot's template digest (SendOptions.digest_scope)
    subscribers: SubscriberStore | None  # feed mode: who may be messaged
    past_due: PastDueCount  # messages whose due date had passed when they were sent

    @property
    def submits(self) -> bool:
        return True

    async def outcome(self, row: Row, context: RowContext) -> Outcome | None:
        message = row.message
        assert message is not None  # the producer only queues valid rows
        digest = self.digest_scope + self.same.digest(row, self.dedupe_column)
        journal, run_id, line, code = context.journal, context.run_id, row.line, message.fiscal_code
        preset = journal.claim(
            run_id, line, code, digest, duplicates=self.job.message.duplicates, resend=self.resend
        )
        if preset is not None:
            journal.record(run_id, line, code, digest, preset)
            return preset

        async def before_submit() -> None:
            journal.record_intent(run_id, line, code, digest)

        subscribers = self.subscribers
        if subscribers is not None and not subscribers.is_subscriber(code_digest(code)):
            refused = not_subscribed()  # no call: the feed says IO would refuse it
            journal.record(run_id, line, code, digest, refused)
            return refused
        base = self.job.message.language

        def localise(preferred: tuple[str, ...]) -> tuple[str, Message]:
            return localised(row, base, preferred)

        # A stop is raised only before a request went out, and every earlier submit of
        # the row was answered "not queued": nothing reached the citizen, it is pending.
        sending = context.dispatcher.send(
            message, before_submit, check_profile=subscribers is None, localise=localise
        )
        outcome = await answer_or_release(context, line, sending)
        if outcome is None:
            return None
        journal.record(run_id, line, code, digest, outcome)
        self.past_due.add(line, message, outcome)
        return outcome
