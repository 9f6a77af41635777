"""The report's sections about the runs: throughput over time, IO's statuses (verify),
and each run's metadata."""

from __future__ import annotations

from collections.abc import Iterable

from batch.i18n import N_, _, format_number
from batch.report import charts
from batch.report.build import RunFacts, VerifyFacts
from batch.report.dates import day_and_time, recorded_time
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
from batch.report.timeline import Throughput
from batch.report.words import shown

#: The pauses the page lists by name (the longest); the summary keeps every one.
PAUSES_LISTED = 5
# The throughput section's texts, in one place (English; shown in the page's language).
NO_TIME_LINE = N_("No message was sent by these runs: no time line.")
FACT_SENT = N_("messages with a send time")
FACT_TOOK = N_("sending took")
TOOK_TEXT = N_("{duration} ({first} to {last} UTC)")
FACT_RATE = N_("average rate")
PER_MINUTE = N_("{rate} messages per minute")
PER_SECOND = N_("{rate} messages per second")
FACT_BUSIEST = N_("busiest calendar minute")
BUSIEST_TEXT = N_("{count} messages ({minute} UTC)")
FACT_PERIOD = N_("chart period")
FACT_429 = N_("429 answers (rate limited)")
FACT_PAUSES = N_("429 pauses")
FACT_PAUSED = N_("time paused by 429")
FACT_LONGEST = N_("longest pause")
LONGEST_TEXT = N_("{duration} from {start} UTC")
PAUSES_ALL = N_("429 pauses")
PAUSES_SOME = N_("429 pauses: the {listed} longest of {count}")
PAUSE_COLUMNS = (N_("start (UTC)"), N_("end"), N_("length"), N_("429 answers"))
THROUGHPUT_NOTE = N_(
    "From the send time of every sent row (the journal records it, the results copy it), "
    "counted per period as they happened. A 429 pause: the gateway answered 429 and no "
    "call went out until its retry hint expired."
)
# The runs table's lines (English: its rows' data-fact keys too).
RUN_FACTS = (
    N_("results file"),
    N_("run id"),
    N_("input digest (SHA-256)"),
    N_("started (UTC)"),
    N_("finished (UTC)"),
    N_("rate budget"),
    N_("elapsed"),
    N_("API calls"),
    N_("calls by operation"),
    N_("429 answers"),
    N_("exit code"),
    N_("operator"),
    N_("approved by"),
    N_("rows"),
)


def throughput_section(data: Throughput | None, throttled: int | None) -> str:
    if data is None:
        return (
            section_start("throughput-section", _("Throughput"))
            + f"<p>{esc(shown(NO_TIME_LINE))}</p></section>"
        )
    chart = charts.throughput(data)
    minute, most = data.busiest_minute
    pauses = data.pauses
    facts = [
        (FACT_SENT, format_number(data.sent)),
        (
            FACT_TOOK,
            shown(TOOK_TEXT).format(
                duration=_duration(data.span_s),
                first=day_and_time(data.first),
                last=f"{data.last:%H:%M:%S}",
            ),
        ),
        (FACT_RATE, _rate(data.sent, data.span_s)),
        (
            FACT_BUSIEST,
            shown(BUSIEST_TEXT).format(count=format_number(most), minute=f"{minute:%H:%M}"),
        ),
        (FACT_PERIOD, charts.bucket_text(data.bucket_s)),
        (FACT_429, count_or_dash(throttled)),
        (FACT_PAUSES, format_number(len(pauses))),
    ]
    if pauses:
        longest = max(pauses, key=lambda pause: pause.seconds)
        facts += [
            (FACT_PAUSED, _duration(data.paused_s)),
            (
                FACT_LONGEST,
                shown(LONGEST_TEXT).format(
                    duration=_duration(longest.seconds), start=f"{longest.start:%H:%M:%S}"
                ),
            ),
        ]
    table = "".join(
        f'<tr data-fact="{esc(name)}">{row_header(esc(shown(name)))}'
        f'<td class="num">{value}</td></tr>'
        for name, value in facts
    )
    return (
        section_start("throughput-section", _("Throughput over time")) + f"{chart_box(chart)}"
        f'<table id="throughput" class="facts short"><tbody>{table}</tbody></table>'
        f"{_pauses_table(data)}"
        f'<p class="note">{esc(shown(THROUGHPUT_NOTE))}</p></section>'
    )


def _pauses_table(data: Throughput) -> str:
    if not data.pauses:
        return ""
    listed = data.longest_pauses(PAUSES_LISTED)
    rows = "".join(
        f'<tr data-pause="{pause.start:%Y-%m-%dT%H:%M:%S}">'
        f"{row_header(day_and_time(pause.start))}<td>{pause.end:%H:%M:%S}</td>"
        f'<td class="num">{_duration(pause.seconds)}</td>'
        f'<td class="num">{format_number(pause.answers)}</td></tr>'
        for pause in listed
    )
    heading = (
        shown(PAUSES_ALL)
        if len(listed) == len(data.pauses)
        else shown(PAUSES_SOME).format(
            listed=format_number(len(listed)), count=format_number(len(data.pauses))
        )
    )
    start, end, length, answers = (esc(shown(name)) for name in PAUSE_COLUMNS)
    return (
        f"<h3>{esc(heading)}</h3>"
        '<table id="pauses" class="facts short">'
        + col_headers(start, end, f"#n:{length}", f"#n:{answers}")
        + f"<tbody>{rows}</tbody></table>"
    )


