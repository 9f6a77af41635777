"""Issue 25 (.xlsx and .xls): the sheet as the office sees it, checked against what the
sandbox stored. The workbooks were made by LibreOffice 7.4 through its own API with
Italian formats (tests/fixtures/workbooks/make_workbooks.py) and saved by its own
filters; the tests read the committed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from batch.models import Message, PaymentData
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import read_rows, run_io_batch, write_job

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "workbooks"
CODES = [
    "HNAZAC14D47I580R",
    "VTUQUS62D47G400A",
    "CMEYET84M08F470E",
    "LPIFEF13T02Z910X",
    "CQUPES37T65C640S",
]
NOTICE = "302000100000009424"
DUE = "2026-12-16T22:59:59.000Z"  # 16/12/2026 shown alone: the end of that day in Rome
ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.1)
SUFFIXES = pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
PAD = " Questo messaggio è stato inviato da io-batch per la prova dei fogli di calcolo."


def _job(
    tmp_path: Path,
    sandbox,
    fixture: str,
    suffix: str,
    markdown: str,
    *,
    columns: dict[str, str] | None = None,
    message: dict[str, str] | None = None,
) -> Path:
    name = f"input{suffix}"
    shutil.copy(FIXTURES / f"{fixture}{suffix}", tmp_path / name)
    sections = {"columns": columns or {}, "message": {"markdown": markdown} | (message or {})}
    return write_job(tmp_path, base_url=sandbox.base_url, input_name=name, sections=sections)


FORMATS_MARKDOWN = (
    "Gentile {nome}, CAP {cap}, importo {importo}, scadenza {scadenza}, pagato: {pagato}, "
    "data {data}." + PAD
)
PAYMENT = {"due_date": "scadenza", "amount": "importo", "notice_number": "avviso"}


@SUFFIXES
def test_every_cell_goes_out_as_the_sheet_shows_it(
    tmp_path: Path, sandbox_factory, suffix: str
) -> None:
    """Points 1, 3, 7: number formats applied (00184, 12,50, 16/12/2026), VERO/FALSO,
    a date before 1 March 1900 on its day; a percent amount and a format io-batch cannot
    show are refused, naming the cell."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(
        tmp_path,
        sandbox,
        "formats",
        suffix,
        FORMATS_MARKDOWN,
        columns=PAYMENT,
        message={"amount_unit": "euro"},
    )

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [(r["line"], r["status"], r["reason_code"]) for r in results] == [
        ("2", "sent", "submit.accepted"),
        ("3", "invalid", "amount.format"),  # 0,5 formatted 0%: shows 50%
        ("4", "sent", "submit.accepted"),
        ("5", "sent", "submit.accepted"),
        ("6", "invalid", "cell.format"),
    ]
    assert results[1]["input.importo"] == "50%"
    assert results[4]["reason"] == (
        "importo: cell D6 has the number format '[$-410]# ?/?', which io-batch cannot show "
        "as the sheet does; format the cell as text, as a number (0,00) or as a date "
        "(DD/MM/YYYY)"
    )
    shown = {
        CODES[0]: ("Ada", "00184", "12,50", "VERO", "15/02/1900", 1250),
        CODES[2]: ("Carla", "40100", "1.234,50 €", "VERO", "01/03/1900", 123450),
        CODES[3]: ("Dora", "00184", "7", "FALSO", "mercoledì, 16 dicembre 2026", 700),
    }
    stored = {entry.fiscal_code: entry for entry in sandbox.app.ledger.entries()}
    assert set(stored) == set(shown)
    for code, (name, cap, amount, paid, day, cents) in shown.items():
        markdown = (
            f"Gentile {name}, CAP {cap}, importo {amount}, scadenza 16/12/2026, "
            f"pagato: {paid}, data {day}." + PAD
        )
        assert stored[code].markdown == markdown
        message = Message(
            code,
            stored[code].subject,
            markdown,
            due_date=DUE,
            payment_data=PaymentData(cents, NOTICE),
        )
        assert stored[code].payload_hash == message.content_hash(), code

    # The results CSV (cells as shown: 12,50, 16/12/2026, VERO) is rerun's input: the
    # rerun keeps every final outcome and sends nothing twice.
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 1, ran.stderr
    rerun = read_rows(tmp_path / "results-rerun.csv")
    assert [(r["status"], r["reason_code"]) for r in rerun] == [
        (r["status"], r["reason_code"]) for r in results
    ]
    assert rerun[0]["input.importo"] == "12,50" and rerun[0]["input.pagato"] == "VERO"
    assert sandbox.app.ledger.count() == 3


