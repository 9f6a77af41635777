"""The verify summary as the operator reads it at the end of ``verify``: in the office's
language. IO's message statuses and the note codes stay as the verification file holds
them (an office filters its columns by them); the JSON and the log keep their keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TextIO

from batch.common.progress_line import format_duration
from batch.i18n import _, format_number, ngettext

if TYPE_CHECKING:
    from batch.verify.summary import VerifySummary


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
