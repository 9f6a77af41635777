"""The report's figures over any mix of outcomes and send times (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from batch.models import Status
from batch.report import charts
from batch.report.command import write_report
from batch.report.figures import funnel, masked_reason
from batch.report.tally import ResultsTally
from batch.report.timeline import MAX_BUCKETS, throughput
from tests.helpers.html_report import parse_report
from tests.helpers.report_campaign import Campaign, write_results

STATUSES = [status.value for status in Status] + ["excluded"]
CODES = ["submit.accepted", "submit.server_error", "profile.not_found", "row.duplicate", ""]
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def frame(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "line": [str(index + 2) for index in range(len(rows))],
            "fiscal_code": ["RSSMRA85T10A562S"] * len(rows),
            "status": [status for status, _, _ in rows],
            "reason_code": [code for _, code, _ in rows],
            "reason": [""] * len(rows),
            "sent_at": [
                ""
                if offset is None
                else (START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                for _, _, offset in rows
            ],
            "run_id": ["r"] * len(rows),
        },
        schema={
            name: pl.String
            for name in (
                "line",
                "fiscal_code",
                "status",
                "reason_code",
                "reason",
                "sent_at",
                "run_id",
            )
        },
    )


def tally(whole: pl.DataFrame, batch_rows: int = 7) -> ResultsTally:
    """The frame folded in as a file is read: a batch at a time."""
    folded = ResultsTally()
    for batch in whole.iter_slices(batch_rows):
        folded.add(batch)
    return folded


rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(STATUSES),
        st.sampled_from(CODES),
        st.one_of(st.none(), st.floats(min_value=0, max_value=3 * 86400)),
    ),
    max_size=60,
)


@given(rows_strategy)
def test_the_funnel_only_narrows_and_each_step_says_where_the_rest_went(rows: list) -> None:
    steps = funnel(tally(frame(rows)), None)
    counts = [step.count for step in steps]
    assert counts[0] == len(rows)
    assert counts == sorted(counts, reverse=True)
    for step in steps[1:]:
        assert step.of_count - step.count == sum(step.lost.values())
    statuses = Counter(status for status, _, _ in rows)
    assert steps[-1].count == statuses["sent"] + statuses["already_sent"]
    assert any(step.label == "not excluded" for step in steps) == bool(statuses["excluded"])


@given(rows_strategy)
def test_every_sent_row_with_a_time_lands_in_one_bucket(rows: list) -> None:
    data = throughput(tally(frame(rows)).sent_seconds, [])
    timed = sum(1 for status, _, offset in rows if status == "sent" and offset is not None)
    if data is None:
        assert timed == 0
        return
    assert data.sent == timed
    assert 1 <= len(data.counts) <= MAX_BUCKETS + 1
    assert data.start <= START + timedelta(
        seconds=min(offset for status, _, offset in rows if status == "sent" and offset is not None)
    )


@given(st.text(max_size=40), st.sampled_from(["RSSMRA85T10A562S", "rssmra85t10a562x", "AB12"]))
def test_a_reason_never_shows_the_rows_own_code(text: str, code: str) -> None:
    reason = masked_reason({"reason": f"{text} {code} {text.upper()}", "fiscal_code": code})
    assert code.lower() not in reason.lower()


@given(rows_strategy, st.integers(min_value=1, max_value=9))
def test_the_tally_does_not_depend_on_how_the_file_is_cut_into_batches(
    rows: list, batch_rows: int
) -> None:
    whole, cut = tally(frame(rows), batch_rows=10_000), tally(frame(rows), batch_rows=batch_rows)
    assert cut.rows == whole.rows == len(rows)
    assert cut.counts.equals(whole.counts)
    assert cut.sent_seconds == whole.sent_seconds
    assert cut.examples.equals(whole.examples)
    assert funnel(cut, None) == funnel(whole, None)


def test_the_examples_are_the_first_lines_of_each_invalid_reason() -> None:
    rows = [("invalid", "row.bad", None)] * 12 + [("invalid", "", None), ("sent", "", 5.0)]
    folded = tally(frame(rows)[::-1], batch_rows=3)  # the file's lines in reverse
    lines = {
        code: folded.examples.filter(pl.col("reason_code") == code)["line"].to_list()
        for code in ("row.bad", "")
    }
    assert sorted(lines["row.bad"], key=int) == ["2", "3", "4", "5", "6"]
    assert lines[""] == ["14"]
    assert folded.sent_seconds == Counter({int((START + timedelta(seconds=5)).timestamp()): 1})


@given(
    st.dictionaries(
        st.integers(min_value=0, max_value=3 * 86400),
        st.integers(min_value=1, max_value=500),
        min_size=1,
        max_size=40,
    ),
    st.lists(
        st.tuples(
            st.floats(min_value=-600, max_value=3 * 86400), st.floats(min_value=0, max_value=900)
        ),
        max_size=20,
    ),
)
def test_any_time_line_is_drawn_with_one_column_per_period_and_its_words(
    seconds: dict[int, int], pauses: list[tuple[float, float]]
) -> None:
    base = int(START.timestamp())
    summary = {
        "pauses": [
            {
                "start": (START + timedelta(seconds=at)).isoformat(),
                "end": (START + timedelta(seconds=at + length)).isoformat(),
                "answers": 1,
            }
            for at, length in pauses
        ]
    }
    data = throughput({base + second: count for second, count in seconds.items()}, [summary])
    assert data is not None and data.sent == sum(seconds.values())
    shares = data.paused_shares()
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert data.busiest_minute[1] <= data.sent
    chart = charts.throughput(data)
    assert chart.svg.count("<rect") == len(data.counts)
    assert chart.caption.startswith(f"Messages sent per {charts.bucket_text(data.bucket_s)}, ")
    assert f"{data.sent:,} in all" in chart.caption
    assert "{" not in chart.caption and "}" not in chart.caption


def test_a_campaign_that_sent_nothing_has_no_time_line(campaign: Campaign) -> None:
    plan = [("invalid", "row.bad", "bad", None), ("not_registered", "profile.not_found", "", None)]
    results = campaign.folder / "nothing.csv"
    write_results(results, campaign.codes[:2], "20260302T100000Z-abcdef", plan)
    output = write_report(campaign.job, [results])
    page = parse_report(output)
    assert "No message was sent by these runs: no time line." in page.text()
    assert page.cards == {"rows in the file": "2", "sent to IO": "0", "need attention": "1"}
    assert output.read_text(encoding="utf-8").count("<svg") == 3  # funnel, status, invalid
