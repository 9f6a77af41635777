"""What the terminal shows, in Italian and in English: the dry run's report and preview,
the summaries at the end of a run, the progress line.

Each Italian text is asserted whole, as an office reads it; the English beside it is the
text that was always printed (English stays the default, word for word).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import batch.i18n as i18n
from batch.common.progress_line import Snapshot, fit_line
from batch.config.job import Job, parse_job
from batch.dryrun import email_preview
from batch.dryrun import run as dryrun
from batch.dryrun.email_preview import EmailCopyWarning
from batch.feed.report import SyncReport
from batch.live.approve import print_approval
from batch.output.run_summary import RunReport
from batch.output.verify_summary import VerifySummary
from batch.reach.output import ReachSummary
from batch.rules.email_copy import Emptiness
from batch.send.approval_record import Approval
from batch.shards.merge_summary import MergeReport

CODE = "RSSMRA85T10A562S"
MARKDOWN = (
    "Gentile {nome},\n\n---\n\nla rata scade presto: paghi entro la scadenza con pagoPA.\n\n"
    "Ufficio Tributi\n\nRiga 4\n\nRiga 5"
)


def _job(tmp_path: Path) -> Job:
    (tmp_path / "in.csv").write_text(
        "cf;nome;scadenza;importo;avviso\n"
        f"{CODE};Mario;2020-01-31;1234,50;302000100000009424\n"
        f"{CODE};Mario;2020-01-31;1234,50;302000100000009424\n"
        "AAAAAA00A00A000A;Prova;2030-06-30;12,50;002000100000009424\n",
        encoding="utf-8",
    )
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out/results.csv"},
        "columns": {
            "fiscal_code": "cf",
            "due_date": "scadenza",
            "amount": "importo",
            "notice_number": "avviso",
        },
        "message": {"subject": "Avviso di pagamento", "markdown": MARKDOWN, "amount_unit": "euro"},
        "target": {"kind": "sandbox"},
    }
    return parse_job(raw, source=tmp_path / "job.toml")


def _dry_run(tmp_path: Path) -> str:
    out = io.StringIO()
    dryrun.run_validate(_job(tmp_path), report_path=Path("out/errori.csv"), out=out)
    # The first line's timing changes from run to run: everything else is exact.
    return re.sub(r" in \S+ s \(\S+ (righe|rows)/s\)", r" in T s (R \1/s)", out.getvalue())


BLANK = " " * 12  # a blank line of the markdown, under its label
PREVIEW_IT = (
    "  oggetto:  Avviso di pagamento\n"
    "  testo:    Gentile Mario,\n"
    f"{BLANK}\n"
    "            ---\n"
    f"{BLANK}\n"
    "            la rata scade presto: paghi entro la scadenza con pagoPA.\n"
    f"{BLANK}\n"
    "            ... (altre 5 righe)\n"
    "  e-mail:   la rata scade presto: paghi entro la scadenza con pagoPA.\n"
    "            Ufficio Tributi\n"
    "            Riga 4\n"
    "            Riga 5\n"
    "  scadenza 31/01/2020 23:59:59; importo 1234,50 euro; codice avviso 302000100000009424\n"
)


def test_the_dry_runs_report_and_preview_in_italian(tmp_path: Path) -> None:
    i18n.use_language("it")
    source = tmp_path / "in.csv"
    assert _dry_run(tmp_path) == (
        f"Controllate 3 righe di {source} (utf-8, separatore ;) in T s (R righe/s); "
        "non è stato inviato nulla.\n"
        "  valide:     3 (2 da inviare)\n"
        "  non valide: 0\n"
        "  duplicati:  1 (criterio send_once: stesso cittadino e stesso contenuto di una "
        "riga precedente, non inviate di nuovo)\n"
        "Avvisi (righe valide, inviate comunque; sono indicate le prime righe):\n"
        "  due_date.past: 2 righe: la scadenza è già passata: IO la accetta, ma il cittadino "
        "vede una scadenza ormai trascorsa\n"
        "    riga 2 (scadenza), riga 3 (scadenza)\n"
        "  fiscal_code.test_citizen: 1 riga: AAAAAA00A00A000A è il cittadino di prova di IO: "
        "IO accetta il messaggio (201) ma non lo recapita a nessuno (i servizi dell'Area "
        "Riservata di IO non hanno una modalità di prova); indicare il codice fiscale di un "
        "destinatario reale\n"
        "    riga 4 (cf)\n"
        "Duplicati: riga 3 (come la riga 2)\n"
        "Tutti i problemi, con riga e colonna: out/errori.csv\n"
        "Anteprima della riga 2 (destinatario RSS************S):\n"
        f"{PREVIEW_IT}"
        "Anteprima della riga 3 (destinatario RSS************S):\n"
        f"{PREVIEW_IT}"
    )


def test_the_dry_runs_report_stays_as_it_was_in_english(tmp_path: Path) -> None:
    text = _dry_run(tmp_path)
    assert text.startswith(
        f"Checked 3 rows of {tmp_path / 'in.csv'} (utf-8, separator ;) in T s (R rows/s); "
        "nothing was sent.\n"
        "  valid:      3 (2 to send)\n"
        "  invalid:    0\n"
        "  duplicates: 1 (policy send_once: same citizen and content as an earlier line, "
        "not sent again)\n"
        "Warnings (valid rows, sent all the same; first lines shown):\n"
        "  due_date.past: 2 row(s): the due date is already past: IO accepts it, but the "
        "citizen sees a deadline that has gone\n"
        "    line 2 (scadenza), line 3 (scadenza)\n"
    )
    assert "Duplicates: line 3 (as line 2)\n" in text
    assert "  subject:  Avviso di pagamento\n  markdown: Gentile Mario,\n" in text
    assert "            ... (5 more lines)\n" in text
    assert "  due 2020-01-31T22:59:59.000Z; amount 1234,50 euro; notice 302000100000009424\n" in (
        text
    )


def test_the_e_mail_copys_warnings_in_italian(tmp_path: Path) -> None:
    i18n.use_language("it")
    out = io.StringIO()
    warnings = [
        EmailCopyWarning(Emptiness.GREETING_ONLY, 2, "it_IT"),
        EmailCopyWarning(Emptiness.EMPTY, 5, "it_IT"),
    ]
    email_preview.write_warnings(warnings, _job(tmp_path), out)
    assert out.getvalue() == (
        "Avvisi sulla copia e-mail (delle righe in anteprima, in ogni lingua):\n"
        "  email_copy.empty: la copia e-mail di IO non mostra alcun testo, solo l'oggetto\n"
        "    la copia riporta il testo dopo l'ultimo '---', senza link né formattazione\n"
        "    riga 5\n"
        "  email_copy.greeting_only: la copia e-mail di IO mostra solo il saluto\n"
        "    mettere il contenuto essenziale del messaggio nei primi 134 caratteri\n"
        "    riga 2\n"
    )


def _run_report() -> RunReport:
    return RunReport(
        job="tari-2026",
        run_id="20261207T160130Z-eb3c0f",
        output="out/risultati.csv",
        rows=12_345,
        counts={"sent": 12_300, "invalid": 40, "failed": 5},
        elapsed_s=754.2,
        calls=24_650,
        throttled=3,
        calls_by_operation={"profile": 12_345, "submit": 12_305},
        calls_per_s=32.68,
        budget="150/5s",
        sent_past_due_date=1,
        planned_end="16/12 18:00",
        pace_calls_per_s=0.5,
        operator="m.rossi",
        approved_by="l.bianchi",
        target="sandbox:embedded",
        journal="state/sandbox-embedded/tari-2026.journal.sqlite",
    )


def test_the_run_summary_in_italian() -> None:
    i18n.use_language("it")
    out = io.StringIO()
    _run_report().print(out)
    assert out.getvalue() == (
        "\n"
        "io-batch: job tari-2026, esecuzione 20261207T160130Z-eb3c0f\n"
        "  sent        12.300\n"
        "  invalid         40\n"
        "  failed           5\n"
        "  totale      12.345\n"
        "durata 12m34s, 24.650 chiamate API (32,68/s, limite 150/5s), 3 rallentate (429)\n"
        "chiamate per operazione: profile 12.345, submit 12.305\n"
        "ritmo regolato per finire entro 16/12 18:00 (ultimo ritmo 30 chiamate/min)\n"
        "1 messaggio è partito con una scadenza già passata (IO lo accetta; l'evento "
        "run.past_due_dates del log elenca le prime righe)\n"
        "da verificare: invalid 40, failed 5 (la colonna reason dei risultati spiega il "
        "motivo; 'io-batch rerun' ritenta le righe failed e pending)\n"
        "eseguito da m.rossi, approvato da l.bianchi\n"
        "risultati: out/risultati.csv\n"
        "destinazione: sandbox:embedded\n"
        "registro: state/sandbox-embedded/tari-2026.journal.sqlite\n"
    )


def test_the_run_summary_in_english_aligns_the_total_too() -> None:
    out = io.StringIO()
    report = _run_report()
    report.counts = {"sent": 12_345}
    report.sent_past_due_date = 0
    report.print(out)
    # "total" is longer than "sent": the counts line up with it (they did not before).
    assert "  sent      12,345\n  total     12,345\n" in out.getvalue()
    assert (
        "elapsed 12m34s, 24,650 API calls, 32.68 calls/s (budget 150/5s), 3 throttled (429)\n"
    ) in out.getvalue()
    assert "run by m.rossi, approved by l.bianchi\n" in out.getvalue()


def test_the_verify_merge_sync_and_reach_summaries_in_italian() -> None:
    i18n.use_language("it")
    verify = VerifySummary(results="out/risultati.csv", output="out/verifica.csv")
    verify.checked, verify.message_status, verify.elapsed_s = 2, {"PROCESSED": 2}, 3.0
    verify.calls, verify.budget = 2, "150/5s"
    merge = MergeReport(job="tari", output="out/tutto.csv", shards=2, rows=3, calls=6)
    merge.counts, merge.budget = {"sent": 3}, "75/5s"
    merge.per_shard = [
        {"shard": "1/2", "rows": 1, "calls": 2, "exit_code": 0, "results": "a.csv"},
        {"shard": "2/2", "rows": 2, "calls": 4, "exit_code": 0, "results": "b.csv"},
    ]
    sync = SyncReport(
        job="tari", store="state/iscritti.sqlite", start="2026-01-01", yesterday="2026-12-06"
    )
    sync.days_fetched, sync.days_missing_before, sync.calls, sync.budget = 1, 1, 4, "150/5s"
    sync.synced_through, sync.subscribers = "2026-12-06", 1_500
    reach = ReachSummary(job="tari", run_id="r1", output="out/raggiungibili.csv", rows=4)
    reach.counts, reach.share_reachable, reach.calls = {"reachable": 3, "invalid": 1}, 0.75, 3
    printed = []
    for summary in (verify, merge, sync, reach):
        out = io.StringIO()
        summary.print(out)
        printed.append(out.getvalue())
    assert printed == [
        "\nio-batch verify: 2 messaggi inviati di out/risultati.csv\n"
        "stato del messaggio:\n"
        "  PROCESSED          2\n"
        "ogni messaggio verificato è stato elaborato da IO\n"
        "durata 0m03s, 2 chiamate API (limite 150/5s), 0 rallentate (429)\n"
        "verifica: out/verifica.csv\n",
        "\nio-batch: job tari, 2 shard uniti\n"
        "  sent            3\n"
        "  totale          3\n"
        "6 chiamate API in tutto, limite di chiamate di ogni shard 75/5s\n"
        "  shard 1/2: 1 riga, 2 chiamate, uscita 0 (a.csv)\n"
        "  shard 2/2: 2 righe, 4 chiamate, uscita 0 (b.csv)\n"
        "risultati: out/tutto.csv\n",
        "\nio-batch: iscritti del job tari\n"
        "  scaricati 1 di 1 giorno mancante in 0m00s, 4 chiamate API (limite 150/5s), "
        "0 rallentate (429)\n"
        "  sincronizzato dal 2026-01-01 al 2026-12-06 (ieri: 2026-12-06); 1.500 iscritti\n"
        "archivio: state/iscritti.sqlite\n",
        "\nio-batch reach: job tari, esecuzione r1\n"
        "  reachable                   3\n"
        "  invalid                     1\n"
        "Raggiungibili su IO: 3 di 4 righe (75,0%); per gli altri serve un altro canale.\n"
        "CSV di raggiungibilità: out/raggiungibili.csv (3 verifiche del profilo, nessun "
        "messaggio inviato)\n",
    ]


CAMPAIGN = Snapshot("", 1_234, 5_000, 16.2, 232.0, {"failed": 2, "sent": 1_200})


@pytest.mark.parametrize(
    ("language", "columns", "line"),
    [
        ("it", 80, "[#####-------------------] 1234/5000  25% 16,2 righe/s fine tra 3m52s ..."),
        # Narrower: the counts go, then the bar shrinks; the words stay whole.
        ("it", 60, "[###-----------] 1234/5000  25% 16,2 righe/s fine tra 3m52s"),
        ("en", 80, "[#####-------------------] 1234/5000  25% 16.2 rows/s ETA 3m52s sent=1200 ..."),
    ],
)
def test_the_progress_line(language: str, columns: int, line: str) -> None:
    i18n.use_language(language)
    assert fit_line(CAMPAIGN, "rows", columns) == line
    assert len(line) < columns


def test_the_progress_lines_labels_and_units_in_italian() -> None:
    i18n.use_language("it")
    reading = Snapshot("validating", 1_234_567, None, 51_234.5, None, {})
    assert fit_line(reading, "rows", 80) == "controllo 1.234.567 righe 51.234 righe/s"
    verifying = Snapshot("check", 3, 4, 2.0, 0.5, {"PROCESSED": 3})
    assert fit_line(verifying, "checks", 100) == (
        "verifica [##################------] 3/4  75% 2,0 verifiche/s fine tra 0m00s PROCESSED=3"
    )
    # A label the run wrote in the office's language already (the pace's) shows as it is.
    paced = Snapshot("ritmo 30 chiamate/min, fine 16/12 18:00", 1, 2, 0.5, 2.0, {})
    assert fit_line(paced, "rows", 100).startswith("ritmo 30 chiamate/min, fine 16/12 18:00 [")


def _approval() -> Approval:
    return Approval(
        job="tari",
        approved_by="l.bianchi",
        approved_at="2026-12-07T10:00:00Z",
        input_path="tari.csv",
        input_digest="ab12",
        exclude_digest="",
        message_digest="cd34",
        message_parts={},
        target="io:https://api.io.pagopa.it/api/v1",
        pilot_digest="",
        counts={"to_send": 1_200, "invalid": 3, "excluded": 0, "duplicates": 2, "rows": 1_205},
    )


@pytest.mark.parametrize(
    ("language", "printed"),
    [
        (
            "it",
            "io-batch: job tari approvato da l.bianchi\n"
            "  file          tari.csv (SHA-256 ab12)\n"
            "  messaggio     SHA-256 cd34\n"
            "  destinazione  io:https://api.io.pagopa.it/api/v1\n"
            "  prova pilota  nessuna\n"
            "  prova         1.200 da inviare, 3 non valide, 0 escluse, 2 duplicate (1.205 righe)\n"
            "approvazione: out/tari.approval.json\n",
        ),
        (
            "en",
            "io-batch: job tari approved by l.bianchi\n"
            "  input     tari.csv (SHA-256 ab12)\n"
            "  message   SHA-256 cd34\n"
            "  target    io:https://api.io.pagopa.it/api/v1\n"
            "  pilot     none\n"
            "  dry run   1,200 to send, 3 invalid, 0 excluded, 2 duplicates (1,205 rows)\n"
            "approval: out/tari.approval.json\n",
        ),
    ],
)
def test_the_approvals_summary_keeps_its_columns_aligned(
    language: str, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    i18n.use_language(language)
    print_approval(_approval(), "out/tari.approval.json")
    assert capsys.readouterr().out == printed
