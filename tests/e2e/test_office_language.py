"""Issue 29: the reasons of the results and error files in the office's language.

``--lang it`` and ``[output] language = "it"`` write them in Italian, neither in English
(the suite runs with ``LANG=C.UTF-8``). Codes, statuses and columns stay as they are, so
``rerun``, ``verify`` and ``merge`` of an Italian results file do exactly what they do
with an English one: they key on codes, never on the reason's words.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from batch.identifiers.fiscal_code import generate
from batch.sandbox import SandboxConfig, profile_state
from tests.helpers.e2e import read_rows, run_io_batch, write_job

pytestmark = pytest.mark.e2e

CONFIG = SandboxConfig(registered_ratio=0.7, blocked_ratio=0.0, seed=29, processing_delay=0.1)
NOTICE = "302000100000009424"
HEADER = "codice_fiscale,nome,importo,avviso,scadenza"
PAYMENT = 'amount = "importo"\nnotice_number = "avviso"\ndue_date = "scadenza"'
WORKBOOKS = Path(__file__).parents[1] / "fixtures" / "workbooks"


def _codes() -> tuple[list[str], str]:
    """Five citizens on IO and one who is not."""
    rng = random.Random(29)
    allowed: list[str] = []
    missing = ""
    while len(allowed) < 5 or not missing:
        code = generate(rng)
        state = profile_state(code, CONFIG)
        if state == "allowed" and len(allowed) < 5 and code not in allowed:
            allowed.append(code)
        elif state == "not_registered" and not missing:
            missing = code
    return allowed, missing


ALLOWED, NOT_REGISTERED = _codes()
A, B, C, D, E = ALLOWED
WRONG_CHECK = A[:15] + ("A" if A[15] != "A" else "B")
LINES = [
    f"{A},Ada,1250,{NOTICE},31/12/2030",  # 2: sent
    f"{WRONG_CHECK},Bice,1250,{NOTICE},31/12/2030",  # 3: fiscal code's check character
    f"{B},Carla,,{NOTICE},31/12/2030",  # 4: no amount
    f"{C},Dario,1250,{NOTICE},15/01/2020",  # 5: a past due date: sent all the same
    f"{A},Ada,1250,{NOTICE},31/12/2030",  # 6: the same as line 2
    f"{NOT_REGISTERED},Elia,1250,{NOTICE},31/12/2030",  # 7: not on IO
    f"{D},Fabio,1250,{NOTICE},31/02/2030",  # 8: no such date
    f"{E},Gina,12,5x,{NOTICE},31/12/2030",  # 9: one field too many (the comma)
    f"{E},Gina,12.5x,{NOTICE},31/12/2030",  # 10: not an amount in cents
]
FIELD_COUNT = (
    "6 campi mentre l'intestazione ne ha 5 con il separatore ','; un valore che contiene il "
    "separatore non è tra virgolette? Se il file usa un altro separatore, indicarlo con "
    '--separator o input.separator (",", ";" o "tab")'
)
CENTS = 'non è un numero intero di centesimi (amount_unit è "cents": 12,50 euro si scrivono 1250)'
#: The error report of the dry run, in Italian: (line, column, reason_code, reason).
ITALIAN_ERRORS = [
    (
        "3",
        "codice_fiscale",
        "fiscal_code.check_char",
        "l'ultimo carattere (carattere di controllo) non corrisponde al resto: un errore di "
        "battitura?",
    ),
    (
        "4",
        "importo",
        "field.missing",
        "cella vuota, ma il job richiede questa colonna in ogni riga",
    ),
    ("8", "scadenza", "due_date.invalid", "data o ora inesistente (ad esempio 31/02 o 24:00)"),
    ("9", "(line)", "csv.field_count", FIELD_COUNT),
    ("10", "importo", "amount.format", CENTS),
    (
        "6",
        "codice_fiscale",
        "row.duplicate",
        "stesso destinatario e stesso contenuto della riga 2",
    ),
]
NOT_ON_IO = "nessun profilo IO, oppure la casella dei messaggi IO del cittadino è disattivata: "
#: The results of the send, in Italian: line -> (status, reason_code, reason).
ITALIAN_RESULTS = {
    "2": ("sent", "submit.accepted", "accettato da IO"),
    "3": ("invalid", "fiscal_code.check_char", "codice_fiscale: " + ITALIAN_ERRORS[0][3]),
    "4": ("invalid", "field.missing", "importo: " + ITALIAN_ERRORS[1][3]),
    "5": ("sent", "submit.accepted", "accettato da IO"),
    "6": ("duplicate", "row.duplicate", "stesso destinatario e stesso contenuto della riga 2"),
    "7": ("not_registered", "profile.not_found", NOT_ON_IO),
    "8": ("invalid", "due_date.invalid", "scadenza: " + ITALIAN_ERRORS[2][3]),
    "9": ("invalid", "csv.field_count", "(riga): " + FIELD_COUNT),
    "10": ("invalid", "amount.format", "importo: " + CENTS),
}


def _campaign(folder: Path, sandbox, language: str = "") -> Path:
    folder.mkdir()
    text = "\n".join([HEADER, *LINES]) + "\n"
    (folder / "input.csv").write_text(text, encoding="utf-8")
    job = write_job(folder, base_url=sandbox.base_url, columns=PAYMENT)
    if language:  # [output] language, beside the path the job already has
        written = job.read_text(encoding="utf-8")
        written = written.replace(
            '[output]\npath = "results.csv"\n',
            f'[output]\npath = "results.csv"\nlanguage = "{language}"\n',
        )
        job.write_text(written, encoding="utf-8")
    return job


def _errors(folder: Path) -> list[tuple[str, str, str, str]]:
    report = read_rows(folder / "results.errors.csv")
    return [(r["line"], r["column"], r["reason_code"], r["reason"]) for r in report]


def _results(path: Path) -> dict[str, tuple[str, str, str]]:
    rows = read_rows(path)
    return {r["line"]: (r["status"], r["reason_code"], r["reason"]) for r in rows}


def _without_io_text(results: dict[str, tuple[str, str, str]]) -> dict[str, tuple[str, ...]]:
    """IO's own words after the not-registered reason are the sandbox's: cut off."""
    cut = {}
    for line, (status, code, reason) in results.items():
        cut[line] = (status, code, reason[: len(NOT_ON_IO)] if line == "7" else reason)
    return cut


def _codes_of(path: Path) -> list[tuple[str, str, str]]:
    return [(r["line"], r["status"], r["reason_code"]) for r in read_rows(path)]


def test_reasons_in_italian_with_lang_or_the_job_and_rerun_verify_merge_alike(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(CONFIG)

    # --lang it: the error report and the results file in Italian.
    job = _campaign(tmp_path / "lang", sandbox)
    ran = run_io_batch(["validate", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stdout + ran.stderr
    assert _errors(job.parent) == ITALIAN_ERRORS
    ran = run_io_batch(["send", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stderr
    italian = _results(job.parent / "results.csv")
    assert _without_io_text(italian) == ITALIAN_RESULTS
    assert italian["7"][2] != NOT_ON_IO  # IO's own words follow, as they are

    # [output] language = "it" in the job: the same, with no --lang.
    job_it = _campaign(tmp_path / "job", sandbox, language="it")
    assert run_io_batch(["validate", str(job_it)]).code == 1
    assert _errors(job_it.parent) == ITALIAN_ERRORS
    assert run_io_batch(["send", str(job_it)]).code == 1
    italian_file = job_it.parent / "results.csv"
    assert _results(italian_file) == italian

    # Neither: English, as before.
    job_en = _campaign(tmp_path / "en", sandbox)
    assert run_io_batch(["validate", str(job_en)]).code == 1
    english_errors = _errors(job_en.parent)
    assert [row[:3] for row in english_errors] == [row[:3] for row in ITALIAN_ERRORS]
    assert english_errors[0][3] == (
        "the last character (check character) does not match the rest: a typo?"
    )
    assert english_errors[5][3] == "same recipient and content as line 2"
    assert run_io_batch(["send", str(job_en)]).code == 1
    english_file = job_en.parent / "results.csv"
    english = _results(english_file)
    assert english["4"] == (
        "invalid",
        "field.missing",
        "importo: empty, but the job needs this column in every row",
    )
    assert english["9"][2].startswith("(line): 6 fields where the header has 5")
    assert _codes_of(english_file) == _codes_of(italian_file)

    # rerun of the Italian file by an English process (--lang en over the job's "it"), and
    # of the English one: the same rows go out again (the not-registered one), the same
    # codes come back.
    for job_file, results in ((job_it, italian_file), (job_en, english_file)):
        rerun = ["rerun", str(results), "--job", str(job_file), "--include-not-registered"]
        ran = run_io_batch([*rerun, "--lang", "en"])
        assert ran.code == 1, ran.stderr
    reran_it = job_it.parent / "results-rerun.csv"
    reran_en = job_en.parent / "results-rerun.csv"
    assert _codes_of(reran_it) == _codes_of(reran_en) == _codes_of(italian_file)
    assert _results(reran_it)["7"][2].startswith("no IO profile")  # retried, in English
    assert _results(reran_it)["4"] == italian["4"]  # carried over as it was

    # verify of each: the same rows asked, the same answers.
    for job_file, results in ((job_it, italian_file), (job_en, english_file)):
        ran = run_io_batch(["verify", str(results), "--job", str(job_file), "--lang", "it"])
        assert ran.code in (0, 1), ran.stderr
    verified_it = read_rows(job_it.parent / "results.verify.csv")
    verified_en = read_rows(job_en.parent / "results.verify.csv")
    assert [r["line"] for r in verified_it] == [r["line"] for r in verified_en] == ["2", "5"]

    # shards in Italian, merged: the same file as one run's.
    job_shards = _campaign(tmp_path / "shards", sandbox)
    for shard in ("1/2", "2/2"):
        ran = run_io_batch(["send", str(job_shards), "--shard", shard, "--lang", "it"])
        assert ran.code in (0, 1), ran.stderr
    ran = run_io_batch(["merge", str(job_shards), "--lang", "it"])
    assert ran.code == 1, ran.stderr
    merged = job_shards.parent / "results.csv"
    assert _without_io_text(_results(merged)) == ITALIAN_RESULTS


def test_an_error_cell_of_a_workbook_in_italian(tmp_path: Path, sandbox_factory) -> None:
    sandbox = sandbox_factory(SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0))
    shutil.copy(WORKBOOKS / "errors.xlsx", tmp_path / "input.xlsx")
    job = write_job(tmp_path, base_url=sandbox.base_url, input_name="input.xlsx")
    text = job.read_text(encoding="utf-8").replace("{nome}", "{nome} {cognome}")
    job.write_text(text, encoding="utf-8")
    hint = (
        ": la sua formula non è stata calcolata, quindi la cella non ha un valore da inviare; "
        "correggere la formula (o scrivere il valore) e salvare"
    )

    ran = run_io_batch(["validate", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stdout + ran.stderr
    assert _errors(tmp_path) == [
        ("3", "nome", "cell.error", "la cella B3 mostra l'errore #N/A" + hint),
        ("4", "nome", "cell.error", "la cella B4 mostra l'errore #DIV/0!" + hint),
        ("5", "nome", "cell.error", "la cella B5 mostra l'errore #VALUE!" + hint),
    ]
    ran = run_io_batch(["send", str(job), "--lang", "it"])
    assert ran.code == 1, ran.stderr
    results = _results(tmp_path / "results.csv")
    assert results["3"] == (
        "invalid",
        "cell.error",
        "nome: la cella B3 mostra l'errore #N/A" + hint,
    )
    assert [results[line][0] for line in ("2", "6")] == ["sent", "sent"]
