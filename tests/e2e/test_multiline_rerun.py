"""Issue 25, point 9, neighbouring paths: a rerun of the results of files with values over
several lines, and of files whose stray quotes swallowed records.

The results file holds each row's own cells (a refused row's first line only, an
accepted note with its line break): a rerun reads it back line for line, keeps every
verdict, and sends nothing twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_hostile_files import EVERYONE_ALLOWED, write_hostile_job
from tests.helpers.e2e import read_rows, run_io_batch
from tests.helpers.hostile_files import (
    long_value_closed,
    multiline_note_allowed,
    stray_quotes_in_an_allowed_column,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "make",
    [stray_quotes_in_an_allowed_column, multiline_note_allowed, long_value_closed],
    ids=lambda make: make.__name__,
)
def test_a_rerun_reads_the_results_back_and_sends_nothing_twice(
    make, tmp_path: Path, sandbox_factory
) -> None:
    case = make()
    sandbox = sandbox_factory(EVERYONE_ALLOWED)
    job = write_hostile_job(tmp_path, case, sandbox.base_url)
    first = run_io_batch(["send", str(job)])
    assert first.code == 1, first.stderr  # each case has a refused row
    sent = sorted(entry.fiscal_code for entry in sandbox.app.ledger.entries())

    results = tmp_path / "out" / "results.csv"
    again = run_io_batch(["rerun", str(results), "--job", str(job)])
    assert again.code == 1, again.stdout + again.stderr
    rerun = read_rows(tmp_path / "out" / "results-rerun.csv")
    want = {line: (row.status, row.reason_code) for line, row in case.rows.items()}
    assert {int(row["line"]): (row["status"], row["reason_code"]) for row in rerun} == want
    assert len(rerun) == len(want)
    assert sorted(entry.fiscal_code for entry in sandbox.app.ledger.entries()) == sent
