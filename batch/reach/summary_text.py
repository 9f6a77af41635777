"""The reach summary as the operator reads it at the end of ``reach``: in the office's
language. The reach values stay as the reach CSV holds them (an office filters its
``reach`` column by them); the JSON keeps its keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from batch.i18n import _, format_number, format_percent, ngettext

if TYPE_CHECKING:
    from batch.reach.output import ReachSummary


def print_reach_summary(summary: ReachSummary, values: tuple[str, ...], out: TextIO) -> None:
    """``values``: the reach values, in the order the counts are listed."""
    title = _("io-batch reach: job {job}, run {run_id}")
    out.write("\n" + title.format(job=summary.job, run_id=summary.run_id) + "\n")
    for value in values:
        if summary.counts.get(value):
            out.write(f"  {value:<18}  {format_number(summary.counts[value]):>9}\n")
    share = ngettext(
        "Reachable on IO: {reachable} of {rows} rows ({share}); the others need another channel.",
        "Reachable on IO: {reachable} of {rows} rows ({share}); the others need another channel.",
        summary.rows,
    )
    out.write(
        share.format(
            reachable=format_number(summary.counts.get("reachable", 0)),
            rows=format_number(summary.rows),
            share=format_percent(summary.share_reachable),
        )
        + "\n"
    )
    out.write(
        _("Reach CSV: {path} ({checks} profile checks, no message sent)").format(
            path=summary.output, checks=format_number(summary.calls)
        )
        + "\n"
    )
