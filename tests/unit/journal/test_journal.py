"""The journal: intent before submit, outcomes, resume, and never sending twice."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from batch.config.choices import DuplicatePolicy, Resend
from batch.errors import BusyError, ConfigError, ExitCode, InputError
from batch.journal.journal import Journal
from batch.journal.sql import FORGET_CLAIMS, IN_FLIGHT_ROWS, SCHEMA
from batch.models import Outcome, Status

SEND_ONCE = DuplicatePolicy.SEND_ONCE

SENT = Outcome(Status.SENT, message_id="01ABC", http_status=201, attempts=2, sent_at="t")


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "job.journal.sqlite")


def test_journal_file_is_owner_only(journal: Journal) -> None:
    assert journal.path.stat().st_mode & 0o777 == 0o600


def test_resume_turns_in_flight_submits_into_unknown(journal: Journal, tmp_path: Path) -> None:
    run = journal.start_run(tmp_path / "out.csv", "digest")
    assert not run.resumed
    for line in (2, 3, 4):
        assert (
            journal.claim(run.run_id, line, f"CF{line}", f"h{line}", duplicates=SEND_ONCE) is None
        )
    journal.record_intent(run.run_id, 2, "CF2", "h2")
    journal.record(run.run_id, 2, "CF2", "h2", SENT)
    journal.record_intent(run.run_id, 3, "CF3", "h3")  # the crash comes here
    journal.close()

    again = Journal(journal.path)
    resumed = again.start_run(tmp_path / "out.csv", "digest")
    assert resumed.run_id == run.run_id and resumed.resumed
    assert resumed.unknown_after_crash == 1
    assert sorted(again.done_lines(run.run_id)) == [2, 3]  # line 4 was only claimed: pending
    outcomes = {r.line: r.outcome for r in again.outcomes(run.run_id, 0, 100)}
    assert outcomes[2] == SENT
    assert outcomes[3].status is Status.UNKNOWN and outcomes[3].reason_code == "submit.interrupted"


def test_resume_refuses_a_changed_input(journal: Journal, tmp_path: Path) -> None:
    journal.start_run(tmp_path / "out.csv", "digest-1")
    with pytest.raises(InputError, match="input changed"):
        journal.start_run(tmp_path / "out.csv", "digest-2")


def test_a_finished_run_is_not_resumed_and_its_messages_are_already_sent(
    journal: Journal, tmp_path: Path
) -> None:
    first = journal.start_run(tmp_path / "out.csv", "d")
    journal.claim(first.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    journal.record_intent(first.run_id, 2, "CF", "h")
    journal.record(first.run_id, 2, "CF", "h", SENT)
    journal.finish_run(first.run_id, interrupted=False)

    second = journal.start_run(tmp_path / "out.csv", "d")
    assert second.run_id != first.run_id and not second.resumed
    preset = journal.claim(second.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    assert preset is not None
    assert preset.status is Status.ALREADY_SENT and preset.message_id == "01ABC"
    # --force-resend
    assert (
        journal.claim(second.run_id, 2, "CF", "h", duplicates=SEND_ONCE, resend=Resend.SENT) is None
    )


def test_an_earlier_unknown_blocks_a_resend_unless_asked(journal: Journal, tmp_path: Path) -> None:
    first = journal.start_run(tmp_path / "a.csv", "d")
    journal.claim(first.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    journal.record_intent(first.run_id, 2, "CF", "h")
    journal.record(first.run_id, 2, "CF", "h", Outcome(Status.UNKNOWN, "submit.timeout"))
    second = journal.start_run(tmp_path / "b.csv", "d")
    preset = journal.claim(second.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    assert preset is not None and preset.status is Status.UNKNOWN
    assert preset.reason_code == "row.earlier_unknown"
    assert (
        journal.claim(second.run_id, 2, "CF", "h", duplicates=SEND_ONCE, resend=Resend.UNKNOWN)
        is None
    )


def test_a_refused_submit_does_not_block_a_later_run(journal: Journal, tmp_path: Path) -> None:
    first = journal.start_run(tmp_path / "a.csv", "d")
    journal.claim(first.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    journal.record_intent(first.run_id, 2, "CF", "h")
    journal.record(first.run_id, 2, "CF", "h", Outcome(Status.FAILED, "submit.server_error"))
    second = journal.start_run(tmp_path / "b.csv", "d")
    assert journal.claim(second.run_id, 2, "CF", "h", duplicates=SEND_ONCE) is None


@pytest.mark.parametrize(
    ("policy", "same_content", "expected"),
    [
        (SEND_ONCE, True, Status.DUPLICATE),
        (SEND_ONCE, False, None),
        (DuplicatePolicy.ONE_PER_CITIZEN, False, Status.DUPLICATE),
        (DuplicatePolicy.SEND_ALL, True, None),
    ],
)
def test_duplicates_in_one_file(
    journal: Journal,
    tmp_path: Path,
    policy: DuplicatePolicy,
    same_content: bool,
    expected: Status | None,
) -> None:
    run = journal.start_run(tmp_path / "out.csv", "d")
    assert journal.claim(run.run_id, 2, "CF", "h1", duplicates=policy) is None
    preset = journal.claim(run.run_id, 5, "CF", "h1" if same_content else "h2", duplicates=policy)
    assert (preset.status if preset else None) is expected
    if preset is not None:
        assert "line 2" in preset.reason


def test_release_returns_the_row_to_pending(journal: Journal, tmp_path: Path) -> None:
    run = journal.start_run(tmp_path / "out.csv", "d")
    journal.claim(run.run_id, 2, "CF", "h", duplicates=SEND_ONCE)
    journal.record_intent(run.run_id, 2, "CF", "h")
    journal.release(run.run_id, 2)
    assert journal.done_lines(run.run_id) == []
    assert journal.settle(run.run_id) == 0
    assert journal.claim(run.run_id, 2, "CF", "h", duplicates=SEND_ONCE) is None


def test_purge_forgets_old_finished_runs_only(journal: Journal, tmp_path: Path) -> None:
    run = journal.start_run(tmp_path / "out.csv", "d")
    journal.finish_run(run.run_id, interrupted=False)
    assert journal.purge(retention_days=1) == 0  # today's run is kept
    assert journal.start_run(tmp_path / "out.csv", "d").run_id != run.run_id


def test_a_second_run_of_the_same_job_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    first = Journal(tmp_path / "job.journal.sqlite")
    with pytest.raises(BusyError, match="another io-batch run of this job") as caught:
        Journal(tmp_path / "job.journal.sqlite")
    assert caught.value.exit_code == ExitCode.BUSY
    first.close()
    Journal(tmp_path / "job.journal.sqlite").close()  # free again once the first closed


@pytest.mark.parametrize("query", [FORGET_CLAIMS, IN_FLIGHT_ROWS])
def test_the_resume_queries_use_the_partial_index(tmp_path: Path, query: str) -> None:
    """They repeat rows_open's condition so that SQLite uses it: no scan of done rows."""
    Journal(tmp_path / "job.journal.sqlite").close()
    db = sqlite3.connect(tmp_path / "job.journal.sqlite")
    try:
        plan = " ".join(str(step[-1]) for step in db.execute(f"EXPLAIN QUERY PLAN {query}", ("r",)))
    finally:
        db.close()
    assert "USING INDEX rows_open" in plan or "USING COVERING INDEX rows_open" in plan


