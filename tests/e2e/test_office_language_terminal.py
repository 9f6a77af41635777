"""What the terminal shows with ``--lang it``, through the command line on the embedded
sandbox: the dry run's report and preview, the run's summary and start-up line, and a
job file whose own ``[output] language = "it"`` makes its refusal Italian (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from batch.models import Status
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

CONSOLE = ["--log-format", "console"]  # a person at a terminal: the summary on stdout


def _campaign(tmp_path: Path) -> Path:
    codes = population(4, seed=29)
    rows = [[code, f"Persona{index}"] for index, code in enumerate(codes)]
    rows[1][0] = codes[1][:-1] + ("A" if codes[1][-1] != "A" else "B")  # a wrong check char
    rows.append(list(rows[0]))  # the same citizen and content again: a duplicate
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    return write_job(tmp_path, base_url=None, calls=None)


def test_validate_in_italian(tmp_path: Path) -> None:
    job = _campaign(tmp_path)
    ran = run_io_batch([*CONSOLE, "validate", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stderr  # one invalid row
    out = ran.stdout
    assert out.startswith("Controllate 5 righe di ")
    assert "; non è stato inviato nulla.\n" in out
    assert "  valide:     4 (3 da inviare)\n  non valide: 1\n" in out
    assert (
        "  duplicati:  1 (criterio send_once: stesso cittadino e stesso contenuto di una riga "
        "precedente, non inviate di nuovo)\n"
    ) in out
    assert "Problemi per motivo (sono indicate le prime righe):\n" in out
    assert "  fiscal_code.check_char: 1 riga: " in out
    assert "    riga 3 (codice_fiscale)\n" in out
    assert "Duplicati: riga 6 (come la riga 2)\n" in out
    assert "Anteprima della riga 2 (destinatario " in out
    assert "  oggetto:  Avviso per Persona0: scadenza\n" in out
    assert "  testo:    Gentile Persona0, questo è un messaggio di prova" in out
    assert "  e-mail:   Gentile Persona0, questo è un messaggio di prova" in out
    assert "Checked" not in out and "Preview" not in out and "valid:" not in out
    assert not (tmp_path / "results.csv").exists()


def test_send_in_italian(tmp_path: Path) -> None:
    job = _campaign(tmp_path)
    ran = run_io_batch([*CONSOLE, "send", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stderr  # the invalid row needs attention
    results = read_rows(tmp_path / "results.csv")
    by_line = {row["line"]: row["status"] for row in results}
    assert (by_line["3"], by_line["6"]) == ("invalid", "duplicate")
    answered = {"sent", "not_registered", "not_allowed"}  # as the sandbox's population says
    assert {by_line[line] for line in ("2", "4", "5")} <= answered
    summary = json.loads((tmp_path / "results.summary.json").read_text(encoding="utf-8"))
    counts = summary["counts"]  # the JSON keeps its keys and the status codes
    assert counts["invalid"] == 1 and counts["duplicate"] == 1
    assert sum(counts.values()) == summary["rows"] == 5
    assert "io-batch: destinazione sandbox:embedded, registro " in ran.stderr
    out = ran.stdout
    assert f"\nio-batch: job e2e, esecuzione {summary['run_id']}\n" in out
    width = max(len(name) for name in [*counts, "totale"])
    for status in Status:
        if counts.get(status.value):
            assert f"  {status.value:<{width}}  {counts[status.value]:>9}\n" in out
    assert f"  {'totale':<{width}}  {5:>9}\n" in out
    assert f" chiamate API ({format(summary['calls_per_s'], '.2f').replace('.', ',')}/s, " in out
    assert "limite unlimited), 0 rallentate (429)\n" in out
    assert (
        "da verificare: invalid 1 (la colonna reason dei risultati spiega il motivo; "
        "'io-batch rerun' ritenta le righe failed e pending)\n"
    ) in out
    assert f"risultati: {tmp_path / 'results.csv'}\n" in out
    assert "elapsed" not in out and "results:" not in out


def test_a_job_file_in_italian_is_refused_in_italian(tmp_path: Path) -> None:
    job = _campaign(tmp_path)
    text = job.read_text(encoding="utf-8")
    italian = text.replace("[output]\n", '[output]\nlanguage = "it"\n')
    job.write_text(italian.replace("concurrency = 8", 'concurrency = "otto"'), encoding="utf-8")
    ran = run_io_batch([*CONSOLE, "validate", str(job)])
    assert ran.code == 2
    assert ran.stderr.endswith(
        "io-batch: errore: rate.concurrency deve essere un numero intero; indicato: 'otto'\n"
    )
    job.write_text(italian.replace("[output]\n", '[output]\npathh = "x.csv"\n'), encoding="utf-8")
    ran = run_io_batch([*CONSOLE, "send", str(job)])
    assert ran.code == 2
    assert ran.stderr.endswith(
        "io-batch: errore: chiave sconosciuta nel file del job: output.pathh "
        "(controllare l'ortografia)\n"
    )
    assert not (tmp_path / "results.csv").exists()
