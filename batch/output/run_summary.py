"""The run summary: printed for the operator, logged as one event, and written as JSON
beside the results for the scheduler's monitoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from batch.common.progress_line import format_duration
from batch.errors import ExitCode
from batch.i18n import _, format_number, ngettext
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
        print_run_summary(self, out)


def print_run_summary(report: RunReport, out: TextIO) -> None:
    if report.shard:
        title = _("io-batch: job {job}, run {run_id}, shard {shard}")
    else:
        title = _("io-batch: job {job}, run {run_id}")
    out.write("\n" + title.format(job=report.job, run_id=report.run_id, shard=report.shard) + "\n")
    write_counts(out, report.counts, report.rows)
    out.write(
        _(
            "elapsed {elapsed}, {calls} API calls, {calls_per_s} calls/s (budget {budget}), "
            "{throttled} throttled (429)"
        ).format(
            elapsed=format_duration(report.elapsed_s),
            calls=format_number(report.calls),
            calls_per_s=format_number(report.calls_per_s, 2),
            budget=report.budget,
            throttled=format_number(report.throttled),
        )
        + "\n"
    )
    if report.calls_by_operation:
        parts = ", ".join(
            f"{name} {format_number(count)}" for name, count in report.calls_by_operation.items()
        )
        out.write(_("calls by operation: {parts}").format(parts=parts) + "\n")
    for line in _notes(report):
        out.write(line + "\n")
    out.write(_("results: {path}").format(path=report.output) + "\n")
    if report.target:
        out.write(_("target: {target}").format(target=report.target) + "\n")
    if report.journal:
        out.write(_("journal: {path}").format(path=report.journal) + "\n")


def _notes(report: RunReport) -> list[str]:
    """What the run's counts do not say: a replay, the pace, the rows to look at..."""
    notes = []
    if report.replayed:
        notes.append(
            _(
                "this run had already finished over this same input: its results are given "
                "back as they were, with no call (another --output, or another input, starts "
                "a new run)"
            )
        )
    if report.planned_end:
        notes.append(
            _("paced to end by {planned_end} (last pace {per_minute} calls/min)").format(
                planned_end=report.planned_end,
                per_minute=format_number(report.pace_calls_per_s * 60),
            )
        )
    if report.unknown_after_crash:
        notes.append(
            ngettext(
                "{count} submit(s) were in flight when the previous attempt stopped: "
                "they are 'unknown'",
                "{count} submit(s) were in flight when the previous attempt stopped: "
                "they are 'unknown'",
                report.unknown_after_crash,
            ).format(count=format_number(report.unknown_after_crash))
        )
    if report.sent_past_due_date:
        notes.append(
            ngettext(
                "{count} message(s) went out with a due date already past (IO accepts them; "
                "the log's run.past_due_dates event lists the first lines)",
                "{count} message(s) went out with a due date already past (IO accepts them; "
                "the log's run.past_due_dates event lists the first lines)",
                report.sent_past_due_date,
            ).format(count=format_number(report.sent_past_due_date))
        )
    attention = report.attention()
    if attention:
        listed = ", ".join(
            f"{status} {format_number(count)}" for status, count in attention.items()
        )
        notes.append(
            _(
                "needs attention: {listed} (the results' reason column says why; "
                "'io-batch rerun' retries failed and pending rows)"
            ).format(listed=listed)
        )
    if report.quiet_hours_wait_s:
        notes.append(
            _(
                "waited {duration} for the quiet hours to end (no message went out inside them)"
            ).format(duration=format_duration(report.quiet_hours_wait_s))
        )
    if report.stopped_for_quiet_hours_until:
        notes.append(
            _(
                "stopped for the quiet hours (until {until}): run the same command again after "
                "them to resume"
            ).format(until=report.stopped_for_quiet_hours_until)
        )
    elif report.interrupted:
        notes.append(_("interrupted: run the same command again to resume"))
    if report.operator or report.approved_by:
        operator = report.operator or _("an unnamed operator")
        if report.approved_by:
            run_by = _("run by {operator}, approved by {approver}")
        else:
            run_by = _("run by {operator}")
        notes.append(run_by.format(operator=operator, approver=report.approved_by))
    return notes


def write_counts(out: TextIO, counts: dict[str, int], rows: int) -> None:
    """The rows per status, in the statuses' order, and the total: a run's or a merge's.

    The statuses are written as the results' ``status`` column holds them (an office
    filters that column by them); the numbers, in the office's language."""
    total = _("total")
    width = max((len(name) for name in [*counts, total]), default=6)
    for status in Status:
        count = counts.get(status.value, 0)
        if count:
            out.write(f"  {status.value:<{width}}  {format_number(count):>9}\n")
    out.write(f"  {total:<{width}}  {format_number(rows):>9}\n")
