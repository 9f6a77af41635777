"""``io-batch send`` as a subprocess against the sandbox on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch.models import Message
from batch.sandbox import SandboxConfig, profile_state
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

EXPECTED_BY_STATE = {
    "allowed": "sent",
    "blocked": "not_allowed",
    "not_registered": "not_registered",
}


def add_after(job: Path, anchor: str, lines: str) -> None:
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace(anchor, f"{anchor}\n{lines}", 1), encoding="utf-8")


def test_send_matches_population_validation_and_ledger(tmp_path: Path, sandbox_factory) -> None:
    config = SandboxConfig(
        rate_calls=40,
        rate_window=1.0,
        registered_ratio=0.7,
        blocked_ratio=0.2,
        processing_delay=0.2,
    )
    sandbox = sandbox_factory(config)
    codes = population(50, seed=7)
    rows = [[code, f"Persona{i}"] for i, code in enumerate(codes)]
    rows[3][0] = codes[3][:-1] + ("A" if codes[3][-1] != "A" else "B")  # wrong check character
    rows[8][1] = ""  # empty placeholder: the subject is still long enough, the row is valid
    rows.append(list(rows[10]))  # the same citizen and content again: a duplicate
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=40, window=1.0)

    ran = run_io_batch(["send", str(job)])

    assert ran.code == 1, ran.stderr  # one invalid row needs attention
    results = read_rows(tmp_path / "results.csv")
    assert [int(r["line"]) for r in results] == list(range(2, 2 + len(rows)))
    by_line = {int(r["line"]): r for r in results}
    assert (
        by_line[5]["status"] == "invalid" and by_line[5]["reason_code"] == "fiscal_code.check_char"
    )
    assert by_line[2 + 50]["status"] == "duplicate"
    for index, code in enumerate(codes):
        if index == 3:
            continue
        expected = EXPECTED_BY_STATE[profile_state(code, config)]
        assert by_line[index + 2]["status"] == expected, (index, code)

    sent = {r["fiscal_code"]: r for r in results if r["status"] == "sent"}
    ledger = sandbox.app.ledger.entries()
    assert len(ledger) == len(sent)  # exactly one message per sent row, none for the others
    for entry in ledger:
        row = sent[entry.fiscal_code]
        assert entry.message_id == row["message_id"]
        name = row["input.nome"]
        message = Message(entry.fiscal_code, SUBJECT.format(nome=name), MARKDOWN.format(nome=name))
        assert entry.payload_hash == message.content_hash()

    assert sandbox.app.max_calls_in_window("sandbox-key", 1.0) <= 40
    assert sandbox.app.throttled_count() == 0
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["sent"] == len(sent)
    assert summary["exit_code"] == 1
    assert (tmp_path / "results.csv").stat().st_mode & 0o777 == 0o600


def test_second_run_of_the_same_file_sends_nothing(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0)
    )
    write_csv(
        tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in population(10, 3)]
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    assert run_io_batch(["send", str(job)]).code == 0
    first = read_rows(tmp_path / "results.csv")
    # The same command again: the run finished over this input, it is given back as is.
    again = run_io_batch(["send", str(job)])
    assert again.code == 0, again.stderr
    assert read_rows(tmp_path / "results.csv") == first
    # Tomorrow's folder: a new run, where every message comes back already_sent.
    tomorrow = run_io_batch(["send", str(job), "--output", str(tmp_path / "tomorrow.csv")])
    assert tomorrow.code == 0, tomorrow.stderr
    second = read_rows(tmp_path / "tomorrow.csv")
    assert {r["status"] for r in second} == {"already_sent"}
    assert [r["message_id"] for r in second] == [r["message_id"] for r in first]
    assert len(sandbox.app.ledger.entries()) == 10


def test_production_job_without_key_stops_before_any_call(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory()
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [["AAAAAA00A00A000A", "Ada"]])
    job = write_job(tmp_path, base_url=sandbox.base_url, kind="io")
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 2
    assert "no API key: set IO_API_KEY" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert sandbox.app.calls.count() == 0


def test_rejected_key_stops_the_job_with_the_auth_exit_code(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory()
    write_csv(
        tmp_path / "input.csv", ["codice_fiscale", "nome"], [[c, "Ada"] for c in population(30, 5)]
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, kind="io")
    ran = run_io_batch(["send", str(job)], env={"IO_API_KEY": "not-a-real-key-123"})
    assert ran.code == 4, ran.stderr
    assert "not-a-real-key-123" not in ran.stdout + ran.stderr
    assert "401" in ran.stderr or "key" in ran.stderr.lower()
    statuses = {r["status"] for r in read_rows(tmp_path / "results.csv")}
    assert statuses == {"pending"}
    # the job stopped at once: at most one call per worker went out
    assert sandbox.app.calls.count() <= 8


@pytest.mark.parametrize(
    ("job_text", "message"),
    [
        ('subject = "Ciao {cognome}, avviso"', "cognome"),
        ('[columns]\nfiscal_code = "cf"', "cf"),
    ],
)
def test_job_file_errors_are_one_clear_line(tmp_path: Path, job_text: str, message: str) -> None:
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], [["AAAAAA00A00A000A", "Ada"]])
    job = write_job(tmp_path, base_url=None)
    text = job.read_text(encoding="utf-8")
    if job_text.startswith("subject"):
        text = text.replace(f'subject = "{SUBJECT}"', job_text)
    else:
        text = text.replace('[columns]\nfiscal_code = "codice_fiscale"', job_text)
    job.write_text(text, encoding="utf-8")
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 3, ran.stderr
    error_lines = [line for line in ran.stderr.splitlines() if line.startswith("io-batch: error")]
    assert len(error_lines) == 1 and message in error_lines[0]
    assert "Traceback" not in ran.stderr


def test_a_dedupe_key_column_decides_what_the_same_message_is(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(SandboxConfig(rate_calls=None, registered_ratio=1.0, blocked_ratio=0))
    code = population(1, seed=9)[0]
    header = ["codice_fiscale", "nome", "pratica"]
    write_csv(tmp_path / "input.csv", header, [[code, "Ada", "P-1"], [code, "Adele", "P-1"]])
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    job.write_text(
        job.read_text(encoding="utf-8").replace(
            'fiscal_code = "codice_fiscale"',
            'fiscal_code = "codice_fiscale"\ndedupe_key = "pratica"',
        ),
        encoding="utf-8",
    )
    assert run_io_batch(["send", str(job)]).code == 0
    first = read_rows(tmp_path / "results.csv")
    assert [r["status"] for r in first] == ["sent", "duplicate"]  # other text, same key
    # tomorrow the text is corrected, the key is the same: not sent again
    write_csv(tmp_path / "input.csv", header, [[code, "Ada Lovelace", "P-1"]])
    assert run_io_batch(["send", str(job)]).code == 0
    assert [r["status"] for r in read_rows(tmp_path / "results.csv")] == ["already_sent"]
    assert sandbox.app.ledger.count() == 1


def test_a_job_io_would_refuse_for_every_message_stops_before_any_call(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory()
    write_csv(
        tmp_path / "input.csv", ["codice_fiscale", "nome", "tp"], [["AAAAAA00A00A000A", "A", "x"]]
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    text = job.read_text(encoding="utf-8")
    text = text.replace(
        'fiscal_code = "codice_fiscale"', 'fiscal_code = "codice_fiscale"\nthird_party_id = "tp"'
    )
    text = text.replace(
        "[target]",
        'has_attachments = true\nconfiguration_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV"\n[target]',
    )
    job.write_text(text, encoding="utf-8")
    ran = run_io_batch(["send", str(job)])
    assert ran.code == 2, ran.stderr
    assert 'has_attachments needs feature_level_type = "ADVANCED"' in ran.stderr
    assert sandbox.app.calls.count() == 0
