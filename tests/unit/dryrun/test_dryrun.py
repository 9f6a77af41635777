"""The dry run: counts, problems by reason, the error report, previews, duplicates."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from batch.config.job import Job
from batch.dryrun import run as dryrun
from batch.dryrun.output import ValidationSummary
from batch.errors import ExitCode, InputError
from batch.input import scan as input_scan
from batch.rules.duplicates import DuplicateFinder
from tests.helpers.jobs import parsed_job

CODE = "RSSMRA85T10A562S"
CODE2 = "BNCGLI70A41H501A"


def payment_job(
    tmp_path: Path, text: str, *, columns: dict[str, str] | None = None, **message: Any
) -> Job:
    """A payment job over ``text`` (amounts in euro), its results in ``out/``."""
    return parsed_job(
        tmp_path / "job.toml",
        input_text=text,
        output={"path": "out/results.csv"},
        columns={"amount": "importo", "notice_number": "avviso"} | (columns or {}),
        message={
            "markdown": "Gentile {nome},\n\nla rata scade presto.\n\n" + "Testo. " * 12,
            "amount_unit": "euro",
        }
        | message,
    )


def run(job: Job, tmp_path: Path, **options: Any) -> tuple[ValidationSummary, str]:
    out = io.StringIO()
    report = tmp_path / "out" / "errors.csv"
    summary = dryrun.run_validate(job, report_path=report, out=out, **options)
    return summary, out.getvalue()


def report_rows(tmp_path: Path) -> list[dict[str, str]]:
    with (tmp_path / "out" / "errors.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


HEADER = "cf;nome;importo;avviso\n"
GOOD = f"{CODE};Mario;12,50;302000100000009424\n"


def test_previews_of_a_file_with_columns_the_job_does_not_read(tmp_path: Path) -> None:
    text = "cf;note;nome;importo;avviso\n" + f"{CODE};x;Mario;12,50;302000100000009424\n"
    summary, printed = run(payment_job(tmp_path, text), tmp_path)
    assert (summary.rows, summary.valid, summary.exit_code) == (1, 1, ExitCode.OK)
    assert "  subject:  Avviso per Mario" in printed


def test_a_clean_file(tmp_path: Path) -> None:
    job = payment_job(tmp_path, HEADER + GOOD + f"{CODE2};Anna;1.234,56;002000100000009424\n")
    summary, text = run(job, tmp_path)
    assert (summary.rows, summary.valid, summary.invalid, summary.duplicates) == (2, 2, 0, 0)
    assert summary.exit_code is ExitCode.OK
    assert summary.by_reason == {}
    assert (summary.encoding, summary.separator) == ("utf-8", ";")
    assert "valid:      2 (2 to send)" in text
    assert "Preview of line 2 (to RSS************S):" in text
    assert "  subject:  Avviso per Mario" in text
    assert "  markdown: Gentile Mario," in text
    assert "amount 12,50 euro; notice 302000100000009424" in text
    assert "Preview of line 3 (to BNC************A):" in text
    assert CODE not in text and CODE2 not in text  # never a whole fiscal code on screen
    assert report_rows(tmp_path) == []


def test_problems_are_counted_grouped_and_reported(tmp_path: Path) -> None:
    text = (
        HEADER
        + GOOD
        + f"{CODE[:-1]}X;Mario;12,50;302000100000009424\n"
        + f"{CODE};=cmd|'/c calc'!A1;0;302000100000009424\n"
        + f"{CODE};Mario;12,50;3020001\n"
        + f"{CODE};Mario;12,50\n"
        + f"{CODE2};Anna;1;302000100000009424\n"
        + f"{CODE[:-1]}Y;Mario;12,50;302000100000009424\n"
    )
    summary, printed = run(payment_job(tmp_path, text), tmp_path, max_errors=1)
    assert (summary.rows, summary.valid, summary.invalid) == (7, 2, 5)
    assert summary.exit_code is ExitCode.ROWS_NEED_ATTENTION
    assert summary.by_reason == {
        "fiscal_code.check_char": 2,
        "amount.range": 1,
        "notice_number.format": 1,
        "csv.field_count": 1,
    }
    assert "  fiscal_code.check_char: 2 row(s): the last character" in printed
    assert "    line 3 (cf), and 1 more" in printed
    assert "    line 6\n" in printed  # a whole-line problem has no column
    assert report_rows(tmp_path) == [
        {
            "line": "3",
            "column": "cf",
            "value": "RSS************X",
            "reason_code": "fiscal_code.check_char",
            "reason": "the last character (check character) does not match the rest: a typo?",
        },
        {
            "line": "4",
            "column": "importo",
            "value": "0",
            "reason_code": "amount.range",
            "reason": "out of range: IO takes 0,01 to 99.999.999,99 euro",
        },
        {
            "line": "5",
            "column": "avviso",
            "value": "3020001",
            "reason_code": "notice_number.format",
            "reason": "a pagoPA notice number is 18 digits starting with 0, 1, 2 or 3",
        },
        {
            "line": "6",
            "column": "(line)",
            "value": "",
            "reason_code": "csv.field_count",
            "reason": "3 fields where the header has 4 with separator ';'; is a value with the "
            "separator not in quotes? If the file uses another separator, force another with "
            '--separator or input.separator (",", ";" or "tab")',
        },
        {
            "line": "8",
            "column": "cf",
            "value": "RSS************Y",
            "reason_code": "fiscal_code.check_char",
            "reason": "the last character (check character) does not match the rest: a typo?",
        },
    ]
    report = tmp_path / "out" / "errors.csv"
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_report_values_are_safe_for_spreadsheets_and_short(tmp_path: Path) -> None:
    text = HEADER + f"{CODE};Mario;=1+2;302000100000009424\n" + f"{CODE};Mario;{'9' * 60};1\n"
    run(payment_job(tmp_path, text), tmp_path)
    rows = report_rows(tmp_path)
    assert rows[0]["value"] == "'=1+2"
    assert rows[1]["value"] == "9" * 39 + "…"


def test_duplicates_under_send_once(tmp_path: Path) -> None:
    padded = GOOD.replace(CODE, f" {CODE.lower()} ")  # the same citizen, written otherwise
    text = HEADER + GOOD + GOOD.replace("Mario", "Luigi") + GOOD + padded
    summary, printed = run(payment_job(tmp_path, text), tmp_path)
    assert (summary.valid, summary.duplicates) == (4, 2)
    assert "valid:      4 (2 to send)" in printed
    assert "Duplicates: line 4 (as line 2), line 5 (as line 2)" in printed
    assert report_rows(tmp_path) == [
        {
            "line": "4",
            "column": "cf",
            "value": "",
            "reason_code": "row.duplicate",
            "reason": "same recipient and content as line 2",
        },
        {
            "line": "5",
            "column": "cf",
            "value": "",
            "reason_code": "row.duplicate",
            "reason": "same recipient and content as line 2",
        },
    ]
    assert summary.exit_code is ExitCode.OK  # a duplicate is not an error


def test_duplicates_under_the_other_policies(tmp_path: Path) -> None:
    text = HEADER + GOOD + GOOD.replace("Mario", "Luigi") + GOOD
    summary, _ = run(payment_job(tmp_path, text, duplicates="one_per_citizen"), tmp_path)
    assert summary.duplicates == 2
    summary, printed = run(payment_job(tmp_path, text, duplicates="send_all"), tmp_path)
    assert summary.duplicates == 0
    assert "duplicates:" not in printed


def test_invalid_rows_are_not_duplicates(tmp_path: Path) -> None:
    bad = f"{CODE};Mario;0;302000100000009424\n"
    summary, _ = run(payment_job(tmp_path, HEADER + bad + bad + GOOD), tmp_path)
    assert (summary.invalid, summary.duplicates) == (2, 0)


def test_a_bad_file_stops_with_an_input_error(tmp_path: Path) -> None:
    job = payment_job(tmp_path, "codice;nome\nX;Y\n")
    with pytest.raises(InputError, match="no column"):
        run(job, tmp_path)


def test_without_report_path(tmp_path: Path) -> None:
    out = io.StringIO()
    job = payment_job(tmp_path, HEADER + GOOD)
    summary = dryrun.run_validate(job, out=out)
    assert summary.report_path is None
    assert "Every problem" not in out.getvalue()
    assert summary.rows_per_s > 0


def test_many_rows_across_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dryrun, "DRY_RUN_BATCH_ROWS", 100)
    lines = [f"{CODE};Mario {n};{n + 1},00;302000100000009424\n" for n in range(1000)]
    lines[500] = f"{CODE};Mario;0;302000100000009424\n"
    summary, _ = run(payment_job(tmp_path, HEADER + "".join(lines)), tmp_path)
    assert (summary.rows, summary.invalid) == (1000, 1)
    assert [row["line"] for row in report_rows(tmp_path)] == ["502"]


# -- the duplicate finder on its own: spilling to disk keeps the same answer -------------


@pytest.mark.parametrize("spill_rows", [3, 1_000_000])
def test_duplicate_finder(spill_rows: int) -> None:
    finder = DuplicateFinder(spill_rows=spill_rows, partitions=4)
    keys = [5, 7, 5, 9, 7, 5, 11, 12, 11]
    for start in range(0, len(keys), 2):
        chunk = keys[start : start + 2]
        finder.add(
            pl.Series(chunk, dtype=pl.UInt64),
            pl.Series(range(10 + start, 10 + start + len(chunk)), dtype=pl.Int64),
        )
    found = finder.finish()
    assert found.rows() == [(12, 10), (14, 11), (15, 10), (18, 16)]


def test_duplicate_finder_removes_its_files() -> None:
    finder = DuplicateFinder(spill_rows=1)
    finder.add(pl.Series([1, 1], dtype=pl.UInt64), pl.Series([2, 3], dtype=pl.Int64))
    folder = finder._folder
    assert folder is not None and folder.exists()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert finder.finish().rows() == [(3, 2)]
    assert not folder.exists()


def test_damage_midway_through_many_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks parsed on two threads, then the exact reader after a damaged line."""
    monkeypatch.setattr(input_scan, "CHUNK_BYTES", 512)
    monkeypatch.setattr(dryrun, "DRY_RUN_BATCH_ROWS", 7)
    lines = [f"{CODE};Mario {n};{n + 1},00;302000100000009424\n" for n in range(400)]
    lines[150] = f"{CODE};Mario;12,50;3020001;extra\n"
    # A quoted line break where the job allows none: the record is refused, and its second
    # line is read as a row of its own (with too few fields).
    lines[151] = f'{CODE};"Mario\nRossi";12,50;302000100000009424\n'
    lines[300] = f"{CODE};Mario;0;302000100000009424\n"
    summary, _ = run(payment_job(tmp_path, HEADER + "".join(lines)), tmp_path)
    assert (summary.rows, summary.invalid) == (401, 4)
    assert [(row["line"], row["reason_code"]) for row in report_rows(tmp_path)] == [
        ("152", "csv.field_count"),
        ("153", "csv.multiline"),
        ("154", "csv.field_count"),
        ("303", "amount.range"),  # line 153 holds a line break, so row 300 is on line 303
    ]


