"""Issue 15 point 1: workbooks as input, wherever a CSV works, against the sandbox."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from batch.models import Message, PaymentData
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_job
from tests.helpers.workbooks import write_ods, write_xlsx

pytestmark = pytest.mark.e2e

ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
SUBJECT = "Avviso per {nome}: scadenza"
MARKDOWN = (
    "Gentile {nome}, questo è un messaggio di prova inviato da io-batch "
    "per verificare il percorso completo di invio."
)
PAYMENT = {"due_date": "scadenza", "amount": "importo", "notice_number": "codice_avviso"}


def _job(tmp_path: Path, sandbox, input_name: str, *, payment: bool = False) -> Path:
    sections = {"columns": PAYMENT if payment else {}, "message": {"amount_unit": "euro"}}
    return write_job(tmp_path, base_url=sandbox.base_url, input_name=input_name, sections=sections)


def test_send_from_an_xlsx_keeps_every_digit_and_date(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(4, seed=51)
    write_xlsx(
        tmp_path / "input.xlsx",
        [
            ["Codice Fiscale", "Nome", "Importo", "Scadenza", "Codice Avviso"],
            [codes[0], "Ada", 12.5, datetime.datetime(2026, 12, 16), "302000100000009424"],
            [
                codes[1],
                "Bice",
                835.98,
                datetime.datetime(2026, 3, 29, 10, 30),
                "012345678901234567",
            ],
            [None, None, None, None, None],
            [codes[2], "Carla", 7, "16/12/2026", "379730911417075364"],
            # Saved as a number, the notice number lost its digits: refused, with the hint.
            [codes[3], "Dora", 10, datetime.datetime(2026, 12, 16), 302000100000009424],
        ],
        start_row=2,  # a blank first row: the header is on the sheet's row 2
    )
    job = _job(tmp_path, sandbox, "input.xlsx", payment=True)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [(r["line"], r["status"], r["reason_code"]) for r in results] == [
        ("3", "sent", "submit.accepted"),
        ("4", "sent", "submit.accepted"),
        ("6", "sent", "submit.accepted"),
        ("7", "invalid", "cell.imprecise_number"),
    ]
    assert "format the column as text" in results[3]["reason"]
    # Issue 25: the reason names the column and the cell, no "(line):".
    assert results[3]["reason"].startswith("Codice Avviso: cell E7 holds a number cell")
    # Issue 25: openpyxl formats date cells yyyy-mm-dd h:mm:ss, so the sheet shows
    # "2026-12-16 0:00:00"; a local time of exactly midnight is the date alone (issue 25
    # point 10): the end of that day.
    expected = {
        codes[0]: ("Ada", 1250, "302000100000009424", "2026-12-16T22:59:59.000Z"),
        codes[1]: ("Bice", 83598, "012345678901234567", "2026-03-29T08:30:00.000Z"),
        codes[2]: ("Carla", 700, "379730911417075364", "2026-12-16T22:59:59.000Z"),
    }
    ledger = {entry.fiscal_code: entry.payload_hash for entry in sandbox.app.ledger.entries()}
    assert set(ledger) == set(expected)
    for code, (name, cents, notice, due) in expected.items():
        message = Message(
            code,
            SUBJECT.format(nome=name),
            MARKDOWN.format(nome=name),
            due_date=due,
            payment_data=PaymentData(cents, notice),
        )
        assert ledger[code] == message.content_hash(), code
    assert results[1]["input.Scadenza"] == "2026-03-29 10:30:00"
    assert results[0]["input.Importo"] == "12,5"  # issue 25: General, Italian decimal comma

    # The results CSV is the input of a rerun, as for a CSV input.
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 1, ran.stderr
    assert [r["status"] for r in read_rows(tmp_path / "results-rerun.csv")] == [
        "sent",
        "sent",
        "sent",
        "invalid",
    ]
    assert sandbox.app.ledger.count() == 3  # nothing twice


def test_validate_an_ods_and_report_by_sheet_row(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(2, seed=52)
    write_ods(
        tmp_path / "input.ods",
        [
            ["codice_fiscale", "nome"],
            [codes[0], "Ada"],
            ["RSSMRA85T10A562X", "Bad"],
            [codes[1], "B"],
        ],
    )
    job = _job(tmp_path, sandbox, "input.ods")

    ran = run_io_batch(["validate", str(job)])

    assert ran.code == 1, ran.stdout + ran.stderr
    assert "(ods workbook, sheet 'Foglio1')" in ran.stdout
    assert "valid:      2 (2 to send)" in ran.stdout
    report = read_rows(tmp_path / "results.errors.csv")
    assert [(r["line"], r["reason_code"]) for r in report] == [("3", "fiscal_code.check_char")]
    assert sandbox.app.calls.entries() == []


def test_a_csv_named_xlsx_is_a_clear_file_error(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    (tmp_path / "input.xlsx").write_text("codice_fiscale,nome\nAAAAAA00A00A000A,Ada\n", "utf-8")
    job = _job(tmp_path, sandbox, "input.xlsx")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert "is not a readable .xlsx workbook" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert sandbox.app.calls.entries() == []


def test_an_exclusion_list_may_be_a_workbook(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(3, seed=53)
    write_xlsx(tmp_path / "input.xlsx", [["codice_fiscale", "nome"], *[[c, "Ada"] for c in codes]])
    write_xlsx(tmp_path / "optout.xlsx", [["Motivo", "Codice Fiscale"], ["decesso", codes[1]]])
    job = _job(tmp_path, sandbox, "input.xlsx")
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[input]\n", '[input]\nexclude = "optout.xlsx"\n'), "utf-8")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr
    statuses = [r["status"] for r in read_rows(tmp_path / "results.csv")]
    assert statuses == ["sent", "excluded", "sent"]
    assert {entry.fiscal_code for entry in sandbox.app.ledger.entries()} == {codes[0], codes[2]}


def test_reach_reads_a_workbook(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(2, seed=54)
    write_xlsx(tmp_path / "input.xlsx", [["codice_fiscale", "nome"], *[[c, "Ada"] for c in codes]])
    job = _job(tmp_path, sandbox, "input.xlsx")

    ran = run_io_batch(["reach", str(job)])

    assert ran.code == 0, ran.stderr
    reach = read_rows(tmp_path / "results-reach.csv")
    assert [(r["line"], r["reach"]) for r in reach] == [("2", "reachable"), ("3", "reachable")]
    assert sandbox.app.ledger.count() == 0
