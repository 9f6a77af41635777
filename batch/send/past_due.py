"""Messages that went out with a due date already past: allowed, but worth saying.

IO accepts a due date in the past, and an office may mean it (a reminder of a missed
deadline), so such rows are sent. The dry run lists them as a warning; a send counts
the ones it submitted, logs how many (with their first lines) and puts the count in
its summary, so that a date typed a year off does not go unnoticed.
"""

from __future__ import annotations

from batch.common.clock import utc_timestamp
from batch.common.logs import Logger
from batch.models import Message, Outcome, Status
from batch.output.run_summary import RunReport
from batch.rules import dates

LINES_SHOWN = 20


class PastDueCount:
    def __init__(self) -> None:
        self.count = 0
        self.lines: list[int] = []  # the first ones, for the log

    def add(self, line: int, message: Message, outcome: Outcome) -> None:
        """A row's outcome: counted if it was sent now with a due date already past."""
        if outcome.status is not Status.SENT or not message.due_date:
            return
        if message.due_date < utc_timestamp():  # same fixed-width format: text order
            self.count += 1
            if len(self.lines) < LINES_SHOWN:
                self.lines.append(line)

    def report_to(self, report: RunReport, log: Logger) -> None:
        report.sent_past_due_date = self.count
        if self.count:
            log.warning(
                "run.past_due_dates",
                sent=self.count,
                first_lines=self.lines,
                detail=dates.PAST_MESSAGE,
            )
