"""The report's sections about the runs: throughput over time, IO's statuses (verify),
and each run's metadata."""

from __future__ import annotations

from collections.abc import Iterable

from batch.report import charts
from batch.report.build import RunFacts, VerifyFacts
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
from batch.report.timeline import Throughput

#: The pauses the page lists by name (the longest); the summary keeps every one.
PAUSES_LISTED = 5
# The throughput section's texts, in one place.
NO_TIME_LINE = "No message was sent by these runs: no time line."
FACT_SENT = "messages with a send time"
FACT_TOOK = "sending took"
TOOK_TEXT = "{duration} ({first} to {last} UTC)"
FACT_RATE = "average rate"
PER_MINUTE = "{rate:,.1f} messages per minute"
PER_SECOND = "{rate:,.1f} messages per second"
FACT_BUSIEST = "busiest calendar minute"
BUSIEST_TEXT = "{count:,} messages ({minute} UTC)"
FACT_PERIOD = "chart period"
FACT_429 = "429 answers (rate limited)"
FACT_PAUSES = "429 pauses"
FACT_PAUSED = "time paused by 429"
FACT_LONGEST = "longest pause"
LONGEST_TEXT = "{duration} from {start} UTC"
PAUSES_ALL = "429 pauses"
PAUSES_SOME = "429 pauses: the {listed} longest of {count:,}"
PAUSE_COLUMNS = ("start (UTC)", "end", "#n:length", "#n:429 answers")
THROUGHPUT_NOTE = (
    "From the send time of every sent row (the journal records it, the results copy it), "
    "counted per period as they happened. A 429 pause: the gateway answered 429 and no "
    "call went out until its retry hint expired."
)


def throughput_section(data: Throughput | None, throttled: int | None) -> str:
    if data is None:
        return (
            f'<section id="throughput-section"><h2>Throughput</h2><p>{NO_TIME_LINE}</p></section>'
        )
    chart = charts.throughput(data)
    minute, most = data.busiest_minute
    pauses = data.pauses
    facts = [
        (FACT_SENT, f"{data.sent:,}"),
        (
            FACT_TOOK,
            TOOK_TEXT.format(
                duration=_duration(data.span_s),
                first=f"{data.first:%Y-%m-%d %H:%M:%S}",
                last=f"{data.last:%H:%M:%S}",
            ),
        ),
        (FACT_RATE, _rate(data.sent, data.span_s)),
        (FACT_BUSIEST, BUSIEST_TEXT.format(count=most, minute=f"{minute:%H:%M}")),
        (FACT_PERIOD, charts.bucket_text(data.bucket_s)),
        (FACT_429, count_or_dash(throttled)),
        (FACT_PAUSES, f"{len(pauses):,}"),
    ]
    if pauses:
        longest = max(pauses, key=lambda pause: pause.seconds)
        facts += [
            (FACT_PAUSED, _duration(data.paused_s)),
            (
                FACT_LONGEST,
                LONGEST_TEXT.format(
                    duration=_duration(longest.seconds), start=f"{longest.start:%H:%M:%S}"
                ),
            ),
        ]
    table = "".join(
        f'<tr data-fact="{esc(name)}">{row_header(esc(name))}<td class="num">{value}</td></tr>'
        for name, value in facts
    )
    return (
        '<section id="throughput-section"><h2>Throughput over time</h2>'
        f"{chart_box(chart)}"
        f'<table id="throughput" class="facts short"><tbody>{table}</tbody></table>'
        f"{_pauses_table(data)}"
        f'<p class="note">{THROUGHPUT_NOTE}</p></section>'
    )


def _pauses_table(data: Throughput) -> str:
    if not data.pauses:
        return ""
    listed = data.longest_pauses(PAUSES_LISTED)
    rows = "".join(
        f'<tr data-pause="{pause.start:%Y-%m-%dT%H:%M:%S}">'
        f"{row_header(f'{pause.start:%Y-%m-%d %H:%M:%S}')}<td>{pause.end:%H:%M:%S}</td>"
        f'<td class="num">{_duration(pause.seconds)}</td>'
        f'<td class="num">{pause.answers:,}</td></tr>'
        for pause in listed
    )
    heading = (
        PAUSES_ALL
        if len(listed) == len(data.pauses)
        else PAUSES_SOME.format(listed=len(listed), count=len(data.pauses))
    )
    return (
        f"<h3>{heading}</h3>"
        '<table id="pauses" class="facts short">'
        + col_headers(*PAUSE_COLUMNS)
        + f"<tbody>{rows}</tbody></table>"
    )


def _rate(sent: int, seconds: int) -> str:
    """Per minute over a minute or more of sending; per second below (a 15 s run has
    no minute to speak of)."""
    if seconds >= 60:
        return PER_MINUTE.format(rate=sent * 60 / seconds)
    return PER_SECOND.format(rate=sent / seconds)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if seconds < 9.95:  # tenths below 10 s, but "3 s" rather than "3.0 s"
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"


def verify_section(facts: VerifyFacts) -> str:
    tables = []
    for title, counts in facts.counts.items():
        rows = "".join(
            f'<tr data-status="{esc(name)}">{row_header(esc(name))}<td class="num">{count:,}</td>'
            f'<td class="num">{share(count, facts.checked)}</td>'
            f'<td class="barcell">{bar(count, facts.checked, name)}</td></tr>'
            for name, count in counts.items()
        )
        slug = title.replace(" ", "-")
        tables.append(
            f"<h3>{esc(title)}</h3>"
            f'<table id="verify-{esc(slug)}" class="short">'
            + col_headers(esc(title), "#n:messages", "#n:share", "")
            + f"<tbody>{rows}</tbody></table>"
        )
    statuses = facts.counts.get("message status", {})
    chart = charts.bars(
        "verify-chart",
        statuses,
        title=charts.VERIFY_TITLE,
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
    header = col_headers("", *(f"run {index}" for index in range(1, len(runs) + 1)))
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
        f'<tr data-fact="{esc(name)}">{row_header(esc(name))}'
        + "".join(f"<td>{cell}</td>" for cell in cells)
        + "</tr>"
        for name, cells in lines
    )
    return (
        '<section id="runs-section"><h2>Runs</h2>'
        f'<table id="runs" class="short">{header}<tbody>{body}</tbody></table>'
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
