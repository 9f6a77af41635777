"""The report's sections about the runs: throughput over time, IO's statuses (verify),
and each run's metadata."""

from __future__ import annotations

from collections.abc import Iterable

from batch.report import charts
from batch.report.build import RunFacts, VerifyFacts
from batch.report.html_bits import (
    bar,
    chart_box,
    count_or_dash,
    counts_text,
    esc,
    share,
    status_colors,
)
from batch.report.timeline import Throughput


def throughput_section(data: Throughput | None, throttled: int | None) -> str:
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
        ("429 answers (rate limited)", count_or_dash(throttled)),
        ("429 pauses", f"{len(data.pauses):,}"),
    ]
    table = "".join(
        f'<tr data-fact="{esc(name)}"><th>{esc(name)}</th><td class="num">{value}</td></tr>'
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


def verify_section(facts: VerifyFacts) -> str:
    tables = []
    for title, counts in facts.counts.items():
        rows = "".join(
            f'<tr data-status="{esc(name)}"><th>{esc(name)}</th><td class="num">{count:,}</td>'
            f'<td class="num">{share(count, facts.checked)}</td>'
            f'<td class="barcell">{bar(count, facts.checked, name)}</td></tr>'
            for name, count in counts.items()
        )
        slug = title.replace(" ", "-")
        tables.append(
            f"<h3>{esc(title)}</h3>"
            f'<table id="verify-{esc(slug)}"><thead><tr><th>{esc(title)}</th>'
            '<th class="num">messages</th><th class="num">share</th><th></th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    statuses = facts.counts.get("message status", {})
    chart = charts.bars(
        statuses,
        title="IO message status",
        colors=status_colors(statuses),
    )
    return (
        '<section id="verify-section"><h2>What IO did with the sent messages (verify)</h2>'
        f'<p class="meta">{facts.checked:,} message(s) checked; '
        f"{count_or_dash(facts.calls)} call(s), "
        f"{count_or_dash(facts.throttled)} answered 429.</p>"
        f"{chart_box(chart)}{''.join(tables)}</section>"
    )


def runs_section(runs: list[RunFacts]) -> str:
    header = "".join(f"<th>run {index}</th>" for index in range(1, len(runs) + 1))
    lines: Iterable[tuple[str, list[str]]] = [
        ("results file", [f"<code>{esc(run.results)}</code>" for run in runs]),
        (
            "run id",
            [f"<code>{esc(run.run_id)}</code>" if run.run_id else "&ndash;" for run in runs],
        ),
        ("input digest (SHA-256)", [_code_or_dash(run.input_digest) for run in runs]),
        ("started (UTC)", [esc(run.started_at) or "&ndash;" for run in runs]),
        ("finished (UTC)", [esc(run.finished_at) or "&ndash;" for run in runs]),
        ("rate budget", [esc(run.budget) or "&ndash;" for run in runs]),
        ("elapsed", [_elapsed(run.elapsed_s) for run in runs]),
        ("API calls", [count_or_dash(run.calls) for run in runs]),
        ("calls by operation", [counts_text(run.calls_by_operation) or "&ndash;" for run in runs]),
        ("429 answers", [count_or_dash(run.throttled) for run in runs]),
        ("exit code", [count_or_dash(run.exit_code) for run in runs]),
        ("operator", [esc(run.operator) or "&ndash;" for run in runs]),
        ("approved by", [esc(run.approved_by) or "&ndash;" for run in runs]),
        ("rows", [f"{run.rows:,}" for run in runs]),
    ]
    body = "".join(
        f'<tr data-fact="{esc(name)}"><th>{esc(name)}</th>'
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


def _code_or_dash(text: str) -> str:
    return f"<code>{esc(text)}</code>" if text else "&ndash;"


def _elapsed(seconds: float | None) -> str:
    if seconds is None:
        return "&ndash;"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"
    return f'<span data-seconds="{seconds}">{text}</span>'
