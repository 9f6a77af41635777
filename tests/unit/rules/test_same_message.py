"""One definition of "the same message": the batch form (dry run, guard) and the row form
(the send's journal) give the same answers, with and without a dedupe key."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.config.job import Job
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.rules import validate
from batch.rules.plan import CONTENT_KEY, REASON_CODE
from batch.rules.rows import to_rows
from batch.rules.same_message import KEY_PREFIX, SameMessage
from tests.helpers.jobs import parsed_job

CODES = ("RSSMRA85T10A562S", "BNCGLI70A41H501A")
HEADER = ["cf", "nome", "pratica", "importo"]
DEDUPE = {"dedupe_key": "pratica"}  # [columns] dedupe_key


def frame_of(rows: list[tuple[str, ...]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            LINE_COLUMN: pl.Series(range(2, 2 + len(rows)), dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None] * len(rows), dtype=pl.String),
            **{name: [row[i] for row in rows] for i, name in enumerate(HEADER)},
        }
    )


def both_forms(job: Job, rows: list[tuple[str, ...]]) -> tuple[list[Any], list[tuple[str, str]]]:
    """Per row: the batch key, and (citizen, journal digest)."""
    columns = HeaderColumns(HEADER)
    checked = validate.validate_batch(frame_of(rows), job, columns, content_key=True)
    assert checked.get_column(REASON_CODE).null_count() == len(rows)  # all valid
    same = SameMessage.of(job)
    key_column = "pratica" if job.columns.dedupe_key else None
    digests = [(r.fiscal_code, same.digest(r, key_column)) for r in to_rows(checked, job, columns)]
    return checked.get_column(CONTENT_KEY).to_list(), digests


cells = st.tuples(
    st.sampled_from([*CODES, " " + CODES[0].lower()]),
    st.sampled_from(["Ada", "Ada ", "Bea"]),
    st.sampled_from(["", " ", "P-1", " P-1", "P-2", "p-2"]),
    st.just("1"),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(cells, min_size=2, max_size=6), dedupe_key=st.booleans())
def test_the_batch_key_and_the_journal_digest_agree(
    rows: list[tuple[str, ...]], dedupe_key: bool
) -> None:
    job = parsed_job(columns=DEDUPE if dedupe_key else {})
    keys, digests = both_forms(job, rows)
    for first, second in combinations(range(len(rows)), 2):
        assert (keys[first] == keys[second]) == (digests[first] == digests[second]), (
            rows[first],
            rows[second],
        )


def test_a_key_decides_whatever_the_text_and_an_empty_key_leaves_it_to_the_content() -> None:
    job = parsed_job(columns=DEDUPE)
    rows = [
        (CODES[0], "Ada", "P-1", "1"),
        (CODES[0], "Ada", "P-2", "1"),  # same text, another key: another message
        (CODES[0], "Bea", "P-1", "1"),  # another text, same key: the same message
        (CODES[1], "Ada", "P-1", "1"),  # another citizen: another message
        (CODES[0], "Ada", "", "1"),  # no key: the content
        (CODES[0], "Ada", " ", "1"),  # a blank key is no key
    ]
    keys, digests = both_forms(job, rows)
    assert [keys[0] == key for key in keys] == [True, False, True, False, False, False]
    assert keys[4] == keys[5]
    assert digests[0][1].startswith(KEY_PREFIX) and not digests[4][1].startswith(KEY_PREFIX)


def test_the_policies_apply_the_same_definition() -> None:
    rows = [(CODES[0], "Ada", "P-1", "1"), (CODES[0], "Ada", "P-2", "1")]
    per_citizen = parsed_job(columns=DEDUPE, message={"duplicates": "one_per_citizen"})
    keys, _ = both_forms(per_citizen, rows)
    assert keys[0] == keys[1]  # one message per citizen, whatever the key
    send_all = parsed_job(columns=DEDUPE, message={"duplicates": "send_all"})
    keys, _ = both_forms(send_all, rows)
    assert keys == [None, None]