def _rate(sent: int, seconds: int) -> str:
    """Per minute over a minute or more of sending; per second below (a 15 s run has
    no minute to speak of)."""
    if seconds >= 60:
        return shown(PER_MINUTE).format(rate=format_number(sent * 60 / seconds, 1))
    return shown(PER_SECOND).format(rate=format_number(sent / seconds, 1))


def _duration(seconds: float) -> str:
    """A span in the units' symbols (the same in English and Italian), its tenths of a
    second written with the language's decimal mark."""
    whole = round(seconds)
    if seconds < 9.95:  # tenths below 10 s, but "3 s" rather than "3.0 s"
        tenths = round(seconds, 1)
        return format_number(tenths, 0 if tenths == int(tenths) else 1) + " s"
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"


def verify_section(facts: VerifyFacts) -> str:
    tables = []
    for title, counts in facts.counts.items():
        rows = "".join(
            f'<tr data-status="{esc(name)}">{row_header(esc(status_label(name)))}'
            f'<td class="num">{format_number(count)}</td>'
            f'<td class="num">{share(count, facts.checked)}</td>'
            f'<td class="barcell">{bar(count, facts.checked, name)}</td></tr>'
            for name, count in counts.items()
        )
        slug = title.replace(" ", "-")
        heading = esc(shown(title))
        tables.append(
            f"<h3>{heading}</h3>"
            f'<table id="verify-{esc(slug)}" class="short">'
            + col_headers(heading, numeric(_("messages")), numeric(_("share")), "")
            + f"<tbody>{rows}</tbody></table>"
        )
    statuses = facts.counts.get("message status", {})
    labelled = {status_label(name): count for name, count in statuses.items()}
    chart = charts.bars(
        "verify-chart",
        labelled,
        title=charts.VERIFY_TITLE,
        colors={status_label(name): color for name, color in status_colors(statuses).items()},
    )
    said = _("{checked} message(s) checked; {calls} call(s), {throttled} answered 429.")
    checked = esc(said).format(  # the words escaped; a count may be the dash's entity
        checked=format_number(facts.checked),
        calls=count_or_dash(facts.calls),
        throttled=count_or_dash(facts.throttled),
    )
    return (
        section_start("verify-section", _("What IO did with the sent messages (verify)"))
        + f'<p class="meta">{checked}</p>'
        f"{chart_box(chart)}{''.join(tables)}</section>"
    )


def status_label(name: str) -> str:
    """A status as the page shows it: IO's and io-batch's status codes as written (the
    files say them so), the report's own words for "no status" and "not verified" in
    the page's language."""
    own = {"no status": _("no status"), "not verified": _("not verified")}
    return own.get(name, name)


def runs_section(runs: list[RunFacts]) -> str:
    header = col_headers(
        "",
        *(esc(_("run {number}").format(number=index)) for index in range(1, len(runs) + 1)),
    )
    cells: Iterable[list[str]] = [
        [f"<code>{esc(run.results)}</code>" for run in runs],
        [f"<code>{esc(run.run_id)}</code>" if run.run_id else "&ndash;" for run in runs],
        [_code_or_dash(run.input_digest) for run in runs],
        [_time_or_dash(run.started_at) for run in runs],
        [_time_or_dash(run.finished_at) for run in runs],
        [esc(run.budget) or "&ndash;" for run in runs],
        [_elapsed(run.elapsed_s) for run in runs],
        [count_or_dash(run.calls) for run in runs],
        [counts_text(run.calls_by_operation) or "&ndash;" for run in runs],
        [count_or_dash(run.throttled) for run in runs],
        # An exit code is a code (scripts compare it), not a quantity: as written.
        [str(run.exit_code) if run.exit_code is not None else "&ndash;" for run in runs],
        [esc(run.operator) or "&ndash;" for run in runs],
        [esc(run.approved_by) or "&ndash;" for run in runs],
        [format_number(run.rows) for run in runs],
    ]
    body = "".join(
        f'<tr data-fact="{esc(name)}">{row_header(esc(shown(name)))}'
        + "".join(f"<td>{cell}</td>" for cell in line)
        + "</tr>"
        for name, line in zip(RUN_FACTS, cells, strict=True)
    )
    note = esc(
        _(
            "From each results file's summary ({summary}) and the job's journal; {dash} where "
            "neither says."
        )
    ).format(summary="<code>&lt;results stem&gt;.summary.json</code>", dash="&ndash;")
    return (
        section_start("runs-section", _("Runs"))
        + f'<table id="runs" class="short">{header}<tbody>{body}</tbody></table>'
        f'<p class="note">{note}</p></section>'
    )


def _code_or_dash(text: str) -> str:
    return f"<code>{esc(text)}</code>" if text else "&ndash;"


def _time_or_dash(recorded: str) -> str:
    return esc(recorded_time(recorded)) if recorded else "&ndash;"


def _elapsed(seconds: float | None) -> str:
    if seconds is None:
        return "&ndash;"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"
    return f'<span data-seconds="{seconds}">{text}</span>'
