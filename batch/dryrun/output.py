"""What the dry run shows: the summary it returns, and the text it prints.

Fiscal codes are never printed whole (masked as in the logs); the markdown preview
shows its first lines only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

import polars as pl

from batch.common.csv_safety import mask_fiscal_code
from batch.config.choices import DuplicatePolicy
from batch.config.job import Job
from batch.config.schedule import ZONE
from batch.dryrun import email_preview
from batch.dryrun.job_warnings import print_job_warnings
from batch.dryrun.warnings import column_of, warning_message
from batch.errors import ExitCode
from batch.i18n import _, current_language, format_number, ngettext
from batch.models import Row
from batch.rules.plan import WHOLE_LINE

_PREVIEW_LINES = 6


@dataclass
class ValidationSummary:
    rows: int = 0
    valid: int = 0  # valid rows, duplicates included
    invalid: int = 0
    duplicates: int = 0  # valid rows that the duplicates policy would not send
    excluded: int = 0  # rows whose citizen is in the exclusion list: not sent, not invalid
    by_reason: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)  # valid rows, sent all the same
    elapsed_s: float = 0.0
    rows_per_s: float = 0.0
    report_path: Path | None = None
    encoding: str = ""
    separator: str = ""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.ROWS_NEED_ATTENTION if self.invalid else ExitCode.OK


@dataclass
class Collected:
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    warning_lines: dict[str, list[int]] = field(default_factory=dict)  # the first ones
    previews: list[Row] = field(default_factory=list)


def print_summary(
    summary: ValidationSummary,
    *,
    collected: Collected,
    duplicates: pl.DataFrame,
    job: Job,
    out: TextIO,
    max_errors: int,
) -> None:
    out.write(_checked(summary, job) + "\n")
    will_send = summary.valid - summary.duplicates
    counts = [
        (
            _("valid:"),
            _("{valid} ({to_send} to send)").format(
                valid=format_number(summary.valid), to_send=format_number(will_send)
            ),
        ),
        (_("invalid:"), format_number(summary.invalid)),
    ]
    if job.input.exclude is not None:
        counts.append(
            (
                _("excluded:"),
                _("{excluded} (in the exclusion list {path}, not sent)").format(
                    excluded=format_number(summary.excluded), path=job.input.exclude
                ),
            )
        )
    if job.message.duplicates is not DuplicatePolicy.SEND_ALL:
        counts.append((_("duplicates:"), _duplicates_count(summary.duplicates, job)))
    for label, value in counts:
        out.write(f"  {label:<{_count_label_width()}}{value}\n")
    if summary.by_reason:
        out.write(_("Problems by reason (first lines shown):") + "\n")
        for code, count in sorted(summary.by_reason.items(), key=lambda item: -item[1]):
            message = collected.messages.get(code, "")
            out.write(f"  {_rows_of_code(code, count, message)}\n")
            shown = collected.examples.get(code, [])[:max_errors]
            places = ", ".join(
                _line(line) if column == WHOLE_LINE else _line_in(line, column)
                for line, column in shown
            )
            out.write(f"    {places}{_and_more(count - len(shown))}\n")
    if summary.warnings:
        _warnings(summary, collected, job, out)
    print_job_warnings(job, out)
    if duplicates.height:
        shown_duplicates = duplicates.head(max_errors).iter_rows()
        listing = ", ".join(
            _("line {line} (as line {first})").format(line=line, first=first)
            for line, first in shown_duplicates
        )
        more = duplicates.height - min(duplicates.height, max_errors)
        out.write(_("Duplicates: {listing}").format(listing=listing) + f"{_and_more(more)}\n")
    email_preview.write_warnings(email_preview.warnings_of(collected.previews, job), job, out)
    if summary.report_path is not None:
        out.write(
            _("Every problem, with its line and column: {path}").format(path=summary.report_path)
            + "\n"
        )
    for row in collected.previews:
        _preview(row, job.message.language, out, email=not email_preview.sends_no_email(job))


def _count_label_width() -> int:
    """One width for the count labels, whichever are shown: the numbers stay aligned."""
    labels = (_("valid:"), _("invalid:"), _("excluded:"), _("duplicates:"))
    return max(len(label) for label in labels) + 1


def _checked(summary: ValidationSummary, job: Job) -> str:
    """The first line: what was read, how, how fast; and that nothing went out."""
    if summary.separator:
        separator = _("tab") if summary.separator == "\t" else summary.separator
        read_as = _("{encoding}, separator {separator}").format(
            encoding=summary.encoding, separator=separator
        )
    else:
        read_as = summary.encoding
    return ngettext(
        "Checked {rows} rows of {path} ({read_as}) in {seconds} s ({rate} rows/s); "
        "nothing was sent.",
        "Checked {rows} rows of {path} ({read_as}) in {seconds} s ({rate} rows/s); "
        "nothing was sent.",
        summary.rows,
    ).format(
        rows=format_number(summary.rows),
        path=job.input.path,
        read_as=read_as,
        seconds=format_number(summary.elapsed_s, 2),
        rate=format_number(summary.rows_per_s),
    )


def _duplicates_count(duplicates: int, job: Job) -> str:
    policy = job.message.duplicates
    if policy is DuplicatePolicy.SEND_ONCE:
        text = _(
            "{duplicates} (policy {policy}: same citizen and content as an earlier line, "
            "not sent again)"
        )
    else:
        text = _("{duplicates} (policy {policy}: same citizen as an earlier line, not sent again)")
    return text.format(duplicates=format_number(duplicates), policy=policy)


def _rows_of_code(code: str, count: int, message: str) -> str:
    return ngettext(
        "{code}: {count} row(s): {message}", "{code}: {count} row(s): {message}", count
    ).format(code=code, count=format_number(count), message=message)


def _line(line: int) -> str:
    return _("line {line}").format(line=line)


def _line_in(line: int, column: str) -> str:
    return _("line {line} ({column})").format(line=line, column=column)


def _and_more(more: int) -> str:
    """``, and 12 more`` after the lines listed, when some are not."""
    if more <= 0:
        return ""
    return _(", and {more} more").format(more=format_number(more))


def _warnings(summary: ValidationSummary, collected: Collected, job: Job, out: TextIO) -> None:
    out.write(_("Warnings (valid rows, sent all the same; first lines shown):") + "\n")
    for code, count in sorted(summary.warnings.items(), key=lambda item: -item[1]):
        out.write(f"  {_rows_of_code(code, count, warning_message(code))}\n")
        shown = collected.warning_lines.get(code, [])
        column = column_of(code, job)
        places = ", ".join(_line_in(line, column) for line in shown)
        out.write(f"    {places}{_and_more(count - len(shown))}\n")


def _preview(row: Row, base_language: str, out: TextIO, *, email: bool = True) -> None:
    """The row's message as the citizen will see it: in each of the job's languages,
    when it has more than one (who gets which is known only once IO is asked), with the
    e-mail copy IO sends (unless the job requires secure channels)."""
    message = row.message
    assert message is not None
    to = mask_fiscal_code(message.fiscal_code)
    texts = [(base_language, message.subject, message.markdown)]
    texts += [(t.language, t.subject, t.markdown) for t in row.translations]
    for language, subject, markdown in texts:
        if len(texts) == 1:
            title = _("Preview of line {line} (to {to}):")
        elif language == base_language:
            title = _("Preview of line {line} (to {to}) in {language} (the default):")
        else:
            title = _("Preview of line {line} (to {to}) in {language}:")
        out.write(title.format(line=row.line, to=to, language=language) + "\n")
        _texts(subject, markdown, out)
        if email:
            email_preview.write_email_copy(markdown, out)
    details = []
    if message.due_date:
        details.append(_("due {due_date}").format(due_date=shown_due_date(message.due_date)))
    if message.payment_data is not None:
        cents = message.payment_data.amount_cents
        amount = f"{cents // 100},{cents % 100:02d}"
        details.append(_("amount {amount} euro").format(amount=amount))
        notice = message.payment_data.notice_number
        details.append(_("notice {notice_number}").format(notice_number=notice))
    if details:
        out.write(f"  {'; '.join(details)}\n")


def shown_due_date(instant: str) -> str:
    """The due date as IO gets it (ISO-8601 UTC) in English, as the preview always showed
    it; in Italian, as an office writes it: the local date and time in Italy."""
    if current_language() == "en":
        return instant
    local = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(ZONE)
    return f"{local:%d/%m/%Y %H:%M:%S}"


def _texts(subject: str, markdown: str, out: TextIO) -> None:
    subject_label = email_preview.label(_("subject:"))
    out.write(f"  {subject_label}{subject}\n")
    lines = markdown.strip().splitlines()
    first = email_preview.label(_("markdown:"))
    for index, text in enumerate(lines[:_PREVIEW_LINES]):
        out.write(f"  {first if index == 0 else ' ' * len(first)}{text}\n")
    if len(lines) > _PREVIEW_LINES:
        more = len(lines) - _PREVIEW_LINES
        out.write(
            "            "
            + ngettext("... ({more} more line)", "... ({more} more lines)", more).format(
                more=format_number(more)
            )
            + "\n"
        )
