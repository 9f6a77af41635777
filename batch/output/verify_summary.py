"""The verify summary (printed, logged as one event, written as JSON)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from batch.common.csv_safety import mask_fiscal_code
from batch.common.progress_line import format_duration
from batch.errors import ExitCode
from batch.i18n import _, format_number, ngettext
from batch.output.summary import publish
from batch.output.verification import Verification

# The rows that need attention are all in the verification file; the summary names the
# first ones only, so that a campaign with 100k rejections still has a readable summary.
ATTENTION_LIMIT = 100
NO_STATUS = "none"  # the message_status count of rows IO gave no status for


@dataclass
class VerifySummary:
    results: str
    output: str
    rows_in_results: int = 0
    checked: int = 0  # sent / already_sent rows, all in the verification file
    asked: int = 0  # of those, asked of IO by this run
    carried_over: int = 0  # final in an earlier verify run: not asked again
    not_checked: dict[str, int] = field(default_factory=dict)  # results status -> rows
    message_status: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)  # note_code -> rows
    still_in_progress: int = 0  # ACCEPTED / THROTTLED at the end (the deadline, with --wait)
    attention_count: int = 0
    attention: list[dict[str, Any]] = field(default_factory=list)  # fiscal codes masked
    waited: bool = False
    interrupted: bool = False  # stopped by SIGINT/SIGTERM: run again to continue
    deadline_s: float | None = None
    elapsed_s: float = 0.0
    calls: int = 0
    throttled: int = 0
    # Requests per operation (profile, submit, get_message, feed): where the budget went.
    calls_by_operation: dict[str, int] = field(default_factory=dict)
    budget: str = ""
    exit_code: int = 0
    target: str = ""  # the identity of the target asked (the results file's own)

    def add_records(self, records: Iterable[Verification]) -> None:
        statuses: Counter[str] = Counter()
        notes: Counter[str] = Counter()
        for record in records:
            self.checked += 1
            statuses[record.message_status or NO_STATUS] += 1
            if record.note_code:
                notes[record.note_code] += 1
            if record.message_status and record.in_progress:
                self.still_in_progress += 1
            if record.needs_attention:
                self.attention_count += 1
                if len(self.attention) < ATTENTION_LIMIT:
                    self.attention.append(_attention_entry(record))
        self.message_status = dict(sorted(statuses.items()))
        self.notes = dict(sorted(notes.items()))
        self.exit_code = int(ExitCode.ROWS_NEED_ATTENTION if self.attention_count else ExitCode.OK)
        if self.interrupted:
            self.exit_code = int(ExitCode.INTERRUPTED)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def finish(self) -> None:
        """The summary beside the verification file, in the log, and on stdout."""
        publish(self, Path(self.output), event="verify.summary")

    def print(self, out: TextIO) -> None:
        print_verify_summary(self, out)


def _attention_entry(record: Verification) -> dict[str, Any]:
    line = record.check.line
    return {
        "line": int(line) if line.isdigit() else line,
        "fiscal_code": mask_fiscal_code(record.check.fiscal_code),
        "message_id": record.check.message_id,
        "message_status": record.message_status,
        "note_code": record.note_code,
        "note": record.note,
    }


def progress_status(record: Verification) -> str:
    """What the progress display counts a checked message as."""
    return record.message_status or record.note_code or NO_STATUS


def print_verify_summary(summary: VerifySummary, out: TextIO) -> None:
    title = ngettext(
        "io-batch verify: {checked} sent message(s) of {results}",
        "io-batch verify: {checked} sent message(s) of {results}",
        summary.checked,
    )
    out.write("\n" + title.format(checked=format_number(summary.checked), results=summary.results))
    out.write("\n")
    _table(out, _("message status"), summary.message_status)
    _table(out, _("notes"), summary.notes)
    _table(out, _("not checked (not sent)"), summary.not_checked)
    if summary.carried_over:
        out.write(
            _("{count} already final in an earlier verify run: not asked").format(
                count=format_number(summary.carried_over)
            )
            + "\n"
        )
    if summary.attention_count:
        _attention(summary, out)
    else:
        out.write(_("every checked message was processed by IO") + "\n")
    out.write(
        _(
            "elapsed {elapsed}, {calls} API calls (budget {budget}), {throttled} throttled (429)"
        ).format(
            elapsed=format_duration(summary.elapsed_s),
            calls=format_number(summary.calls),
            budget=summary.budget,
            throttled=format_number(summary.throttled),
        )
        + "\n"
    )
    out.write(_("verification: {path}").format(path=summary.output) + "\n")
    if summary.interrupted:
        out.write(_("interrupted: run the same command again to continue") + "\n")


def _attention(summary: VerifySummary, out: TextIO) -> None:
    count = summary.attention_count
    out.write(
        ngettext(
            "needs attention: {count} row(s)", "needs attention: {count} row(s)", count
        ).format(count=format_number(count))
        + "\n"
    )
    for entry in summary.attention:
        what = entry["message_status"] or entry["note_code"]
        line = _("line {line}").format(line=f"{entry['line']:>7}")
        out.write(f"  {line}  {entry['fiscal_code']}  {what}: ")
        out.write(f"{entry['note'] or entry['message_status']}\n")
    if count > len(summary.attention):
        more = format_number(count - len(summary.attention))
        out.write("  " + _("... and {more} more: see the verification file").format(more=more))
        out.write("\n")


def _table(out: TextIO, title: str, counts: Mapping[str, int]) -> None:
    if not counts:
        return
    out.write(f"{title}:\n")
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        out.write(f"  {name:<{width}}  {format_number(count):>9}\n")