def test_a_journal_from_before_the_language_column_keeps_blocking_resends(
    tmp_path: Path,
) -> None:

    path = tmp_path / "old.journal.sqlite"
    with sqlite3.connect(path) as db:  # the schema as earlier versions wrote it
        db.executescript(
            SCHEMA.replace("    language TEXT,                   -- the language", "    -- ")
        )
        assert "language" not in {row[1] for row in db.execute("PRAGMA table_info(rows)")}
        db.execute(
            "INSERT INTO sent VALUES ('CF2', 'h2', 'sent', '01OLD', 'old-run', 2, '2099-01-01T')"
        )
    journal = Journal(path)
    run = journal.start_run(tmp_path / "out.csv", "digest")
    earlier = journal.claim(run.run_id, 2, "CF2", "h2", duplicates=SEND_ONCE)
    assert earlier is not None and earlier.status is Status.ALREADY_SENT
    assert earlier.message_id == "01OLD"
    journal.record(run.run_id, 2, "CF2", "h2", earlier)
    journal.record(
        run.run_id, 3, "CF3", "h3", Outcome(Status.SENT, message_id="01X", language="de_DE")
    )
    assert [r.outcome.language for r in journal.outcomes(run.run_id, 0, 10)] == ["", "de_DE"]


def test_a_journal_records_its_target_and_refuses_another(tmp_path: Path) -> None:
    path = tmp_path / "job.journal.sqlite"
    Journal(path, target="io:https://api.io.pagopa.it").close()
    Journal(path, target="io:https://api.io.pagopa.it").close()  # its own: fine
    with pytest.raises(ConfigError, match="records the messages sent to io:https://api") as raised:
        Journal(path, target="sandbox:embedded")
    assert "sandbox:embedded" in str(raised.value)
    Journal(path, target="io:https://api.io.pagopa.it").close()  # the refusal freed the lock
