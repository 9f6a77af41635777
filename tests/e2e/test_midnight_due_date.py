"""A due date written as a local midnight (``2099-12-31 00:00:00``), end to end (issue 25).

Spreadsheets export a date cell with a zero time; taken literally it is the first
instant of the 31st, so the citizen would see the 30th as the last day to pay. io-batch
reads it as the date alone (the end of that day in Italy), says so in the dry run
(``due_date.midnight``), and sends exactly that: the sandbox's stored messages are
checked field for field. A time with a zone stays the instant written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.models import Message
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import (
    MARKDOWN,
    SUBJECT,
    population,
    read_rows,
    run_io_batch,
    write_csv,
    write_job,
)

pytestmark = pytest.mark.e2e

REACHABLE = SandboxConfig(
    rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.1
)
MIDNIGHT_MESSAGE = (
    "the due date is written with the time 00:00 (as spreadsheets export a date): it is read "
    "as the date alone, the end of that day (23:59:59 in Italy), not as its first instant; "
    "to mean the first instant, write the previous day at 23:59:59 (or a time with a zone)"
)
END_OF_DAY = "2099-12-31T22:59:59.000Z"  # 23:59:59 in Rome, winter time
# (as written, what IO must get, is it a midnight the dry run names)
DUES = [
    ("2099-12-31 00:00:00", END_OF_DAY, True),
    ("2099-12-31", END_OF_DAY, False),
    ("31/12/2099 00:00", END_OF_DAY, True),
    ("2099-12-31T00:00:00+01:00", "2099-12-30T23:00:00.000Z", False),  # a zone: the instant
    ("2099-12-31 00:00:01", "2099-12-30T23:00:01.000Z", False),  # not midnight: as written
]


def write_due_job(folder: Path, base_url: str, codes: list[str]) -> Path:
    rows = [[code, "Ada", due] for code, (due, _, _) in zip(codes, DUES, strict=True)]
    write_csv(folder / "input.csv", ["codice_fiscale", "nome", "scadenza"], rows)
    job = write_job(folder, base_url=base_url, calls=None)
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[columns]\n", '[columns]\ndue_date = "scadenza"\n'), "utf-8")
    return job


def test_a_local_midnight_is_the_end_of_that_day_and_the_dry_run_says_so(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(REACHABLE)
    codes = population(len(DUES), seed=2510)
    job = write_due_job(tmp_path, sandbox.base_url, codes)

    ran = run_io_batch(["send", str(job)])
    assert ran.code == 0, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [(row["line"], row["status"], row["reason_code"]) for row in results] == [
        (str(line), "sent", "submit.accepted") for line in range(2, 2 + len(DUES))
    ]
    entries = {entry.fiscal_code: entry for entry in sandbox.app.ledger.entries()}
    assert sorted(entries) == sorted(codes)
    subject, markdown = SUBJECT.format(nome="Ada"), MARKDOWN.format(nome="Ada")
    for code, (_, due, _) in zip(codes, DUES, strict=True):
        entry = entries[code]
        stored = sandbox.app.backend.store.find(code, entry.message_id)
        assert stored is not None
        assert stored.content() == {"subject": subject, "markdown": markdown, "due_date": due}
        expected = Message(code, subject, markdown, due_date=due)
        assert entry.payload_hash == expected.content_hash()

    checked = run_io_batch(["validate", str(job)])
    assert checked.code == 0, checked.stdout + checked.stderr
    assert (
        f"  due_date.midnight: 2 row(s): {MIDNIGHT_MESSAGE}\n"
        "    line 2 (scadenza), line 4 (scadenza)\n"
    ) in checked.stdout
    assert "due_date.past" not in checked.stdout


def test_send_dry_run_names_the_midnights_too(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(REACHABLE)
    job = write_due_job(tmp_path, sandbox.base_url, population(len(DUES), seed=2511))

    checked = run_io_batch(["send", "--dry-run", str(job)])
    assert checked.code == 0, checked.stdout + checked.stderr
    assert "due_date.midnight: 2 row(s)" in checked.stdout
    assert sandbox.app.ledger.entries() == []
