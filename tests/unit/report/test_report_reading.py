"""The report as people read it: IO's own failures in the "need attention" card, text
in enough contrast, every header with a scope, honest throughput, pauses summarised,
and every text of the page rendered (no template left unfilled)."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from batch.output.verification import VERIFY_COLUMNS
from batch.report import charts, page_runs, palette, svg
from batch.report.page import ATTENTION_DETAIL
from batch.report.page_runs import PAUSES_LISTED, throughput_section
from batch.report.timeline import throughput
from tests.helpers.report_campaign import Campaign

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    low, high = sorted((luminance(first), luminance(second)))
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_matches_wcags_reference_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    # a value label of the old report: pygal's black on its red bar
    assert contrast("#000000", "#c0392b") == pytest.approx(3.86, abs=0.01)


@pytest.mark.parametrize("background", palette.BACKGROUNDS)
@pytest.mark.parametrize("text", palette.TEXT_COLORS)
def test_every_text_colour_reads_at_4_5_to_1_on_every_background(
    text: str, background: str
) -> None:
    assert contrast(text, background) >= 4.5


@pytest.mark.parametrize("bar", palette.BAR_COLORS)
def test_every_bar_colour_stands_out_at_3_to_1_from_white(bar: str) -> None:
    assert contrast(bar, palette.WHITE) >= 3.0  # WCAG 1.4.11, graphical objects


def test_the_page_draws_only_in_the_tested_colours(campaign: Campaign) -> None:
    output, _ = campaign.report(verify=campaign.verify)
    html = output.read_text(encoding="utf-8")
    svg_text = set(re.findall(r'<(?:text|svg)\b[^>]*\bfill="(#[0-9a-f]{6})"', html))
    shapes = set(re.findall(r'<rect\b[^>]*\bfill="(#[0-9a-f]{6})"', html))
    swatches = set(re.findall(r'class="swatch" style="background:(#[0-9a-f]{6})"', html))
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    names = dict(re.findall(r"--([a-z]+): (#[0-9a-f]{6})", style[1]))
    css_text = {names[name] for name in re.findall(r"[;{\s]color: var\(--([a-z]+)\)", style[1])}
    css_fill = {
        names.get(name, name)
        for name in re.findall(r"background: (?:var\(--)?([a-z]+|#[0-9a-f]{6})", style[1])
    }
    assert svg_text and shapes and css_text and css_fill
    assert svg_text | css_text <= set(palette.TEXT_COLORS)
    assert shapes | swatches | css_fill <= set(palette.BAR_COLORS) | set(palette.BACKGROUNDS)
    # nothing is written on a bar: every value text sits right of its bar's end
    beside = re.findall(
        rf'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="{svg.BAR_H}"[^>]*/>'
        r'<text x="([\d.]+)"',
        html,
    )
    assert len(beside) == html.count(f'height="{svg.BAR_H}"') == 8 + 8 + 2 + 3
    for rect_x, width, text_x in beside:
        assert float(text_x) > float(rect_x) + float(width)


def write_verify(path: Path, rows: list[dict[str, str]], statuses: list[str]) -> None:
    sent = [row for row in rows if row["status"] in ("sent", "already_sent")]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VERIFY_COLUMNS)
        for row, status in zip(sent, statuses, strict=True):
            cells = {"line": row["line"], "fiscal_code": row["fiscal_code"]}
            cells |= {"message_id": row["message_id"], "message_status": status, "attempts": "1"}
            writer.writerow([cells.get(name, "") for name in VERIFY_COLUMNS])


def test_need_attention_counts_the_messages_io_reported_failed_or_rejected(
    campaign: Campaign,
) -> None:
    # 7 sent rows: IO FAILED 3, REJECTED 1, PROCESSED 3; by status 3 invalid + 2 failed
    verify = campaign.folder / "io.verify.csv"
    write_verify(verify, campaign.rows, ["FAILED"] * 3 + ["REJECTED"] + ["PROCESSED"] * 3)
    output, page = campaign.report(verify=verify)
    assert page.cards["need attention"] == "9"  # was 5: IO's own failures ignored
    assert page.cards["PROCESSED by IO"] == "3"
    html = output.read_text(encoding="utf-8")
    assert ": 5 rows by their status, 3 FAILED on IO, 1 REJECTED on IO" in html
    # without --verify nothing is known of IO's side: the rows by status only
    _, page = campaign.report()
    assert page.cards["need attention"] == "5"
    # every message PROCESSED: the card is the rows alone, with no detail
    write_verify(verify, campaign.rows, ["PROCESSED"] * 7)
    output, page = campaign.report(verify=verify)
    assert page.cards["need attention"] == "5"
    assert "FAILED on IO" not in output.read_text(encoding="utf-8")


def demo_seconds() -> dict[int, int]:
    """196 messages over 15 s, the demo's shape: 13 a second and 14 in the busiest."""
    first = int(START.timestamp()) + 20
    seconds = {first + offset: 13 for offset in range(15)}
    seconds[first + 7] = 14
    return seconds


