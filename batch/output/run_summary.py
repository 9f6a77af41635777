"""The run summary: printed for the operator, logged as one event, and written as JSON
beside the results for the scheduler's monitoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from batch.common.progress_line import format_duration
from batch.errors import ExitCode
from batch.models import NEEDS_ATTENTION, Status
from batch.output.summary import publish


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
        shard = f", shard {self.shard}" if self.shard else ""
        out.write(f"\nio-batch: job {self.job}, run {self.run_id}{shard}\n")
        write_counts(out, self.counts, self.rows)
        out.write(
            f"elapsed {format_duration(self.elapsed_s)}, {self.calls} API calls, "
            f"{self.calls_per_s:.2f} calls/s (budget {self.budget}), "
            f"{self.throttled} throttled (429)\n"
        )
        if self.calls_by_operation:
            parts = ", ".join(f"{name} {count}" for name, count in self.calls_by_operation.items())
            out.write(f"calls by operation: {parts}\n")
        if self.replayed:
            out.write(
                "this run had already finished over this same input: its results are given "
                "back as they were, with no call (another --output, or another input, starts "
                "a new run)\n"
            )
        if self.planned_end:
            out.write(
                f"paced to end by {self.planned_end} (last pace "
                f"{self.pace_calls_per_s * 60:.0f} calls/min)\n"
            )
        if self.unknown_after_crash:
            out.write(
                f"{self.unknown_after_crash} submit(s) were in flight when the previous attempt "
                "stopped: they are 'unknown'\n"
            )
        if self.sent_past_due_date:
            out.write(
                f"{self.sent_past_due_date} message(s) went out with a due date already past "
                "(IO accepts them; the log's run.past_due_dates event lists the first lines)\n"
            )
        attention = self.attention()
        if attention:
            listed = ", ".join(f"{status} {count}" for status, count in attention.items())
            out.write(
                f"needs attention: {listed} (the results' reason column says why; "
                "'io-batch rerun' retries failed and pending rows)\n"
            )
        if self.quiet_hours_wait_s:
            out.write(
                f"waited {format_duration(self.quiet_hours_wait_s)} for the quiet hours to end "
                "(no message went out inside them)\n"
            )
        if self.stopped_for_quiet_hours_until:
            out.write(
                f"stopped for the quiet hours (until {self.stopped_for_quiet_hours_until}): "
                "run the same command again after them to resume\n"
            )
        elif self.interrupted:
            out.write("interrupted: run the same command again to resume\n")
        if self.operator or self.approved_by:
            approved = f", approved by {self.approved_by}" if self.approved_by else ""
            out.write(f"run by {self.operator or 'an unnamed operator'}{approved}\n")
        out.write(f"results: {self.output}\n")
        if self.target:
            out.write(f"target: {self.target}\n")
        if self.journal:
            out.write(f"journal: {self.journal}\n")


def write_counts(out: TextIO, counts: dict[str, int], rows: int) -> None:
    """The rows per status, in the statuses' order, and the total: a run's or a merge's."""
    width = max((len(name) for name in counts), default=6)
    for status in Status:
        count = counts.get(status.value, 0)
        if count:
            out.write(f"  {status.value:<{width}}  {count:>9}\n")
    out.write(f"  {'total':<{width}}  {rows:>9}\n")