# -- due dates in the past: valid, sent, but listed as a warning -------------------------------


def test_past_due_dates_are_a_warning_with_counts_and_lines(tmp_path: Path) -> None:
    rows = [
        f"{CODE};Mario;12,50;302000100000009424;01/01/2020\n",  # past
        f"{CODE2};Anna;12,50;302000100000009424;31/12/2099\n",
        f"{CODE};Lia;12,50;302000100000009424;2021-06-30T10:00:00Z\n",  # past
        f"{CODE2};Bad;12,50;302000100000009424;01/01/1999;x\n",  # invalid line: not counted
    ]
    header = "cf;nome;importo;avviso;scadenza\n"
    job = payment_job(tmp_path, header + "".join(rows), columns={"due_date": "scadenza"})
    summary, text = run(job, tmp_path)
    assert (summary.rows, summary.valid, summary.invalid) == (4, 3, 1)
    assert summary.warnings == {"due_date.past": 2}
    assert summary.exit_code is ExitCode.ROWS_NEED_ATTENTION  # for the invalid row only
    assert "Warnings (valid rows, sent all the same; first lines shown):" in text
    assert "  due_date.past: 2 row(s): the due date is already past" in text
    assert "    line 2 (scadenza), line 4 (scadenza)\n" in text
    # A warning is no problem: the error report holds the invalid row only.
    assert [row["reason_code"] for row in report_rows(tmp_path)] == ["csv.field_count"]