ERRORS_MARKDOWN = "Gentile {nome} {cognome}," + PAD


@SUFFIXES
def test_an_error_cell_in_a_used_column_makes_the_row_invalid(
    tmp_path: Path, sandbox_factory, suffix: str
) -> None:
    """Point 2: #N/A, #DIV/0!, #VALUE! are refused by name where the message uses them;
    an error in a column the job does not use stops nothing."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "errors", suffix, ERRORS_MARKDOWN)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    hint = (
        ": its formula could not be calculated, so the cell has no value to send; correct "
        "the formula (or type the value) and save"
    )
    assert [(r["line"], r["status"], r["reason_code"], r["reason"]) for r in results] == [
        ("2", "sent", "submit.accepted", results[0]["reason"]),
        ("3", "invalid", "cell.error", "nome: cell B3 shows the error #N/A" + hint),
        ("4", "invalid", "cell.error", "nome: cell B4 shows the error #DIV/0!" + hint),
        ("5", "invalid", "cell.error", "nome: cell B5 shows the error #VALUE!" + hint),
        ("6", "sent", "submit.accepted", results[4]["reason"]),
    ]
    stored = {entry.fiscal_code: entry.markdown for entry in sandbox.app.ledger.entries()}
    assert stored == {
        CODES[0]: "Gentile Ada Ricci," + PAD,
        CODES[4]: "Gentile Elsa Dini," + PAD,
    }

    # validate says the same, with the cell in the error report.
    ran = run_io_batch(["validate", str(job)])
    assert ran.code == 1, ran.stdout + ran.stderr
    report = read_rows(tmp_path / "results.errors.csv")
    assert [(r["line"], r["column"], r["value"], r["reason_code"]) for r in report] == [
        ("3", "nome", "#N/A", "cell.error"),
        ("4", "nome", "#DIV/0!", "cell.error"),
        ("5", "nome", "#VALUE!", "cell.error"),
    ]


@SUFFIXES
@pytest.mark.parametrize(
    ("fixture", "message", "hint"),
    [
        ("hidden_rows", "has hidden rows (2, 4, 6...)", "remove any filter"),
        ("hidden_column", "has hidden columns (C)", "show the hidden columns"),
        ("merged", "has merged cells (B2:B3)", "unmerge the merged cells"),
    ],
)
def test_hidden_and_filtered_rows_and_hidden_columns_refuse_the_sheet(
    tmp_path: Path, sandbox_factory, suffix: str, fixture: str, message: str, hint: str
) -> None:
    """Point 5 (.xls was not checked at all, and sent its hidden rows) and point 6 (the
    hidden column is named, the hint speaks of columns)."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, fixture, suffix, "Gentile {nome}," + PAD)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert f"input{suffix}, sheet 'Destinatari' {message}" in ran.stderr
    assert hint in ran.stderr
    assert "Traceback" not in ran.stderr
    assert sandbox.app.calls.entries() == []


@SUFFIXES
def test_a_title_row_above_the_header_is_named_as_such(
    tmp_path: Path, sandbox_factory, suffix: str
) -> None:
    """Point 6: not "rename the columns", but where the names are and what to delete."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "title_row", suffix, "Gentile {nome}," + PAD)

    ran = run_io_batch(["validate", str(job)])

    assert ran.code == 3, ran.stdout + ran.stderr
    assert (
        "the column names are on row 3, but the header is the sheet's first filled row, "
        "row 1 ('Elenco destinatari - Comune di Prova, 2026')"
    ) in ran.stderr
    assert "delete the rows above row 3" in ran.stderr
    assert "rename the columns" not in ran.stderr
    assert sandbox.app.calls.entries() == []
