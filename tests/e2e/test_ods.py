"""Issue 25: an .ods made by LibreOffice (Italian locale) sent as the office sees it.

The workbooks are tests/fixtures/ods, made once by LibreOffice Calc 7.4
(``make_ods_fixtures``); the fiscal codes in them are ``population``'s for the seeds there.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from batch.models import Message, PaymentData
from batch.sandbox import SandboxConfig
from tests.fixtures.ods.make_ods_fixtures import SEEDS
from tests.helpers.e2e import population, read_rows, run_io_batch, write_job

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ods"
ALL_REGISTERED = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.2)
SUBJECT = "Avviso per {nome}"
MARKDOWN = (
    "Gentile {nome}, per il CAP {cap} l'importo da pagare è {importo} euro. "
    "Iscritto: {iscritto}. Messaggio di prova inviato da io-batch."
)
PAYMENT = {
    "fiscal_code": "codice_fiscale",
    "due_date": "scadenza",
    "amount": "importo",
    "notice_number": "codice_avviso",
}
NOTICE = "302000100000009424"


def _job(
    tmp_path: Path, sandbox, fixture: str, *, payment: bool = False, sheet: str | int | None = None
) -> Path:
    shutil.copyfile(FIXTURES / fixture, tmp_path / fixture)
    sections: dict[str, Any] = {"input": {} if sheet is None else {"sheet": sheet}}
    if payment:
        message = {"amount_unit": "euro", "subject": SUBJECT, "markdown": MARKDOWN}
        sections |= {"columns": PAYMENT, "message": message}
    return write_job(tmp_path, base_url=sandbox.base_url, input_name=fixture, sections=sections)


def test_each_cell_goes_out_as_the_sheet_shows_it(tmp_path: Path, sandbox_factory) -> None:
    """Points 1-3: 00184, 12,50 and VERO as shown; a percentage, a currency, a rounded
    amount and an error cell refused with the cell; the due date from the date cell."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(6, seed=SEEDS["formats"])
    job = _job(tmp_path, sandbox, "formats.ods", payment=True)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr
    results = read_rows(tmp_path / "results.csv")
    assert [(r["line"], r["status"], r["reason_code"]) for r in results] == [
        ("2", "sent", "submit.accepted"),
        ("3", "invalid", "cell.format"),
        ("4", "invalid", "cell.error"),
        ("5", "invalid", "cell.format"),
        ("6", "sent", "submit.accepted"),
        ("7", "invalid", "cell.format"),
    ]
    reasons = {r["line"]: r["reason"] for r in results}
    assert reasons["3"].startswith("(line): cell D3 (column 'importo') shows '50%', a percentage")
    assert reasons["4"].startswith("(line): cell B4 (column 'nome') shows the error #N/A")
    assert reasons["5"].startswith("(line): cell D5 (column 'importo') shows '12,50 €', a currency")
    assert reasons["7"].startswith("(line): cell D7 (column 'importo') shows '12', a number with a")
    assert "(it holds 12.4)" in reasons["7"]
    stored = {entry.fiscal_code: entry for entry in sandbox.app.ledger.entries()}
    assert set(stored) == {codes[0], codes[4]}
    assert stored[codes[0]].subject == "Avviso per Ada"
    assert stored[codes[0]].markdown == (
        "Gentile Ada, per il CAP 00184 l'importo da pagare è 12,50 euro. "
        "Iscritto: VERO. Messaggio di prova inviato da io-batch."
    )
    assert stored[codes[4]].markdown == (
        "Gentile Elsa, per il CAP 00189 l'importo da pagare è 12,5 euro. "
        "Iscritto: FALSO. Messaggio di prova inviato da io-batch."
    )
    for code, name, due in (
        (codes[0], "Ada", "2026-12-16T22:59:59.000Z"),  # a date alone: the end of that day
        (codes[4], "Elsa", "2026-03-29T08:30:00.000Z"),  # 10:30 in Rome, summer time
    ):
        message = Message(
            code,
            stored[code].subject,
            stored[code].markdown,
            due_date=due,
            payment_data=PaymentData(1250, NOTICE),
        )
        assert stored[code].payload_hash == message.content_hash(), name
    # The results keep the shown text; the unused error cell is passed on as shown.
    assert results[0]["input.cap"] == "00184"
    assert results[4]["input.nota"] == "#DIV/0!"

    # rerun reads the results CSV: nothing is sent twice, the refused rows stay refused.
    ran = run_io_batch(["rerun", str(tmp_path / "results.csv"), "--job", str(job)])
    assert ran.code == 1, ran.stderr
    assert sandbox.app.ledger.count() == 2


def test_validate_reports_the_refused_cells_by_sheet_row(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "formats.ods", payment=True)

    ran = run_io_batch(["validate", str(job)])

    assert ran.code == 1, ran.stdout + ran.stderr
    assert "valid:      2 (2 to send)" in ran.stdout
    report = read_rows(tmp_path / "results.errors.csv")
    assert [(r["line"], r["reason_code"]) for r in report] == [
        ("3", "cell.format"),
        ("4", "cell.error"),
        ("5", "cell.format"),
        ("7", "cell.format"),
    ]
    assert sandbox.app.calls.entries() == []


