"""Whole reason texts, as a clerk reads them in the results, error and reach files and in
verify's notes: English exactly as before, and the Italian of the catalog.

The reach file gives a citizen's later rows the first row's answer, finding that row
from the duplicate's reason: in Italian too (the reason ends with the line's number).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from batch.api.decisions import Abort, Retry
from batch.config.choices import DuplicatePolicy
from batch.config.job import parse_job
from batch.i18n import _, use_language
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.journal.journal import Journal
from batch.models import Outcome, Status
from batch.output.verification import Check
from batch.reach.output import _reach_frame, _same_citizen_answers
from batch.rules import validate
from batch.rules.plan import INVALID_COLUMN, REASON
from batch.send.dispatch import REACHABLE_REASON
from batch.verify.outcomes import gave_up, not_asked
from tests.unit.i18n.reason_examples import CODE, EXAMPLES, xlsx_problem

TEXTS = {
    "fiscal_code.check_char": (
        "the last character (check character) does not match the rest: a typo?",
        "l'ultimo carattere (carattere di controllo) non corrisponde al resto: un errore di "
        "battitura?",
    ),
    "field.missing": (
        "empty, but the job needs this column in every row",
        "cella vuota, ma il job richiede questa colonna in ogni riga",
    ),
    "cell.error": (
        "cell B5 shows the error #N/A: its formula could not be calculated, so the cell has "
        "no value to send; correct the formula (or type the value) and save",
        "la cella B5 mostra l'errore #N/A: la sua formula non è stata calcolata, quindi la "
        "cella non ha un valore da inviare; correggere la formula (o scrivere il valore) e "
        "salvare",
    ),
    "csv.too_long": (
        "the value in column 'nome' is 40,000 bytes long; no IO message field takes more "
        "than 32,768 (the markdown at most 10,000 characters)",
        "il valore nella colonna 'nome' è lungo 40.000 byte; nessun campo di un messaggio IO "
        "ne accetta più di 32.768 (il testo al massimo 10.000 caratteri)",
    ),
    "csv.multiline": (
        "a quoted value in column 'nome' runs from line 4 to line 9, so these lines would be "
        "glued into one row (a stray quote?); a line break is allowed only in the columns "
        "named by input.multiline_columns. Lines 5 to 9 were read as rows of their own",
        "un valore tra virgolette nella colonna 'nome' va dalla riga 4 alla riga 9, quindi "
        "queste righe verrebbero unite in una sola (una virgoletta di troppo?); un a capo è "
        "ammesso solo nelle colonne indicate in input.multiline_columns. Le righe da 5 a 9 "
        "sono state lette ciascuna come riga a sé",
    ),
    "subject.too_long": (
        "the subject is 130 UTF-16 units (130 code points) once the template is filled in; "
        "IO takes at most 120 UTF-16 units (an emoji counts 2, as IO's server counts)",
        "l'oggetto è di 130 unità UTF-16 (130 punti di codice) una volta compilato il "
        "modello; IO ne accetta al massimo 120 unità UTF-16 (un'emoji conta 2, come conta il "
        "server di IO)",
    ),
    "profile.not_found": (
        "no IO profile, or the citizen's IO inbox is disabled: Profile not found: no such citizen",
        "nessun profilo IO, oppure la casella dei messaggi IO del cittadino è disattivata: "
        "Profile not found: no such citizen",
    ),
    "gave_up": (
        "gave up after 4 attempts: server error HTTP 503: Service unavailable: Service unavailable",
        "tentativi esauriti (4): errore del server HTTP 503: Service unavailable: Service "
        "unavailable",
    ),
    "row.duplicate": (
        "same recipient and content as line 2",
        "stesso destinatario e stesso contenuto della riga 2",
    ),
    "row.duplicate/one_per_citizen": (
        "same recipient as line 2",
        "stesso destinatario della riga 2",
    ),
    "row.excluded": (
        "listed in the exclusion list esclusi-2026.csv",
        "presente nell'elenco delle esclusioni esclusi-2026.csv",
    ),
    "row.already_sent": (
        "sent by run RUN (line 2); --force-resend sends again",
        "inviato dall'esecuzione RUN (riga 2); con --force-resend lo si invia di nuovo",
    ),
}


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_the_whole_reason_in_each_language(name: str, tmp_path: Path) -> None:
    english, italian = TEXTS[name]
    for language, expected in (("en", english), ("it", italian)):
        use_language(language)
        folder = tmp_path / language
        folder.mkdir()
        assert EXAMPLES[name](folder).split("|", 1)[1] == expected


def test_verify_notes_in_each_language() -> None:
    check = Check("2", CODE, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    throttled = Retry("http.429", "rate limit exceeded (HTTP 429)", 429)
    server = Retry("get_message.server_error", "server error HTTP 503", 503)
    use_language("it")
    assert gave_up(check, throttled, 3).note == (
        "limite di chiamate superato (HTTP 429) in 3 tentativi: riprovare più tardi"
    )
    assert gave_up(check, server, 1).note == (
        "IO ha risposto HTTP 503 (errore del server) all'unico tentativo, riprovare più tardi"
    )
    assert not_asked() == (
        "not_asked",
        "non ancora richiesto: l'esecuzione si è fermata prima; eseguire di nuovo verify",
    )
    use_language("en")
    assert gave_up(check, throttled, 3).note == "rate limited (HTTP 429) on 3 attempt(s): try later"
    assert not_asked()[1] == "not asked yet: the run stopped first; run verify again"


class _OneBatch:
    """An input of one batch, as reach reads its input."""

    def __init__(self, batch: pl.DataFrame) -> None:
        self._batch = batch

    def batches(self) -> Iterator[pl.DataFrame]:
        return iter([self._batch])


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "as line 2: on IO, and the service may write to this citizen"),
        ("it", "come la riga 2: presente su IO, e il servizio può scrivere a questo cittadino"),
    ],
)
def test_reach_gives_a_later_row_the_first_rows_answer_in_each_language(
    language: str, reason: str, tmp_path: Path
) -> None:
    """A later row of a citizen takes the answer of its checked row, line 2 (found by the
    citizen's code in the journal, never by reading a reason's words), in the run's
    language."""
    use_language(language)
    journal = Journal(tmp_path / "reach.sqlite")
    run = journal.start_run(tmp_path / "reach.csv", "d")
    policy = DuplicatePolicy.ONE_PER_CITIZEN
    assert journal.claim(run.run_id, 2, CODE, "h", duplicates=policy) is None
    duplicate = journal.claim(run.run_id, 3, CODE, "h", duplicates=policy)
    assert duplicate is not None and duplicate.status is Status.DUPLICATE
    allowed = Outcome(Status.REACHABLE, "profile.allowed", _(REACHABLE_REASON), 200, attempts=1)
    journal.record_many(run.run_id, [(2, CODE, allowed), (3, CODE, duplicate)])
    batch = pl.DataFrame({LINE_COLUMN: [2, 3], "cf": [CODE, CODE]})
    same_citizen = _same_citizen_answers(_OneBatch(batch), "cf", journal, run.run_id)
    frame = _reach_frame(
        batch,
        fiscal_column="cf",
        passthrough=["cf"],
        journal=journal,
        run_id=run.run_id,
        same_citizen=same_citizen,
    )
    journal.close()
    later = frame.row(1, named=True)
    assert (later["reach"], later["reason_code"], later["reason"]) == (
        "reachable",
        "row.same_citizen",
        reason,
    )


@pytest.mark.parametrize("name", ["nome", "nome', cognome", "l'anno"])
def test_a_cell_problem_names_its_column_whatever_quotes_the_name_holds(name: str) -> None:
    """The reader's text starts with the column's repr; its reason with the cell, in the
    process's language: the column is read whole, the reason has no trace of it."""
    use_language("it")
    error = xlsx_problem("error", "#N/A", name)
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([5], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([error], dtype=pl.String),
            "cf": [CODE],
            "nome": ["Ada"],
            name: ["#N/A"],
        }
    )
    job = parse_job(
        {
            "input": {"path": "in.csv"},
            "output": {"path": "out.csv"},
            "columns": {"fiscal_code": "cf"},
            "message": {"subject": "Avviso per {nome}", "markdown": "{nome}" + "m" * 80},
            "target": {"kind": "sandbox"},
        },
        source=Path("/jobs/job.toml"),
    )
    columns = ["cf", "nome"] if name == "nome" else ["cf", "nome", name]
    out = validate.validate_batch(
        frame.select(LINE_COLUMN, CSV_ERROR_COLUMN, *columns), job, HeaderColumns(columns)
    )
    assert out.get_column(INVALID_COLUMN).to_list() == [name]
    assert out.get_column(REASON).to_list() == [
        "la cella B5 mostra l'errore #N/A: la sua formula non è stata calcolata, quindi la "
        "cella non ha un valore da inviare; correggere la formula (o scrivere il valore) e "
        "salvare"
    ]


def test_a_refused_key_says_what_to_check_in_each_language() -> None:
    refused = Abort("auth.invalid_key", "the API refused the key (HTTP 401)", 401)
    assert refused.error.hint == (
        "check the API key, and the service's groups and allowed IP ranges in the IO back office"
    )
    use_language("it")
    assert refused.error.hint == (
        "controllare la chiave API, e i gruppi e gli intervalli di IP ammessi del servizio nel "
        "back office di IO"
    )
