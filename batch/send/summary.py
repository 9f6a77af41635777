"""The run summary: printed for the operator, logged as one event, and written as JSON
beside the results for the scheduler's monitoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from batch.common.summary import publish
from batch.errors import ExitCode
from batch.models import NEEDS_ATTENTION, Status
from batch.send.summary_text import print_run_summary


@dataclass
class RunReport:
    job: str
    run_id: str
    output: str
    rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    calls: int = 0
    throttled: int = 0  # 429 answers received
    # Requests per operation (profile, submit, get_message, feed): where the budget went.
    calls_by_operation: dict[str, int] = field(default_factory=dict)
    calls_per_s: float = 0.0
    budget: str = ""
    shard: str = ""  # "K/N": this run is shard K of N of a sharded job ("": not sharded)
    resumed: bool = False
    # The run had finished over this same input: its results given back, no call made
    replayed: bool = False
    unknown_after_crash: int = 0
    sent_past_due_date: int = 0  # sent by this attempt with a due date already past
    interrupted: bool = False
    quiet_hours_wait_s: float = 0.0  # time spent waiting for the quiet hours to end
    stopped_for_quiet_hours_until: str = ""  # on_quiet_hours = "stop": when to run again
    # A pace for the day ([schedule] not_before, finish_within): the plan and the last pace.
    not_before: str = ""
    planned_end: str = ""
    pace_calls_per_s: float = 0.0
    journal: str = ""  # the journal this run used (the job's, whatever the output)
    operator: str = ""  # who ran it (send --operator, IO_BATCH_OPERATOR)
    approved_by: str = ""  # who approved it ([guard] require_approval)
    target: str = ""  # the identity of the target the messages went to (never the key)
    error: str = ""
    exit_code: int = 0
    pauses: list[dict[str, Any]] = field(default_factory=list)  # 429 pauses: start, end (UTC)

    def decide_exit_code(self) -> ExitCode:
        if self.stopped_for_quiet_hours_until:
            return ExitCode.QUIET_HOURS
        if self.interrupted:
            return ExitCode.INTERRUPTED
        needs_attention = any(self.counts.get(status.value, 0) for status in NEEDS_ATTENTION)
        return ExitCode.ROWS_NEED_ATTENTION if needs_attention else ExitCode.OK

    def attention(self) -> dict[str, int]:
        return {
            status.value: self.counts[status.value]
            for status in Status
            if status in NEEDS_ATTENTION and self.counts.get(status.value)
        }

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def finish(self) -> None:
        """The summary beside the results file, in the log, and on stdout."""
        publish(self, Path(self.output), event="run.summary")

    def print(self, out: TextIO) -> None:
        print_run_summary(self, out)
