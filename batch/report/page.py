"""The report as one HTML page: everything inline, every value escaped.

A Content-Security-Policy of ``default-src 'none'`` makes the browser itself refuse any
request the page might make, so "no network when opened" holds even if a value slipped
a URL in. Fiscal codes are masked before they get here (``figures``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from batch.models import NEEDS_ATTENTION, Status
from batch.report import charts
from batch.report.build import Report, RunFacts, VerifyFacts
from batch.report.figures import ReasonGroup, Step
from batch.report.style import CSS
from batch.report.timeline import Throughput

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
GOOD = {Status.SENT.value, Status.ALREADY_SENT.value, "PROCESSED", "READ", "PAID"}
BAD = {s.value for s in (Status.INVALID, Status.REJECTED, Status.FAILED)} | {"REJECTED", "FAILED"}
WARN = {s.value for s in (Status.UNKNOWN, Status.PENDING, Status.NOT_TEST_RECIPIENT)}
WARN |= {"ACCEPTED", "THROTTLED"}
COLORS = {
    "s-good": "#2e7d32",
    "s-bad": charts.RED,
    "s-warn": charts.AMBER,
    "s-neutral": charts.GREY,
}


def render(report: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>io-batch report: {_e(report.job)}</title>",
        f"<style>{CSS}</style></head><body>",
        _header(report),
        _charts_notice(),
        _funnel(report.funnel),
        _outcomes(report),
        _invalid(report),
        _throughput(report.throughput, report.throttled),
        _verify(report.verify) if report.verify is not None else "",
        _runs(report.runs),
        _footer(),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: int | None) -> str:
    return "&ndash;" if value is None else f"{value:,}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "&ndash;"


def _kind(status: str) -> str:
    if status in GOOD:
        return "s-good"
    if status in BAD:
        return "s-bad"
    return "s-warn" if status in WARN else "s-neutral"


def _bar(part: int, whole: int, status: str = "") -> str:
    width = 100 * part / whole if whole else 0
    kind = f" {_kind(status)}" if status else ""
    return f'<span class="bar{kind}" style="width:{width:.1f}%"></span>'


def _chart(svg: str | None) -> str:
    return f'<div class="chart">{svg}</div>' if svg else ""


def _header(report: Report) -> str:
    files = ", ".join(f"<code>{_e(run.results)}</code>" for run in report.runs)
    verify = f"; verification <code>{_e(report.verify.path)}</code>" if report.verify else ""
    sent = sum(report.statuses.get(s, 0) for s in (Status.SENT.value, Status.ALREADY_SENT.value))
    attention = sum(report.statuses.get(s.value, 0) for s in NEEDS_ATTENTION)
    cards = [("rows in the file", report.rows, ""), ("sent to IO", sent, "good")]
    if report.verify is not None:
        processed = report.verify.counts.get("message status", {}).get("PROCESSED", 0)
        cards.append(("PROCESSED by IO", processed, "good"))
    cards.append(("need attention", attention, "bad" if attention else ""))
    card_html = "".join(
        f'<div class="card {kind}" data-card="{_e(label)}"><div class="value">{_n(value)}</div>'
        f'<div class="label">{_e(label)}</div></div>'
        for label, value, kind in cards
    )
    chain = " (a rerun chain, reported as one campaign)" if len(report.runs) > 1 else ""
    return (
        f"<header><h1>Campaign report: {_e(report.job)}</h1>"
        f'<p class="meta">Generated {_e(report.generated_at)} from {files}{chain}{verify}.</p>'
        f'<div class="cards">{card_html}</div></header>'
    )


def _funnel(steps: list[Step]) -> str:
    rows = []
    for step in steps:
        lost = ", ".join(f"{_e(name)} {count:,}" for name, count in step.lost.items() if count)
        of = f"{_share(step.count, step.of_count)} of {_e(step.of_label)}" if step.of_label else ""
        rows.append(
            f'<tr data-step="{_e(step.label)}"><th>{_e(step.label)}</th>'
            f'<td class="num">{step.count:,}</td>'
            f'<td class="barcell">{_bar(step.count, steps[0].count)}</td>'
            f'<td class="num">{of}</td><td class="lost">{lost}</td></tr>'
        )
    chart = charts.funnel([(step.label, step.count) for step in steps])
    return (
        '<section id="funnel-section"><h2>Funnel</h2>'
        f"{_chart(chart)}"
        '<table id="funnel"><thead><tr><th>step</th><th class="num">rows</th><th></th>'
        '<th class="num">share</th><th>not further, and why</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Reachable: the profile check let the message through (a submit was '
        "tried). PROCESSED, read and paid come from the verification file when one is given."
        "</p></section>"
    )


def _outcomes(report: Report) -> str:
    rows = [
        f'<tr data-status="{_e(row.status)}"><th>{_e(row.status)}</th>'
        f'<td class="num">{row.count:,}</td><td class="num">{_share(row.count, report.rows)}</td>'
        f'<td class="barcell">{_bar(row.count, report.rows, row.status)}</td>'
        f"<td>{_counts_text(row.reasons)}</td></tr>"
        for row in report.outcomes
    ]
    chart = charts.bars(
        report.statuses,
        title="Rows by final status",
        colors={name: COLORS[_kind(name)] for name in report.statuses},
    )
    return (
        '<section id="outcomes-section"><h2>Outcomes by status</h2>'
        f"{_chart(chart)}"
        '<table id="outcomes"><thead><tr><th>status</th><th class="num">rows</th>'
        '<th class="num">share</th><th></th><th>main reason codes</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th>total</th><td class="num">{report.rows:,}</td><td></td><td></td>'
        "<td></td></tr></tfoot></table></section>"
    )


def _counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"<code>{_e(name)}</code> {count:,}" for name, count in counts.items())


def _invalid(report: Report) -> str:
    if not report.invalid:
        return '<section id="invalid-section"><h2>Invalid rows</h2><p>No invalid row.</p></section>'
    total = sum(group.count for group in report.invalid)
    rows = []
    for group in report.invalid:
        examples = _examples(group)
        rows.append(
            f'<tr data-reason="{_e(group.code)}"><th><code>{_e(group.code)}</code></th>'
            f'<td class="num">{group.count:,}</td>'
            f'<td class="barcell">{_bar(group.count, total, Status.INVALID.value)}</td>'
            f"<td>{examples}</td></tr>"
        )
    chart = charts.bars(
        {group.code: group.count for group in report.invalid},
        title="Invalid rows by reason",
        color=charts.RED,
    )
    return (
        '<section id="invalid-section"><h2>Invalid rows by reason</h2>'
        f"{_chart(chart)}"
        '<table id="invalid-reasons"><thead><tr><th>reason code</th><th class="num">rows</th>'
        "<th></th><th>first lines (fiscal codes masked)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
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
            f'<span class="example">line {_e(ex.line)} <code>{_e(ex.fiscal_code)}</code></span>'
            for ex in group.examples
        )
        return f"{_e(reasons.pop())}<br>{lines}{tail}"
    items = "".join(
        f'<li class="example">line {_e(ex.line)} <code>{_e(ex.fiscal_code)}</code>: '
        f"{_e(ex.reason)}</li>"
        for ex in group.examples
    )
    return f'<ul class="examples">{items}</ul>{tail}'


def _throughput(data: Throughput | None, throttled: int | None) -> str:
    if data is None:
        return (
            '<section id="throughput-section"><h2>Throughput</h2>'
            "<p>No message was sent by these runs: no time line.</p></section>"
        )
    chart = charts.throughput(data)
    if chart is None:
        chart = _columns(data)
    rates = data.per_minute()
    minutes = len(rates) * data.bucket_s / 60
    pauses = "".join(
        f"<li>{pause.start:%Y-%m-%d %H:%M:%S} to {pause.end:%H:%M:%S} UTC, "
        f"{pause.answers:,} answer(s) 429</li>"
        for pause in data.pauses
    )
    facts = [
        ("messages with a send time", f"{data.sent:,}"),
        ("peak, messages per minute", f"{data.peak_per_minute():,.1f}"),
        ("average, messages per minute", f"{data.sent / minutes:,.1f}" if minutes else "&ndash;"),
        ("bucket", f"{data.bucket_s} s"),
        ("429 answers (rate limited)", _n(throttled)),
        ("429 pauses", f"{len(data.pauses):,}"),
    ]
    table = "".join(
        f'<tr data-fact="{_e(name)}"><th>{_e(name)}</th><td class="num">{value}</td></tr>'
        for name, value in facts
    )
    return (
        '<section id="throughput-section"><h2>Throughput over time</h2>'
        f'<div class="chart">{chart}</div>'
        f'<table id="throughput" class="facts">{table}</table>'
        + (f'<h3>429 pauses</h3><ul id="pauses">{pauses}</ul>' if pauses else "")
        + '<p class="note">From the send time of every sent row (the journal records it, the '
        "results copy it). A red mark: a bucket during which the gateway answered 429 and "
        "no call went out until its retry hint expired.</p></section>"
    )


def _columns(data: Throughput) -> str:
    """The time line without pygal: plain CSS columns."""
    peak = data.peak_per_minute() or 1.0
    paused = data.paused_buckets()
    spans = "".join(
        f'<span{" class=paused" if i in paused else ""} style="height:{100 * rate / peak:.1f}%"'
        f' title="{data.bucket_start(i):%H:%M:%S} {rate:,.1f}/min"></span>'
        for i, rate in enumerate(data.per_minute())
    )
    first, last = data.bucket_start(0), data.bucket_start(len(data.counts))
    return (
        f'<div class="columns">{spans}</div>'
        f'<p class="note">{first:%Y-%m-%d %H:%M:%S} to {last:%H:%M:%S} UTC; highest column '
        f"{peak:,.1f} messages per minute.</p>"
    )


def _verify(facts: VerifyFacts) -> str:
    tables = []
    for title, counts in facts.counts.items():
        rows = "".join(
            f'<tr data-status="{_e(name)}"><th>{_e(name)}</th><td class="num">{count:,}</td>'
            f'<td class="num">{_share(count, facts.checked)}</td>'
            f'<td class="barcell">{_bar(count, facts.checked, name)}</td></tr>'
            for name, count in counts.items()
        )
        slug = title.replace(" ", "-")
        tables.append(
            f"<h3>{_e(title)}</h3>"
            f'<table id="verify-{_e(slug)}"><thead><tr><th>{_e(title)}</th>'
            '<th class="num">messages</th><th class="num">share</th><th></th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    statuses = facts.counts.get("message status", {})
    chart = charts.bars(
        statuses,
        title="IO message status",
        colors={name: COLORS[_kind(name)] for name in statuses},
    )
    return (
        '<section id="verify-section"><h2>What IO did with the sent messages (verify)</h2>'
        f'<p class="meta">{facts.checked:,} message(s) checked; {_n(facts.calls)} call(s), '
        f"{_n(facts.throttled)} answered 429.</p>"
        f"{_chart(chart)}{''.join(tables)}</section>"
    )


def _runs(runs: list[RunFacts]) -> str:
    header = "".join(f"<th>run {index}</th>" for index in range(1, len(runs) + 1))
    lines: Iterable[tuple[str, list[str]]] = [
        ("results file", [f"<code>{_e(run.results)}</code>" for run in runs]),
        ("run id", [f"<code>{_e(run.run_id)}</code>" if run.run_id else "&ndash;" for run in runs]),
        ("input digest (SHA-256)", [_digest(run.input_digest) for run in runs]),
        ("started (UTC)", [_e(run.started_at) or "&ndash;" for run in runs]),
        ("finished (UTC)", [_e(run.finished_at) or "&ndash;" for run in runs]),
        ("rate budget", [_e(run.budget) or "&ndash;" for run in runs]),
        ("elapsed", [_elapsed(run.elapsed_s) for run in runs]),
        ("API calls", [_n(run.calls) for run in runs]),
        ("calls by operation", [_counts_text(run.calls_by_operation) or "&ndash;" for run in runs]),
        ("429 answers", [_n(run.throttled) for run in runs]),
        ("exit code", [_n(run.exit_code) for run in runs]),
        ("rows", [f"{run.rows:,}" for run in runs]),
    ]
    body = "".join(
        f'<tr data-fact="{_e(name)}"><th>{_e(name)}</th>'
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
        for name, cells in lines
    )
    return (
        '<section id="runs-section"><h2>Runs</h2>'
        f'<table id="runs"><thead><tr><th></th>{header}</tr></thead><tbody>{body}</tbody></table>'
        '<p class="note">From each results file\'s summary (<code>&lt;results stem&gt;.summary.json'
        "</code>) and the job's journal; &ndash; where neither says.</p></section>"
    )


def _digest(digest: str) -> str:
    return f"<code>{_e(digest)}</code>" if digest else "&ndash;"


def _elapsed(seconds: float | None) -> str:
    if seconds is None:
        return "&ndash;"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"
    return f'<span data-seconds="{seconds}">{text}</span>'


def _charts_notice() -> str:
    if charts.available():
        return ""
    return (
        f'<p class="notice" id="no-charts">Charts need the report extra: <code>'
        f"{_e(charts.INSTALL_HINT)}</code>. The tables below hold every number.</p>"
    )


def _footer() -> str:
    return (
        "<footer><p>Fiscal codes are masked as in the logs. This file is self-contained: "
        "it loads nothing from the network. Made by io-batch.</p></footer>"
    )
