"""The results file rewritten from the input and the journal: order, pending, safety."""

from __future__ import annotations

from pathlib import Path

from batch.config.choices import DuplicatePolicy
from batch.config.job import parse_job
from batch.input import read
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.output.results_file import read_results
from batch.output.results_layout import RESULT_COLUMNS
from batch.output.results_writer import ResultsWriter
from batch.send.run_output import rewrite_from_journal

SENT = Outcome(
    Status.SENT, "submit.accepted", "accepted", "01ID", 201, 2, "2026-01-01T00:00:00.000Z"
)


def make(tmp_path: Path) -> tuple[object, read.InputFile, Journal, str]:
    (tmp_path / "in.csv").write_text(
        "codice_fiscale;nome\n aaaaaa00a00a000a ;=Ada\nBBBBBB00B00B000B;Bea\n\nCCC;Cora\n",
        encoding="utf-8",
    )
    job = parse_job(
        {
            "input": {"path": "in.csv"},
            "output": {"path": "r.csv"},
            "columns": {"fiscal_code": "codice_fiscale"},
            "message": {"subject": "Soggetto {nome} abc", "markdown": "m" * 80},
            "target": {"kind": "sandbox"},
        },
        source=tmp_path / "job.toml",
    )
    source = read.open_input(job.input, ["codice_fiscale", "nome"])
    journal = Journal(tmp_path / "j.sqlite")
    run = journal.start_run(job.output, "d")
    return job, source, journal, run.run_id


def test_rewrite_puts_rows_in_input_order_with_pending_and_safe_cells(tmp_path: Path) -> None:
    job, source, journal, run_id = make(tmp_path)
    journal.record_many(run_id, [(5, "CCC", Outcome(Status.INVALID, "fiscal_code.format", "bad"))])
    journal.claim(run_id, 2, "AAAAAA00A00A000A", "h", duplicates=DuplicatePolicy.SEND_ONCE)
    journal.record_intent(run_id, 2, "AAAAAA00A00A000A", "h")
    journal.record(run_id, 2, "AAAAAA00A00A000A", "h", SENT)
    rewrite_from_journal(
        job, source, journal, run_id, source.header, rerun=False, include_pending=True
    )
    rows = list(read_results(tmp_path / "r.csv"))
    assert [(r["line"], r["fiscal_code"], r["status"]) for r in rows] == [
        ("2", "AAAAAA00A00A000A", "sent"),
        ("3", "BBBBBB00B00B000B", "pending"),
        ("5", "CCC", "invalid"),
    ]
    assert rows[0]["message_id"] == "01ID" and rows[0]["run_id"] == run_id
    assert rows[1]["reason_code"] == "row.pending"
    assert rows[0]["input.nome"] == "=Ada"  # restored by read_results...
    raw = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert "'=Ada" in raw  # ...written safe for spreadsheets
    header = [*RESULT_COLUMNS, "input.codice_fiscale", "input.nome"]
    assert raw.splitlines()[0] == ",".join(header)
    assert (tmp_path / "r.csv").stat().st_mode & 0o777 == 0o600

    rewrite_from_journal(
        job, source, journal, run_id, source.header, rerun=False, include_pending=False
    )
    assert [r["line"] for r in read_results(tmp_path / "r.csv")] == ["2", "5"]
    source.close()
    journal.close()


def test_appending_after_a_kill_drops_the_half_written_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    writer = ResultsWriter(path, ["nome"], fresh=True)
    writer.write(2, "A", SENT, "run", {"nome": "Ada"})
    writer.close()
    with path.open("a", encoding="utf-8") as handle:
        handle.write("3,B,se")  # the kill came mid-row
    writer = ResultsWriter(path, ["nome"], fresh=False)
    writer.write(3, "B", SENT, "run", {"nome": "Bea"})
    writer.close()
    assert [r["line"] for r in read_results(path)] == ["2", "3"]