def test_a_hidden_row_in_a_sheet_named_with_an_apostrophe_is_refused(
    tmp_path: Path, sandbox_factory
) -> None:
    """Point 5: the sheet "Contribuenti dell'anno" hides row 3; nothing goes out."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "hidden.ods")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert 'sheet "Contribuenti dell\'anno" has hidden rows (3): ' in ran.stderr
    assert sandbox.app.calls.entries() == []
    assert sandbox.app.ledger.count() == 0


def test_the_refusal_names_rows_columns_and_merged_cells(tmp_path: Path, sandbox_factory) -> None:
    """Point 6: no "(?)"; the hidden column by letter and name, and a hint for each."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "hidden.ods", sheet="Foglio2")

    ran = run_io_batch(["validate", str(job)])

    assert ran.code == 3, ran.stderr
    assert (
        "sheet 'Foglio2' has hidden rows (3) and rows hidden by a filter (5) and hidden "
        "columns (C 'cognome') and merged cells (B6:C6): "
    ) in ran.stderr
    assert "(?)" not in ran.stderr
    for hint in ("Format > Rows > Show", "Reset Filter", "Format > Columns > Show", "Unmerge"):
        assert hint in ran.stderr
    assert sandbox.app.calls.entries() == []


def test_a_title_above_the_header_says_the_header_must_come_first(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "title.ods")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 3, ran.stderr
    assert (
        "the column names ('codice_fiscale', 'nome', 'cognome') are on row 3, but row 1 "
        "above them is filled: the header must be the first filled row"
    ) in ran.stderr
    assert "delete rows 1 to 2" in ran.stderr
    assert sandbox.app.ledger.count() == 0


@pytest.mark.parametrize("exclusions", ["exclusions.ods", "exclusions.xlsx"])
def test_a_workbook_exclusion_list_without_header_excludes_its_first_code(
    tmp_path: Path, sandbox_factory, exclusions: str
) -> None:
    """Point 4: the code in A1 is a code, not a column name, as in a header-less CSV."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(3, seed=SEEDS["exclusions"])
    (tmp_path / "input.csv").write_text(
        "codice_fiscale;nome\n" + "".join(f"{code};Ada\n" for code in codes), encoding="utf-8"
    )
    shutil.copyfile(FIXTURES / exclusions, tmp_path / exclusions)
    job = write_job(tmp_path, base_url=sandbox.base_url)
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[input]\n", f'[input]\nexclude = "{exclusions}"\n'), "utf-8")

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 0, ran.stderr
    statuses = [r["status"] for r in read_rows(tmp_path / "results.csv")]
    assert statuses == ["excluded", "excluded", "sent"]
    assert {entry.fiscal_code for entry in sandbox.app.ledger.entries()} == {codes[2]}


def test_reach_reads_an_ods_by_sheet_row(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    job = _job(tmp_path, sandbox, "hidden.ods", sheet=1)
    ran = run_io_batch(["reach", str(job)])
    assert ran.code == 3, ran.stderr  # the hidden row refuses the sheet for reach as well
    assert "has hidden rows (3)" in ran.stderr

    job = _job(tmp_path, sandbox, "formats.ods", payment=True)
    ran = run_io_batch(["reach", str(job)])
    assert ran.code == 1, ran.stderr  # reach validates the rows as send does
    reach = read_rows(tmp_path / "results-reach.csv")
    assert [(r["line"], r["reach"], r["reason_code"]) for r in reach] == [
        ("2", "reachable", "profile.allowed"),
        ("3", "invalid", "cell.format"),
        ("4", "invalid", "cell.error"),
        ("5", "invalid", "cell.format"),
        ("6", "reachable", "profile.allowed"),
        ("7", "invalid", "cell.format"),
    ]
    assert reach[0]["input.cap"] == "00184"
    assert sandbox.app.ledger.count() == 0


def test_a_sharded_send_of_an_ods_merges_to_the_single_run(tmp_path: Path, sandbox_factory) -> None:
    """Each shard reads the .ods through the same reader, keeps its own rows; the merge
    has every sheet row once, with the single run's outcomes."""
    sandbox = sandbox_factory(ALL_REGISTERED)
    codes = population(6, seed=SEEDS["formats"])
    job = _job(tmp_path, sandbox, "formats.ods", payment=True)
    job.write_text(job.read_text(encoding="utf-8") + "\n[shards]\ncount = 2\n", "utf-8")

    for index in (1, 2):
        ran = run_io_batch(["send", str(job), "--shard", f"{index}/2"])
        assert ran.code in (0, 1), ran.stderr
    merged = run_io_batch(["merge", str(job)])

    assert merged.code == 1, merged.stderr
    results = read_rows(tmp_path / "results.csv")
    assert sorted((r["line"], r["status"], r["reason_code"]) for r in results) == [
        ("2", "sent", "submit.accepted"),
        ("3", "invalid", "cell.format"),
        ("4", "invalid", "cell.error"),
        ("5", "invalid", "cell.format"),
        ("6", "sent", "submit.accepted"),
        ("7", "invalid", "cell.format"),
    ]
    assert {entry.fiscal_code for entry in sandbox.app.ledger.entries()} == {codes[0], codes[4]}
    assert sandbox.app.ledger.count() == 2