def test_rows_to_the_test_citizen_are_a_warning_with_their_lines(tmp_path: Path) -> None:
    rows = [
        "AAAAAA00A00A000A;Prova;12,50;302000100000009424;31/12/2099\n",
        f"{CODE2};Anna;12,50;302000100000009424;01/01/2020\n",  # past, a citizen
        " aaaaaa00a00a000a ;Prova;1,00;302000100000009424;31/12/2099\n",  # normalised
    ]
    header = "cf;nome;importo;avviso;scadenza\n"
    job = payment_job(tmp_path, header + "".join(rows), columns={"due_date": "scadenza"})
    summary, text = run(job, tmp_path)
    assert (summary.valid, summary.invalid) == (3, 0)
    assert summary.warnings == {"fiscal_code.test_citizen": 2, "due_date.past": 1}
    assert summary.exit_code is ExitCode.OK  # a warning changes no exit code
    assert "  fiscal_code.test_citizen: 2 row(s): AAAAAA00A00A000A is IO's test citizen" in text
    assert "reaches nobody" in text
    assert "    line 2 (cf), line 4 (cf)\n" in text
    assert "    line 3 (scadenza)\n" in text


def test_no_warning_when_every_due_date_is_ahead(tmp_path: Path) -> None:
    job = payment_job(tmp_path, HEADER + GOOD)
    summary, text = run(job, tmp_path)
    assert summary.warnings == {} and "Warnings" not in text


def test_every_language_is_previewed_and_checked(tmp_path: Path) -> None:
    german = {
        "subject": "Mitteilung für {nome}",
        "markdown": "Sehr geehrte/r {nome}. " + "Text. " * 14,
    }
    english = {"subject": "Notice for {nome}", "markdown": "Dear {nome}. " + "Text. " * 14}
    job = payment_job(
        tmp_path,
        HEADER + GOOD + f"{CODE2};{'A' * 108};1,00;002000100000009424\n",
        de_DE=german,
        en_GB=english,
    )
    summary, text = run(job, tmp_path)
    assert (summary.valid, summary.invalid) == (1, 1)
    # Line 3: the German subject (15 + 108 characters) is past 120; the others are not.
    assert summary.by_reason == {"subject.too_long": 1}
    assert "line 3 (message.de_DE.subject)" in text
    assert "Preview of line 2 (to RSS************S) in it_IT (the default):" in text
    assert "Preview of line 2 (to RSS************S) in de_DE:" in text
    assert "  subject:  Mitteilung für Mario" in text
    assert "Preview of line 2 (to RSS************S) in en_GB:" in text
    assert "  markdown: Dear Mario." in text
