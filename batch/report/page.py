"""The report as one HTML page: everything inline, every value escaped.

A Content-Security-Policy of ``default-src 'none'`` makes the browser itself refuse any
request the page might make, so "no network when opened" holds even if a value slipped
a URL in. Fiscal codes are masked before they get here (``figures``).
"""

from __future__ import annotations

from batch.i18n import N_, _, current_language, format_number
from batch.models import NEEDS_ATTENTION, Status
from batch.report import charts
from batch.report.build import Report
from batch.report.figures import ReasonGroup, Step
from batch.report.html_bits import (
    bar,
    chart_box,
    col_headers,
    count_or_dash,
    counts_text,
    esc,
    numeric,
    row_header,
    section_start,
    share,
    status_colors,
)
from batch.report.page_runs import (
    runs_section,
    status_label,
    throughput_section,
    verify_section,
)
from batch.report.palette import RED
from batch.report.style import CSS
from batch.report.words import shown

#: IO's message statuses that mean the citizen got nothing (docs/io-sources.md, "Endpoints").
IO_NOT_DELIVERED = ("FAILED", "REJECTED")
ATTENTION_DETAIL = N_(": {rows} rows by their status, {io}")
#: The cards (English: their data-card keys too).
CARD_ROWS = N_("rows in the file")
CARD_SENT = N_("sent to IO")
CARD_PROCESSED = N_("PROCESSED by IO")
CARD_ATTENTION = N_("need attention")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render(report: Report) -> str:
    title = _("io-batch report: {job}").format(job=report.job)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(report),
        _funnel(report.funnel),
        _outcomes(report),
        _invalid(report),
        throughput_section(report.throughput, report.throttled),
        verify_section(report.verify) if report.verify is not None else "",
        runs_section(report.runs),
        _footer(),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _header(report: Report) -> str:
    sent = sum(report.statuses.get(s, 0) for s in (Status.SENT.value, Status.ALREADY_SENT.value))
    attention = need_attention(report)
    cards = [(CARD_ROWS, report.rows, ""), (CARD_SENT, sent, "good")]
    if report.verify is not None:
        processed = report.verify.counts.get("message status", {}).get("PROCESSED", 0)
        cards.append((CARD_PROCESSED, processed, "good"))
    cards.append((CARD_ATTENTION, attention, "bad" if attention else ""))
    details = {CARD_ATTENTION: _attention_detail(report)}
    card_html = "".join(
        f'<div class="card {kind}" data-card="{esc(label)}">'
        f'<div class="value">{count_or_dash(value)}</div>'
        f'<div class="label">{esc(shown(label))}{details.get(label, "")}</div></div>'
        for label, value, kind in cards
    )
    title = _("Campaign report: {job}").format(job=report.job)
    return (
        f"<header><h1>{esc(title)}</h1>"
        f'<p class="meta">{_made_from(report)}</p>'
        f'<div class="cards">{card_html}</div></header>'
    )


def _made_from(report: Report) -> str:
    """When the page was made and from which files (a chain and a verification said)."""
    files = ", ".join(f"<code>{esc(run.results)}</code>" for run in report.runs)
    when = esc(report.generated_at)
    if len(report.runs) > 1:
        text = _("Generated {when} from {files} (a rerun chain, reported as one campaign)")
    else:
        text = _("Generated {when} from {files}")
    made = esc(text).format(when=when, files=files)  # the words escaped, the markup not
    if report.verify is None:
        return f"{made}."
    verify = f"<code>{esc(report.verify.path)}</code>"
    return esc(_("{generated}; verification {verify}.")).format(generated=made, verify=verify)


def need_attention(report: Report) -> int:
    """Rows whose status needs a look, plus the sent messages that IO itself reported
    FAILED or REJECTED (after ``--verify``): those rows say ``sent`` in the results, so
    the two never count the same row twice."""
    rows = sum(report.statuses.get(s.value, 0) for s in NEEDS_ATTENTION)
    if report.verify is None:
        return rows
    io_statuses = report.verify.counts.get("message status", {})
    return rows + sum(io_statuses.get(name, 0) for name in IO_NOT_DELIVERED)


def _attention_detail(report: Report) -> str:
    """What the "need attention" card adds up, when IO's own failures are in it."""
    if report.verify is None:
        return ""
    io_statuses = report.verify.counts.get("message status", {})
    parts = [
        _("{count} {status} on IO").format(count=format_number(io_statuses[name]), status=name)
        for name in IO_NOT_DELIVERED
        if io_statuses.get(name)
    ]
    if not parts:
        return ""
    rows = sum(report.statuses.get(s.value, 0) for s in NEEDS_ATTENTION)
    detail = shown(ATTENTION_DETAIL).format(rows=format_number(rows), io=", ".join(parts))
    return esc(detail)


