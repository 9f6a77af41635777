"""Issue 12, as a user meets it: never twice, never another citizen, every CSV safe.

Each test runs ``io-batch`` as a subprocess against the sandbox on 127.0.0.1 and checks
what the sandbox stored (its ledger), not only what io-batch says it did.
"""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import Faults, OperationFaults, SandboxConfig
from tests.helpers.e2e import MARKDOWN, journal_of, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

REACHABLE = SandboxConfig(
    rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.1
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def codes(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return list(dict.fromkeys(generate(rng) for _ in range(count * 2)))[:count]


def event(ran: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in ran.json_lines() if e["event"] == name)
    return found


def job_file(directory: Path, base_url: str, body: str) -> Path:
    """A job with no [columns] section unless ``body`` has one: the documented default;
    ``body`` gives its [message] too."""
    return write_job(
        directory,
        base_url=base_url,
        calls=None,
        sections={
            "columns": None,
            "message": None,
            "retry": {"max_attempts": 1, "max_failure_ratio": 1.0, "backoff_base": 0.01},
        },
        extra=body,
    )


def assert_formula_safe(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for number, row in enumerate(rows, 1):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (path.name, number, cell)
    return rows


# -- 1. the journal belongs to the job -------------------------------------------------------


def test_a_new_output_folder_every_night_sends_nothing_again(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(REACHABLE)
    recipients = codes(30, seed=1130)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in recipients])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    night1 = tmp_path / "out" / "2026-11-30" / "results.csv"
    night2 = tmp_path / "out" / "2026-12-01" / "results.csv"

    first = run_io_batch(["send", str(job), "--output", str(night1)])
    assert first.code == 0, first.stderr
    assert sandbox.app.ledger.count() == 30
    sent = {row["fiscal_code"]: row["message_id"] for row in read_rows(night1)}

    second = run_io_batch(["send", str(job), "--output", str(night2)])
    assert second.code == 0, second.stderr
    assert sandbox.app.ledger.count() == 30  # nothing sent the second night
    rows = read_rows(night2)
    assert Counter(row["status"] for row in rows) == {"already_sent": 30}
    assert {row["fiscal_code"]: row["message_id"] for row in rows} == sent

    # Both nights said at start which journal they used: the job's, beside the job file.
    journal = journal_of(job)
    for ran in (first, second):
        start = event(ran, "run.start")
        assert start["journal"] == str(journal)
        assert "beside the job file" in start["journal_chosen_by"]
        assert event(ran, "run.summary")["journal"] == str(journal)
    assert journal.is_file() and not list((tmp_path / "out").rglob("*.sqlite"))

    # A rerun of either night's results finds the same journal, and sends nothing either.
    rerun = run_io_batch(["rerun", str(night1), "--job", str(job), "--include-not-registered"])
    assert event(rerun, "run.start")["journal"] == str(journal)
    assert sandbox.app.ledger.count() == 30


def test_the_state_dir_variable_moves_the_journal_for_containers(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(REACHABLE)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[codes(1, 7)[0], "Ada"]])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    volume = tmp_path / "volume" / "state"
    env = {"IO_BATCH_STATE_DIR": str(volume)}
    assert run_io_batch(["send", str(job), "--output", str(tmp_path / "a.csv")], env=env).code == 0
    ran = run_io_batch(["send", str(job), "--output", str(tmp_path / "b.csv")], env=env)
    assert event(ran, "run.start")["journal"] == str(journal_of(job, env))
    assert journal_of(job, env).parent.parent == volume
    assert read_rows(tmp_path / "b.csv")[0]["status"] == "already_sent"
    assert sandbox.app.ledger.count() == 1
    assert not (tmp_path / "state").exists()


def test_a_journal_left_beside_the_results_stops_the_run_before_any_call(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(REACHABLE)
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [[codes(1, 8)[0], "Ada"]])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    (tmp_path / "e2e.journal.sqlite").write_bytes(b"")  # where an earlier version kept it
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 2
    assert "beside the results" in ran.stderr and "state_dir" in ran.stderr
    assert sandbox.app.calls.count() == 0


# -- 3. a fiscal code with a non-ASCII character goes nowhere --------------------------------


def test_lookalike_fiscal_codes_are_invalid_and_reach_no_other_citizen(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(REACHABLE)
    written = ["RS\u017fMRA85T10A562S", "RSSMR\u013185T10A562A", "\ufb00RMRA85T10A562G"]
    others = ["RSSMRA85T10A562S", "RSSMRI85T10A562A", "FFRMRA85T10A562G"]
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome"],
        [*([code, "Ada"] for code in written), ["AAAAAA00A00A000A", "Test"]],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 1
    rows = read_rows(tmp_path / "results.csv")
    assert [(r["fiscal_code"], r["status"], r["reason_code"]) for r in rows] == [
        *((code, "invalid", "fiscal_code.format") for code in written),
        ("AAAAAA00A00A000A", "sent", "submit.accepted"),
    ]
    stored = [entry.fiscal_code for entry in sandbox.app.ledger.entries()]
    assert stored == ["AAAAAA00A00A000A"]
    assert not set(others) & {call.route for call in sandbox.app.calls.entries()}


# -- 5 and 7. columns named like ours or like formulas ---------------------------------------


def test_the_default_column_and_names_like_ours_send_and_rerun(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=1.0,
            blocked_ratio=0.0,
            seed=12,
            faults=Faults(submit=OperationFaults(error_ratio=0.4)),
        )
    )
    recipients = codes(30, seed=12)
    header = ["fiscal_code", "status", "line", "message_id", "run_id", "nome"]
    write_csv(
        tmp_path / "input.csv",
        header,
        [[c, "mine", f"L{i}", "no-id", "r", f"N{i}"] for i, c in enumerate(recipients)],
    )
    body = f'[message]\nsubject = "Avviso per {{nome}} ({{status}})"\nmarkdown = "{MARKDOWN}"'
    job = job_file(tmp_path, sandbox.base_url, body)

    assert run_io_batch(["validate", str(job)]).code == 0
    sent = run_io_batch(["send", str(job)])
    assert sent.code == 1, sent.stderr  # some submits failed (the sandbox's 500s)
    first = read_rows(tmp_path / "results.csv")
    assert list(first[0]) == [
        "line",
        "fiscal_code",
        "status",
        "reason_code",
        "reason",
        "message_id",
        "http_status",
        "attempts",
        "sent_at",
        "run_id",
        "language",
        "target",
        *(f"input.{name}" for name in header),
    ]
    statuses = Counter(row["status"] for row in first)
    assert statuses["failed"] > 0 and statuses["sent"] > 0
    assert statuses["sent"] == sandbox.app.ledger.count()
    for number, row in enumerate(first):
        assert (row["line"], row["input.line"]) == (str(number + 2), f"L{number}")
        assert row["input.fiscal_code"] == row["fiscal_code"] == recipients[number]
        assert row["input.status"] == "mine" and row["input.message_id"] == "no-id"

    sandbox.app.set_faults(Faults())
    rerun = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert rerun.code == 0, rerun.stderr
    second = read_rows(tmp_path / "results-rerun.csv")
    assert list(second[0]) == list(first[0])
    assert Counter(row["status"] for row in second) == {"sent": 30}
    for before, after in zip(first, second, strict=True):
        assert after["line"] == before["line"]
        assert {k: v for k, v in after.items() if k.startswith("input.")} == {
            k: v for k, v in before.items() if k.startswith("input.")
        }
    # Every citizen exactly once, each to the code written on its own line.
    stored = Counter(entry.fiscal_code for entry in sandbox.app.ledger.entries())
    assert stored == dict.fromkeys(recipients, 1)


def test_formula_header_names_are_safe_in_every_csv_and_rerun_reads_them_back(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(
            rate_calls=None,
            registered_ratio=1.0,
            blocked_ratio=0.0,
            processing_delay=0.1,
            seed=5,
            faults=Faults(submit=OperationFaults(error_ratio=0.4)),
        )
    )
    recipients = codes(20, seed=5)
    header = ["@cf", "=nome", "+x", "-y", "\tz", "=cmd|' /C calc'!A0"]
    rows = [[c, f"=N{i}", "+1", "-2", "@3", "=4"] for i, c in enumerate(recipients)]
    rows.append(["XXXXXX00X00X000X", "Bad", "", "", "", ""])
    write_csv(tmp_path / "input.csv", header, rows)
    body = (
        '[columns]\nfiscal_code = "@cf"\n'
        '[message]\nsubject = "Avviso per {=nome}"\n'
        f'markdown = "{MARKDOWN.replace("{nome}", "{=nome}")}"'
    )
    job = job_file(tmp_path, sandbox.base_url, body)

    assert run_io_batch(["validate", str(job)]).code == 1
    report = assert_formula_safe(tmp_path / "results.errors.csv")
    assert report[1][:2] == ["22", "'@cf"]

    assert run_io_batch(["send", str(job)]).code == 1
    results = assert_formula_safe(tmp_path / "results.csv")
    assert results[0][12:] == [f"input.{name}" for name in header]
    assert results[1][12:] == [recipients[0], "'=N0", "'+1", "'-2", "'@3", "'=4"]

    sandbox.app.set_faults(Faults())
    rerun = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert rerun.code == 1, rerun.stderr  # the invalid line stays invalid
    again = assert_formula_safe(tmp_path / "results-rerun.csv")
    assert again[0] == results[0]
    assert Counter(row[2] for row in again[1:]) == {"sent": 20, "invalid": 1}
    stored = Counter(entry.fiscal_code for entry in sandbox.app.ledger.entries())
    assert stored == dict.fromkeys(recipients, 1)

    verified = run_io_batch(["verify", str(tmp_path / "results-rerun.csv"), "--job", str(job)])
    assert verified.code in (0, 1), verified.stderr
    assert len(assert_formula_safe(tmp_path / "results-rerun.verify.csv")) == 21


# -- 9. due dates in the past ----------------------------------------------------------------


def test_send_says_how_many_went_out_with_a_past_due_date(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(REACHABLE)
    recipients = codes(4, seed=9)
    dues = ["01/01/2020", "31/12/2099", "2021-06-30", "2099-01-01T10:00:00Z"]
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "nome", "scadenza"],
        [[c, "Ada", due] for c, due in zip(recipients, dues, strict=True)],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[columns]\n", '[columns]\ndue_date = "scadenza"\n'), "utf-8")

    checked = run_io_batch(["validate", str(job)])
    assert checked.code == 0
    assert "due_date.past: 2 row(s)" in checked.stdout
    assert "line 2 (scadenza), line 4 (scadenza)" in checked.stdout

    ran = run_io_batch(["send", str(job)])
    assert ran.code == 0, ran.stderr
    assert sandbox.app.ledger.count() == 4  # sent all the same: IO accepts them
    warning = event(ran, "run.past_due_dates")
    assert (warning["level"], warning["sent"], warning["first_lines"]) == ("warning", 2, [2, 4])
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["sent_past_due_date"] == 2
