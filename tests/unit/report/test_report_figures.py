"""The report's figures over any mix of outcomes and send times (hypothesis)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from batch.models import Status
from batch.report.figures import funnel, masked_reason
from batch.report.timeline import MAX_BUCKETS, throughput

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
    steps = funnel(frame(rows), None)
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
    data = throughput(frame(rows), [])
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
