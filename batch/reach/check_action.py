"""Reach's row action: the profile check alone, never a submit.

A citizen on several rows is checked once: the journal's claim (one per citizen) makes
the later rows ``duplicate``, and the reach CSV gives them the checked row's answer
(``reach/output.py``). The rows are keyed on ``PROFILE_ONLY``, not on a message, and
reach runs under a journal of its own (``<job>.reach``), so nothing it records can ever
count as sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from batch.config.choices import DuplicatePolicy
from batch.models import Outcome, Row
from batch.send.row_action import RowContext, answer_or_release

#: The journal's content key of a profile-only row: one per citizen, no message.
PROFILE_ONLY = "profile-only"


@dataclass(frozen=True, slots=True)
class CheckProfileOnly:
    """Whether each citizen can be reached on IO: ``reachable``, or why not."""

    @property
    def submits(self) -> bool:
        return False

    async def outcome(self, row: Row, context: RowContext) -> Outcome | None:
        journal, run_id, line, code = context.journal, context.run_id, row.line, row.fiscal_code
        preset = journal.claim(
            run_id, line, code, PROFILE_ONLY, duplicates=DuplicatePolicy.ONE_PER_CITIZEN
        )
        if preset is None:
            preset = await answer_or_release(context, line, context.dispatcher.check(code))
            if preset is None:
                return None
        journal.record(run_id, line, code, PROFILE_ONLY, preset)
        return preset