def _funnel(steps: list[Step]) -> str:
    rows = []
    for step in steps:
        lost = ", ".join(  # a status and its count never apart ("throttled / 1")
            f'<span class="nowrap">{esc(status_label(name))} {format_number(count)}</span>'
            for name, count in step.lost.items()
            if count
        )
        of = (
            esc(
                _("{share} of {step}").format(
                    share=share(step.count, step.of_count), step=shown(step.of_label)
                )
            )
            if step.of_label
            else ""
        )
        rows.append(
            f'<tr data-step="{esc(step.label)}">{row_header(esc(shown(step.label)))}'
            f'<td class="num">{format_number(step.count)}</td>'
            f'<td class="barcell">{bar(step.count, steps[0].count)}</td>'
            f'<td class="num">{of}</td><td class="lost">{lost}</td></tr>'
        )
    chart = charts.funnel([(shown(step.label), step.count) for step in steps])
    headers = col_headers(
        esc(_("step")),
        numeric(_("rows")),
        "",
        numeric(_("share")),
        esc(_("not further, and why")),
    )
    note = _(
        "Reachable: the profile check let the message through (a submit was tried). "
        "PROCESSED, read and paid come from the verification file when one is given."
    )
    return (
        section_start("funnel-section", _("Funnel")) + f"{chart_box(chart)}"
        f'<table id="funnel" class="short">{headers}'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">{esc(note)}</p></section>'
    )


def _outcomes(report: Report) -> str:
    rows = [
        f'<tr data-status="{esc(row.status)}">{row_header(esc(row.status))}'
        f'<td class="num">{format_number(row.count)}</td>'
        f'<td class="num">{share(row.count, report.rows)}</td>'
        f'<td class="barcell">{bar(row.count, report.rows, row.status)}</td>'
        f"<td>{counts_text(row.reasons)}</td></tr>"
        for row in report.outcomes
    ]
    chart = charts.bars(
        "status-chart",
        report.statuses,
        title=charts.STATUS_TITLE,
        colors=status_colors(report.statuses),
    )
    total = esc(_("total"))
    headers = col_headers(
        esc(_("status")),
        numeric(_("rows")),
        numeric(_("share")),
        "",
        esc(_("main reason codes")),
    )
    return (
        section_start("outcomes-section", _("Outcomes by status")) + f"{chart_box(chart)}"
        f'<table id="outcomes" class="short">{headers}'
        f"<tbody>{''.join(rows)}</tbody>"
        f"<tfoot><tr>{row_header(total)}"
        f'<td class="num">{format_number(report.rows)}</td><td></td><td></td>'
        "<td></td></tr></tfoot></table></section>"
    )


def _invalid(report: Report) -> str:
    if not report.invalid:
        none = _("No invalid row.")
        return section_start("invalid-section", _("Invalid rows")) + f"<p>{esc(none)}</p></section>"
    total = sum(group.count for group in report.invalid)
    rows = []
    for group in report.invalid:
        examples = _examples(group)
        rows.append(
            f'<tr data-reason="{esc(group.code)}">{row_header(f"<code>{esc(group.code)}</code>")}'
            f'<td class="num">{format_number(group.count)}</td>'
            f'<td class="barcell">{bar(group.count, total, Status.INVALID.value)}</td>'
            f"<td>{examples}</td></tr>"
        )
    chart = charts.bars(
        "invalid-chart",
        {group.code: group.count for group in report.invalid},
        title=charts.INVALID_TITLE,
        color=RED,
    )
    headers = col_headers(
        esc(_("reason code")),
        numeric(_("rows")),
        "",
        esc(_("first lines (fiscal codes masked)")),
    )
    note = esc(
        _(
            "Every invalid row is in the results file (reason column) and in {command}'s "
            "error report."
        )
    ).format(command="<code>io-batch validate</code>")
    return (
        section_start("invalid-section", _("Invalid rows by reason")) + f"{chart_box(chart)}"
        f'<table id="invalid-reasons">{headers}'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">{note}</p></section>'
    )


def _examples(group: ReasonGroup) -> str:
    """The first lines of a reason; its text once when they all say the same."""
    more = group.count - len(group.examples)
    and_more = _("and {count} more rows").format(count=format_number(more))
    tail = f'<span class="lost"> {esc(and_more)}</span>' if more > 0 else ""
    reasons = {example.reason for example in group.examples}
    if len(reasons) == 1:
        lines = ", ".join(
            f'<span class="example">{_line(ex.line)} <code>{esc(ex.fiscal_code)}</code></span>'
            for ex in group.examples
        )
        return f"{esc(reasons.pop())}<br>{lines}{tail}"
    items = "".join(
        f'<li class="example">{_line(ex.line)} <code>{esc(ex.fiscal_code)}</code>: '
        f"{esc(ex.reason)}</li>"
        for ex in group.examples
    )
    return f'<ul class="examples">{items}</ul>{tail}'


def _line(line: str) -> str:
    """``line 12`` of the input file (the number as the results file writes it)."""
    return esc(_("line {line}").format(line=line))


def _footer() -> str:
    text = _(
        "Fiscal codes are masked as in the logs. This file is self-contained: it loads "
        "nothing from the network. Made by {program}."
    )
    # the name whole: printed, "io-" ended a line and "batch." began the next
    program = '<span class="nowrap">io-batch</span>'
    return f"<footer><p>{esc(text).format(program=program)}</p></footer>"
