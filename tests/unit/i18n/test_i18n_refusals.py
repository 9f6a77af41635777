"""The refusals an office reads, in Italian: the job file's checks (keys stay as written,
values as TOML writes them), the input's, and the ``io-batch: error:`` line itself."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import batch.i18n as i18n
from batch import cli
from batch.config.job import parse_job
from batch.config.shards import choose_layout
from batch.dryrun import run as dryrun
from batch.errors import BatchError, ConfigError, ExitCode, InputError

CODE = "RSSMRA85T10A562S"


def _raw(**changes: dict[str, Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "input": {"path": "in.csv"},
        "output": {"path": "out/results.csv"},
        "columns": {"fiscal_code": "cf"},
        "message": {"subject": "Avviso di pagamento", "markdown": "Gentile {nome}, " * 5},
        "target": {"kind": "sandbox"},
    }
    for table, keys in changes.items():
        raw[table] = raw.get(table, {}) | keys
    return raw


def _refusal(raw: dict[str, Any], tmp_path: Path) -> BatchError:
    with pytest.raises(ConfigError) as refused:
        parse_job(raw, source=tmp_path / "job.toml")
    return refused.value


@pytest.mark.parametrize(
    ("changes", "italian", "english"),
    [
        (
            {"output": {"pathh": "x.csv"}},
            "chiave sconosciuta nel file del job: output.pathh (controllare l'ortografia)",
            "unknown key in job file: output.pathh (check the spelling)",
        ),
        (
            {"rate": {"calls": "tante"}},
            "rate.calls deve essere un numero intero; indicato: 'tante'",
            "rate.calls must be a whole number; got 'tante'",
        ),
        (
            {"rate": {"window_seconds": 0.01}},
            "rate.window_seconds deve essere almeno 0.1; indicato: 0.01",
            "rate.window_seconds must be at least 0.1; got 0.01",
        ),
        (
            {"guard": {"invalid_rows": "salta"}},
            "guard.invalid_rows deve essere uno tra skip, refuse_file; indicato: 'salta'",
            "guard.invalid_rows must be one of skip, refuse_file; got 'salta'",
        ),
        (
            {"schedule": {"quiet_hours": "21-8"}},
            'schedule.quiet_hours deve essere "HH:MM-HH:MM" (ora di Roma), per esempio '
            "\"21:00-08:00\"; indicato: '21-8'",
            'schedule.quiet_hours must be "HH:MM-HH:MM" (Europe/Rome), e.g. "21:00-08:00"; '
            "got '21-8'",
        ),
        (
            {"message": {"markdown": "Gentile {nome},\n\n{?nota}la nota: {nota}." + " Testo." * 5}},
            "modello 'Gentile {nome},\\n\\n{?nota}la nota: {nota}.': la sezione {?nota} non "
            "è chiusa (chiuderla con {/nota})",
            "template 'Gentile {nome},\\n\\n{?nota}la nota: {nota}.': the section {?nota} is "
            "not closed (end it with {/nota})",
        ),
        (
            {"columns": {"amount": "importo"}},
            "columns.amount e columns.notice_number vanno indicati insieme (un pagamento pagoPA "
            "richiede sia l'importo sia il codice avviso)",
            "columns.amount and columns.notice_number go together (a pagoPA payment needs both "
            "the amount and the notice number)",
        ),
        (
            {"output": {"language": "de"}},
            "[output] language = 'de' non è una lingua di io-batch (usare uno tra 'en', 'it')",
            "[output] language = 'de' is not one io-batch speaks (use one of 'en', 'it')",
        ),
    ],
)
def test_the_job_files_refusals(
    tmp_path: Path, changes: dict[str, dict[str, Any]], italian: str, english: str
) -> None:
    assert str(_refusal(_raw(**changes), tmp_path)) == english
    i18n.use_language("it")
    assert str(_refusal(_raw(**changes), tmp_path)) == italian


def test_the_shard_layouts_refusal_in_italian() -> None:
    i18n.use_language("it")
    with pytest.raises(ConfigError) as refused:
        choose_layout(4, "2/3", None, {})
    assert str(refused.value) == (
        "--shard 2/3 indica 3 shard, ma [shards] count del file del job ne indica 4 "
        "(usare --shard K/4, oppure cambiare il numero di shard ovunque (solo tra una "
        "campagna e l'altra: vedere 'Sharded runs' nel README))"
    )


def test_the_inputs_refusal_of_a_missing_column_in_italian(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text(f"codice;nome\n{CODE};Mario\n", encoding="utf-8")
    job = parse_job(_raw(), source=tmp_path / "job.toml")
    i18n.use_language("it")
    with pytest.raises(InputError) as refused:
        dryrun.run_validate(job, out=io.StringIO())
    assert str(refused.value) == (
        f"{tmp_path / 'in.csv'}: mancano le colonne 'cf'; le sue colonne sono: 'codice', "
        "'nome' (lette con il separatore ';') (rinominare le colonne nel CSV, oppure "
        "cambiare [columns] o i modelli nel job; se il file usa un altro separatore, "
        'indicarne un altro con --separator o input.separator (",", ";" o "tab"))'
    )


def test_the_error_line_of_the_command_in_italian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = tmp_path / "job.toml"
    job.write_text(
        '[input]\npath = "manca.csv"\n[output]\npath = "out.csv"\nlanguage = "it"\n'
        '[target]\nkind = "sandbox"\n[columns]\nfiscal_code = "cf"\n'
        '[message]\nsubject = "Avviso di pagamento"\nmarkdown = "' + "Gentile {nome}, " * 5 + '"\n',
        encoding="utf-8",
    )
    assert cli.main(["validate", str(job)]) == ExitCode.INPUT_ERROR
    assert capsys.readouterr().err == (
        f"io-batch: errore: file di ingresso non trovato: {tmp_path / 'manca.csv'} "
        "(controllare input.path nel file del job o --input)\n"
    )