def test_a_short_run_is_counted_per_second_never_scaled_to_a_minute() -> None:
    data = throughput(demo_seconds(), [])
    assert data is not None and data.sent == 196 and data.bucket_s == 1
    assert data.busiest_minute == (START, 196)
    html = re.sub(r"<[^>]*>", " ", throughput_section(data, throttled=0))  # its text
    # the old page: "peak, messages per minute 840.0" from 14 messages in 1 s
    assert "840" not in html and "900" not in html
    assert "196 messages (10:00 UTC)" in html
    assert "13.1 messages per second" in html  # 196 in 15 s
    assert charts.throughput(data).caption == (
        "Messages sent per second, from 2026-03-02 10:00:20 to 10:00:34 UTC: 196 in all; "
        "the busiest second 14 at 10:00:27, the median 13 (over the seconds with a send)."
    )


def pause(at: int, seconds: float, answers: int = 1) -> dict[str, object]:
    start = START + timedelta(seconds=at)
    end = start + timedelta(seconds=seconds)
    return {
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": end.isoformat().replace("+00:00", "Z"),
        "answers": answers,
    }


def test_many_pauses_are_summarised_and_coloured_by_the_share_of_time_paused() -> None:
    # an hour at 200 a minute; 500 pauses of 1 s in the first 50 minutes (6 s of each
    # minute: blue), and in minute 55 one of 20 s (a third: amber) and one of 35 s in
    # minute 57 (more than half: red)
    seconds = {int(START.timestamp()) + second: 200 for second in range(0, 3600, 60)}
    pauses = [pause(minute * 60 + 3 + 6 * k, 1.0) for minute in range(50) for k in range(10)]
    pauses += [pause(55 * 60 + 10, 20.0, answers=4), pause(57 * 60 + 5, 35.0, answers=7)]
    data = throughput(seconds, [{"pauses": pauses}])
    assert data is not None and data.bucket_s == 60 and len(data.counts) == 60
    colors = [charts.pause_color(share) for share in data.paused_shares()]
    assert colors.count(palette.BLUE) == 58
    assert colors[55] == palette.AMBER and colors[57] == palette.RED
    html = throughput_section(data, throttled=511)
    page = html.replace("<", " <")
    assert "429 pauses: the 5 longest of 502" in page
    assert page.count('data-pause="') == PAUSES_LISTED
    assert "9 min 15 s" in page  # 500 s + 20 s + 35 s paused in all
    assert "35 s from 10:57:05 UTC" in page  # the longest
    assert charts.throughput(data).caption.endswith(
        "429 pauses took 1 of the minutes for half their time or more (red) and 1 for a "
        "quarter to half (amber)."
    )


def every_text(html: str) -> str:
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def test_every_text_of_the_page_is_rendered(campaign: Campaign) -> None:
    """Every template of the page filled in, in the situations that use each one: with
    and without verification, many pauses, a rerun chain; no brace, None or nan left."""
    many = [pause(5 * k, 0.5) for k in range(8)]
    campaign.results.with_name("results.summary.json").write_text(
        campaign.results.with_name("results.summary.json")
        .read_text()
        .replace('"pauses": [', '"pauses": [' + ", ".join(map(_json, many)) + ", ")
    )
    verify = campaign.folder / "io.verify.csv"
    write_verify(verify, campaign.rows, ["FAILED", "REJECTED", *["PROCESSED"] * 5])
    parsed = campaign.report(verify=verify)[1]
    assert "429 pauses: the 5 longest of 10" in parsed.text()
    texts = []
    for verified in (verify, None):  # the same output file: read each before the next
        output, _ = campaign.report(verify=verified)
        texts.append(every_text(output.read_text(encoding="utf-8")))
    for text in texts:
        assert not re.search(r"[{}]|\bNone\b|\bnan\b", text), re.findall(r".{30}[{}].{30}", text)
    with_verify = texts[0]
    templates = [
        charts.FUNNEL_TITLE,
        charts.STATUS_TITLE,
        charts.INVALID_TITLE,
        charts.VERIFY_TITLE,
        charts.TIME_TEXT,
        charts.TIME_PAUSED_TEXT,
        charts.TIME_TITLE,
        charts.TIME_AXIS,
        ATTENTION_DETAIL,
        *(text for _, text in charts.LEGEND),
        *(getattr(page_runs, name) for name in dir(page_runs) if name.startswith("FACT_")),
        page_runs.TOOK_TEXT,
        page_runs.PER_MINUTE,  # 130 s of sending (a short run's PER_SECOND: above)
        page_runs.BUSIEST_TEXT,
        page_runs.LONGEST_TEXT,
        page_runs.PAUSES_SOME,
        page_runs.THROUGHPUT_NOTE,
    ]
    for template in templates:
        for fixed in re.split(r"\{[^}]*\}", template):
            assert fixed.strip() in with_verify.replace("&#x27;", "'"), (template, fixed)


def _json(entry: dict[str, object]) -> str:
    return json.dumps(entry)
