"""The report as one HTML page: everything inline, every value escaped.

A Content-Security-Policy of ``default-src 'none'`` makes the browser itself refuse any
request the page might make, so "no network when opened" holds even if a value slipped
a URL in. Fiscal codes are masked before they get here (``figures``).
"""

from __future__ import annotations

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
    row_header,
    share,
    status_colors,
)
from batch.report.page_runs import runs_section, throughput_section, verify_section
from batch.report.palette import RED
from batch.report.style import CSS

#: IO's message statuses that mean the citizen got nothing (docs/io-sources.md, "Endpoints").
IO_NOT_DELIVERED = ("FAILED", "REJECTED")
ATTENTION_DETAIL = ": {rows:,} rows by their status, {io}"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def render(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>io-batch report: {esc(report.job)}</title>",
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
    files = ", ".join(f"<code>{esc(run.results)}</code>" for run in report.runs)
    verify = f"; verification <code>{esc(report.verify.path)}</code>" if report.verify else ""
    sent = sum(report.statuses.get(s, 0) for s in (Status.SENT.value, Status.ALREADY_SENT.value))
    attention = need_attention(report)
    cards = [("rows in the file", report.rows, ""), ("sent to IO", sent, "good")]
    if report.verify is not None:
        processed = report.verify.counts.get("message status", {}).get("PROCESSED", 0)
        cards.append(("PROCESSED by IO", processed, "good"))
    cards.append(("need attention", attention, "bad" if attention else ""))
    details = {"need attention": _attention_detail(report)}
    card_html = "".join(
        f'<div class="card {kind}" data-card="{esc(label)}">'
        f'<div class="value">{count_or_dash(value)}</div>'
        f'<div class="label">{esc(label)}{details.get(label, "")}</div></div>'
        for label, value, kind in cards
    )
    chain = " (a rerun chain, reported as one campaign)" if len(report.runs) > 1 else ""
    return (
        f"<header><h1>Campaign report: {esc(report.job)}</h1>"
        f'<p class="meta">Generated {esc(report.generated_at)} from {files}{chain}{verify}.</p>'
        f'<div class="cards">{card_html}</div></header>'
    )


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
        f"{io_statuses[name]:,} {name} on IO" for name in IO_NOT_DELIVERED if io_statuses.get(name)
    ]
    if not parts:
        return ""
    rows = sum(report.statuses.get(s.value, 0) for s in NEEDS_ATTENTION)
    return esc(ATTENTION_DETAIL.format(rows=rows, io=", ".join(parts)))


def _funnel(steps: list[Step]) -> str:
    rows = []
    for step in steps:
        lost = ", ".join(f"{esc(name)} {count:,}" for name, count in step.lost.items() if count)
        of = f"{share(step.count, step.of_count)} of {esc(step.of_label)}" if step.of_label else ""
        rows.append(
            f'<tr data-step="{esc(step.label)}">{row_header(esc(step.label))}'
            f'<td class="num">{step.count:,}</td>'
            f'<td class="barcell">{bar(step.count, steps[0].count)}</td>'
            f'<td class="num">{of}</td><td class="lost">{lost}</td></tr>'
        )
    chart = charts.funnel([(step.label, step.count) for step in steps])
    return (
        '<section id="funnel-section"><h2>Funnel</h2>'
        f"{chart_box(chart)}"
        '<table id="funnel" class="short">'
        + col_headers("step", "#n:rows", "", "#n:share", "not further, and why")
        + f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Reachable: the profile check let the message through (a submit was '
        "tried). PROCESSED, read and paid come from the verification file when one is given."
        "</p></section>"
    )


def _outcomes(report: Report) -> str:
    rows = [
        f'<tr data-status="{esc(row.status)}">{row_header(esc(row.status))}'
        f'<td class="num">{row.count:,}</td><td class="num">{share(row.count, report.rows)}</td>'
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
    return (
        '<section id="outcomes-section"><h2>Outcomes by status</h2>'
        f"{chart_box(chart)}"
        '<table id="outcomes" class="short">'
        + col_headers("status", "#n:rows", "#n:share", "", "main reason codes")
        + f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr>{row_header("total")}<td class="num">{report.rows:,}</td><td></td><td></td>'
        "<td></td></tr></tfoot></table></section>"
    )


def _invalid(report: Report) -> str:
    if not report.invalid:
        return '<section id="invalid-section"><h2>Invalid rows</h2><p>No invalid row.</p></section>'
    total = sum(group.count for group in report.invalid)
    rows = []
    for group in report.invalid:
        examples = _examples(group)
        rows.append(
            f'<tr data-reason="{esc(group.code)}">{row_header(f"<code>{esc(group.code)}</code>")}'
            f'<td class="num">{group.count:,}</td>'
            f'<td class="barcell">{bar(group.count, total, Status.INVALID.value)}</td>'
            f"<td>{examples}</td></tr>"
        )
    chart = charts.bars(
        "invalid-chart",
        {group.code: group.count for group in report.invalid},
        title=charts.INVALID_TITLE,
        color=RED,
    )
    return (
        '<section id="invalid-section"><h2>Invalid rows by reason</h2>'
        f"{chart_box(chart)}"
        '<table id="invalid-reasons">'
        + col_headers("reason code", "#n:rows", "", "first lines (fiscal codes masked)")
        + f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Every invalid row is in the results file (reason column) and in '
        "<code>io-batch validate</code>'s error report.</p></section>"
    )


def _examples(group: ReasonGroup) -> str:
    """The first lines of a reason; its text once when they all say the same."""
    more = group.count - len(group.examples)
    tail = f'<span class="lost"> and {more:,} more</span>' if more > 0 else ""
    reasons = {example.reason for example in group.examples}
    if len(reasons) == 1:
        lines = ", ".join(
            f'<span class="example">line {esc(ex.line)} <code>{esc(ex.fiscal_code)}</code></span>'
            for ex in group.examples
        )
        return f"{esc(reasons.pop())}<br>{lines}{tail}"
    items = "".join(
        f'<li class="example">line {esc(ex.line)} <code>{esc(ex.fiscal_code)}</code>: '
        f"{esc(ex.reason)}</li>"
        for ex in group.examples
    )
    return f'<ul class="examples">{items}</ul>{tail}'


def _footer() -> str:
    return (
        "<footer><p>Fiscal codes are masked as in the logs. This file is self-contained: "
        "it loads nothing from the network. Made by io-batch.</p></footer>"
    )
