"""The verification file (append, rewrite, read back after a crash) and the verify summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from batch.common.progress import Progress, verify_ticks
from batch.errors import ConfigError
from batch.output.summary import summary_path, write_summary
from batch.output.verification import (
    VERIFY_COLUMNS,
    Check,
    Verification,
    VerificationWriter,
    default_output,
    read_verifications,
)
from batch.output.verify_summary import ATTENTION_LIMIT, VerifySummary, progress_status

CODE = "RSSMRA85T10A562S"
ID = "01BX9NSMKVXXS5PSP2FATZMYYY"


def record(line: str, status: str = "", **fields: object) -> Verification:
    return Verification(Check(line, CODE, ID), message_status=status, **fields)  # type: ignore[arg-type]


def test_default_paths_sit_beside_the_results() -> None:
    assert default_output(Path("/d/results.csv")) == Path("/d/results.verify.csv")
    assert summary_path(Path("/d/results.verify.csv")) == Path("/d/results.verify.summary.json")


def test_after_a_crash_the_last_row_of_a_message_wins_and_a_cut_line_is_ignored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v.csv"
    writer = VerificationWriter(path)
    writer.rewrite([record("2", "ACCEPTED", attempts=1), record("3", note_code="not_asked")])
    writer.append(record("2", "PROCESSED", attempts=2, read_status="UNREAD"))
    writer.append(record("3", "ACCEPTED", attempts=1))
    writer.close()
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"4,{CODE},{ID},PROCE")  # the process died in the middle of a row

    found = read_verifications(path)

    assert set(found) == {("2", CODE, ID), ("3", CODE, ID)}
    assert found["2", CODE, ID] == record("2", "PROCESSED", attempts=2, read_status="UNREAD")
    assert found["3", CODE, ID].message_status == "ACCEPTED"


def test_rewrite_leaves_one_row_per_message_owner_only_and_formula_safe(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("stale", encoding="utf-8")
    path.chmod(0o644)
    writer = VerificationWriter(path)
    risky = Verification(Check("2", CODE, "=1+2"), note_code="bad_message_id", note="-x")
    writer.rewrite([risky, record("3", "FAILED")])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(VERIFY_COLUMNS)
    assert lines[1] == f"2,{CODE},'=1+2,,,,,0,bad_message_id,'-x"
    assert len(lines) == 3
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_verifications(path)["2", CODE, "=1+2"] == risky  # the quote is taken off again


def test_reading_no_file_or_an_empty_one_finds_nothing(tmp_path: Path) -> None:
    assert read_verifications(tmp_path / "missing.csv") == {}
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert read_verifications(tmp_path / "empty.csv") == {}


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("line,fiscal_code,status\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not an io-batch verification file"):
        read_verifications(path)


def summary_of(records: list[Verification]) -> VerifySummary:
    summary = VerifySummary(results="r.csv", output="r.verify.csv", budget="150/5s")
    summary.add_records(records)
    return summary


def test_summary_counts_statuses_notes_and_lists_what_needs_attention() -> None:
    records = [
        record("2", "PROCESSED"),
        record("3", "PROCESSED"),
        record("4", "REJECTED", note="rejected"),
        record("5", "ACCEPTED", note="still"),
        record("6", note_code="not_found", note="no message"),
    ]
    summary = summary_of(records)
    assert summary.message_status == {"ACCEPTED": 1, "PROCESSED": 2, "REJECTED": 1, "none": 1}
    assert summary.notes == {"not_found": 1}
    assert summary.still_in_progress == 1
    assert summary.attention_count == 3 and summary.exit_code == 1
    assert [entry["line"] for entry in summary.attention] == [4, 5, 6]
    assert summary.attention[0]["fiscal_code"] == "RSS************S"

    out = io.StringIO()
    summary.print(out)
    text = out.getvalue()
    assert "needs attention: 3 row(s)" in text
    assert "line       6  RSS************S  not_found: no message" in text
    assert CODE not in text


def test_summary_of_only_processed_messages_exits_zero() -> None:
    summary = summary_of([record("2", "PROCESSED")])
    assert summary.exit_code == 0 and summary.attention == []
    out = io.StringIO()
    summary.print(out)
    assert "every checked message was processed by IO" in out.getvalue()


def test_the_attention_list_is_capped_but_the_count_is_not(tmp_path: Path) -> None:
    summary = summary_of([record(str(line), "FAILED") for line in range(ATTENTION_LIMIT + 7)])
    assert summary.attention_count == ATTENTION_LIMIT + 7
    assert len(summary.attention) == ATTENTION_LIMIT
    out = io.StringIO()
    summary.print(out)
    assert "... and 7 more: see the verification file" in out.getvalue()
    path = write_summary(tmp_path / "s.verify.csv", summary.to_json())
    assert path == tmp_path / "s.verify.summary.json"
    assert json.loads(path.read_text(encoding="utf-8"))["attention_count"] == ATTENTION_LIMIT + 7
    assert path.stat().st_mode & 0o777 == 0o600


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, object]]] = []

    def info(self, event: str, **fields: object) -> None:
        self.seen.append((event, fields))


def test_progress_draws_a_line_on_a_terminal_and_logs_events_elsewhere() -> None:
    stream = io.StringIO()
    drawn = Progress(0, draw=True, on_tick=verify_ticks(Events()), unit="checks", stream=stream)
    drawn.restart("check", 2)
    drawn.add(progress_status(record("2", "PROCESSED")))
    drawn.add(progress_status(record("3", note_code="not_found")))
    drawn.close()
    assert stream.getvalue().rstrip("\n").rsplit("\r", 1)[-1].startswith(f"check [{'#' * 24}] 2/2 ")
    assert "PROCESSED=1 not_found=1" in drawn.line(columns=120)

    events = Events()
    logged = Progress(0, draw=False, on_tick=verify_ticks(events), interval=0.0)
    logged.restart("wait", 1)
    logged.add(progress_status(record("2", "ACCEPTED")))
    assert events.seen[-1][0] == "verify.progress"
    assert events.seen[-1][1]["counts"] == {"ACCEPTED": 1}
