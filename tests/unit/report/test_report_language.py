"""The HTML report in the office's language: the same campaign rendered in Italian and in
English, every heading, card, table header, chart text alternative and number as each
language writes it; the page's keys (``data-*``) and the codes of the files as written.
And the report's child process, which must speak the run's language, not its own
locale's (the suite runs with ``LANG=C.UTF-8``: English)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from batch.config.job import load_job
from batch.errors import InputError
from batch.i18n import use_language
from batch.report import charts, timeline
from batch.report.child import main as child_main
from batch.report.hook import report_after_run
from tests.helpers.html_report import ParsedReport
from tests.helpers.report_campaign import JOB_TOML, Campaign

HEADINGS = {
    "it": [
        "Report della campagna: tari",
        "Percorso delle righe",
        "Esiti per stato",
        "Righe non valide per motivo",
        "Invii nel tempo",
        "pause per risposta 429",
        "Che cosa ha fatto IO dei messaggi inviati (verifica)",
        "stato del messaggio",
        "stato di lettura",
        "stato del pagamento",
        "note",
        "Esecuzioni",
    ],
    "en": [
        "Campaign report: tari",
        "Funnel",
        "Outcomes by status",
        "Invalid rows by reason",
        "Throughput over time",
        "429 pauses",
        "What IO did with the sent messages (verify)",
        "message status",
        "read status",
        "payment status",
        "notes",
        "Runs",
    ],
}
CARDS = {
    "it": [
        "righe nel file",
        "inviate a IO",
        "PROCESSED su IO",
        "da controllare: 5 per lo stato nel file dei risultati, 1 REJECTED su IO",
    ],
    "en": [
        "rows in the file",
        "sent to IO",
        "PROCESSED by IO",
        "need attention: 5 rows by their status, 1 REJECTED on IO",
    ],
}
HEADERS = {
    "it": {
        "funnel": ["passaggio", "righe", "", "percentuale", "perse qui, e perché"],
        "outcomes": ["stato", "righe", "percentuale", "", "codici motivo principali"],
        "invalid-reasons": [
            "codice motivo",
            "righe",
            "",
            "prime righe (codici fiscali mascherati)",
        ],
        "pauses": ["inizio (UTC)", "fine", "durata", "risposte 429"],
        "runs": ["", "esecuzione 1"],
        "verify-message-status": ["stato del messaggio", "messaggi", "percentuale", ""],
    },
    "en": {
        "funnel": ["step", "rows", "", "share", "not further, and why"],
        "outcomes": ["status", "rows", "share", "", "main reason codes"],
        "invalid-reasons": ["reason code", "rows", "", "first lines (fiscal codes masked)"],
        "pauses": ["start (UTC)", "end", "length", "429 answers"],
        "runs": ["", "run 1"],
        "verify-message-status": ["message status", "messages", "share", ""],
    },
}
FUNNEL_TEXT = {
    "it": (
        "Percorso delle righe: quante a ogni passaggio: righe nel file 17, valide 14, non "
        "escluse 13, raggiungibili su IO 8, inviate a IO 7, PROCESSED su IO 5, lette 3, "
        "pagate 2."
    ),
    "en": (
        "Funnel: rows at each step: rows in the file 17, valid 14, not excluded 13, "
        "reachable on IO 8, sent to IO 7, PROCESSED by IO 5, read 3, paid 2."
    ),
}
TIME_TEXT = {
    "it": (
        "Messaggi inviati ogni 2 s, tra 02/03/2026 10:00:01 e 10:02:10 UTC: 6 in tutto; il "
        "periodo con più invii ne conta 2 (alle 10:00:02), la mediana è 1 (considerando i "
        "periodi di 2 s con almeno un invio). Le pause per risposta 429 hanno occupato metà "
        "del tempo o più in 3 tra i periodi di 2 s (rosso) e da un quarto a metà del tempo "
        "in 0 (ambra)."
    ),
    "en": (
        "Messages sent per 2 s, from 2026-03-02 10:00:01 to 10:02:10 UTC: 6 in all; the "
        "busiest 2 s 2 at 10:00:02, the median 1 (over the 2 s periods with a send). 429 "
        "pauses took 3 of the 2 s periods for half their time or more (red) and 0 for a "
        "quarter to half (amber)."
    ),
}
FACTS = {
    "it": {
        "sending took": "2 min 10 s (tra 02/03/2026 10:00:01 e 10:02:10 UTC)",
        "average rate": "2,8 messaggi al minuto",
        "busiest calendar minute": "messaggi: 3 (alle 10:00 UTC)",
        "longest pause": "3 s dalle 10:01:01 UTC",
    },
    "en": {
        "sending took": "2 min 10 s (2026-03-02 10:00:01 to 10:02:10 UTC)",
        "average rate": "2.8 messages per minute",
        "busiest calendar minute": "3 messages (10:00 UTC)",
        "longest pause": "3 s from 10:01:01 UTC",
    },
}
READ_STEP = {
    "it": ["lette", "3", "", "60,0% di PROCESSED su IO", "UNREAD 2"],
    "en": ["read", "3", "", "60.0% of PROCESSED by IO", "UNREAD 2"],
}
MADE = {
    "it": r"Generato il \d\d/\d\d/20\d\d \d\d:\d\d UTC da <code>[^<]+</code>; verifica <code>",
    "en": r"Generated 20\d\d-\d\d-\d\d \d\d:\d\d UTC from <code>[^<]+</code>; verification <code>",
}
CHECKED = {
    "it": "Messaggi controllati: 7; chiamate: 8, con risposta 429: 1.",
    "en": "7 message(s) checked; 8 call(s), 1 answered 429.",
}
FOOTER = {
    "it": "I codici fiscali sono mascherati come nei log. Questo file è autonomo: non carica "
    "nulla dalla rete. Prodotto da io-batch.",
    "en": "Fiscal codes are masked as in the logs. This file is self-contained: it loads "
    "nothing from the network. Made by io-batch.",
}
ITALIAN_MARKS = ('<html lang="it">', "Report della campagna: tari", "Percorso delle righe")


def _rendered(campaign: Campaign, language: str) -> tuple[str, ParsedReport]:
    use_language(language)
    output, page = campaign.report(verify=campaign.verify)
    return output.read_text(encoding="utf-8"), page


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_page_speaks_the_language_in_every_heading_card_and_table_header(
    campaign: Campaign, language: str
) -> None:
    html, page = _rendered(campaign, language)
    assert re.search(r'<html lang="(\w\w)">', html).group(1) == language  # type: ignore[union-attr]
    assert re.findall(r"<h[123]>(.*?)</h[123]>", html) == HEADINGS[language]
    title = HEADINGS[language][0].replace("Report della campagna", "Report di io-batch")
    title = title.replace("Campaign report", "io-batch report")
    assert f"<title>{title}</title>" in html
    labels = re.findall(r'<div class="label">(.*?)</div>', html)
    assert labels == CARDS[language]
    # the cards' keys stay English whatever the language (scripts and tests read them)
    assert list(page.cards) == [
        "rows in the file",
        "sent to IO",
        "PROCESSED by IO",
        "need attention",
    ]
    for table, header in HEADERS[language].items():
        assert page.table(table)[0].cells == header, table
    assert re.search(MADE[language], html)
    assert CHECKED[language] in page.text()
    footer = re.search(r"<footer><p>(.*?)</p></footer>", html)
    assert footer is not None
    assert re.sub(r"<[^>]+>", "", footer.group(1)) == FOOTER[language]
    assert '<span class="nowrap">io-batch</span>' in footer.group(1)  # never cut at "io-"


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_charts_text_alternatives_and_the_facts_speak_the_language(
    campaign: Campaign, language: str
) -> None:
    html, page = _rendered(campaign, language)
    assert page.captions[0] == FUNNEL_TEXT[language]
    assert page.captions[3] == TIME_TEXT[language]
    for chart_id, caption in (("funnel-chart", 0), ("throughput-chart", 3)):
        assert f'<desc id="{chart_id}-desc">{escape(page.captions[caption])}</desc>' in html
    time_title = {"it": "Messaggi inviati ogni 2 s (UTC)", "en": "Messages sent per 2 s (UTC)"}
    assert f'<title id="throughput-chart-title">{time_title[language]}</title>' in html
    legend = {
        "it": "in pausa per metà del periodo o più",
        "en": "paused half the period or more",
    }
    assert f"</span>{legend[language]}</span>" in html
    facts = {row.attrs["data-fact"]: row.cells[1] for row in page.table("throughput")}
    assert {name: facts[name] for name in FACTS[language]} == FACTS[language]
    # the step's key English, its name and its share in the language
    assert page.by("funnel", "data-step")["read"] == READ_STEP[language]
    runs = {fact: cells[1:] for fact, cells in page.by("runs", "data-fact").items()}
    day = {"it": r"\d\d/\d\d/20\d\d \d\d:\d\d:\d\d", "en": r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d"}
    assert re.fullmatch(day[language], runs["started (UTC)"][0])


def test_status_and_reason_codes_stay_as_the_files_write_them(campaign: Campaign) -> None:
    _, page = _rendered(campaign, "it")
    outcomes = page.by("outcomes", "data-status")
    assert outcomes["not_registered"][:3] == ["not_registered", "2", "11,8%"]
    assert outcomes["not_registered"][4] == "profile.not_found 2"
    read = page.by("verify-read-status", "data-status")
    # IO's codes as IO writes them; the report's own "no status" in Italian
    assert [cells[0] for cells in read.values()] == ["READ", "UNREAD", "nessuno stato"]
    assert list(read) == ["READ", "UNREAD", "no status"]


def test_large_numbers_and_periods_as_italian_writes_them() -> None:
    start = int(datetime(2026, 12, 16, 9, 0, tzinfo=UTC).timestamp())
    data = timeline.throughput({start: 700, start + 3600: 1300}, [])
    assert data is not None and data.bucket_s == 60
    use_language("it")
    assert charts.throughput(data).caption == (
        "Messaggi inviati ogni minuto, tra 16/12/2026 09:00:00 e 10:00:00 UTC: 2.000 in "
        "tutto; il periodo con più invii ne conta 1.300 (alle 10:00:00), la mediana è 1.000 "
        "(considerando i minuti con almeno un invio)."
    )
    # the numbers drawn in the SVG too: the column chart's axis, a bar's value
    assert ">1.300</text>" in charts.throughput(data).svg
    drawn = charts.bars("status-chart", {"sent": 830_322}, title=charts.STATUS_TITLE)
    assert drawn is not None and ">830.322</text>" in drawn.svg
    assert drawn.caption == "Righe per stato finale: sent 830.322."
    use_language("en")
    assert ">1,300</text>" in charts.throughput(data).svg
    assert charts.throughput(data).caption == (
        "Messages sent per minute, from 2026-12-16 09:00:00 to 10:00:00 UTC: 2,000 in all; "
        "the busiest minute 1,300 at 10:00:00, the median 1,000 (over the minutes with a send)."
    )


def _job_with_report(folder: Path, language: str | None = None) -> Path:
    output = 'state_dir = "state"\nreport = true'
    if language is not None:
        output += f'\nlanguage = "{language}"'
    job = folder / "job.toml"
    job.write_text(JOB_TOML.replace('state_dir = "state"', output), encoding="utf-8")
    return job


@pytest.mark.parametrize("job_language", [None, "en"])
def test_the_report_child_speaks_the_runs_language_not_its_locale(
    tmp_path: Path,
    campaign: Campaign,
    monkeypatch: pytest.MonkeyPatch,
    job_language: str | None,
) -> None:
    """A run in Italian (``--lang it``) whose job names no language, or English: the
    child's locale is English, so only the language it is handed makes it Italian."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    job = load_job(_job_with_report(tmp_path, job_language))
    use_language("it")  # as cli.main does for --lang it
    report_after_run(job, campaign.results, verify=campaign.verify)
    html = (tmp_path / "results.report.html").read_text(encoding="utf-8")
    for mark in ITALIAN_MARKS:
        assert mark in html


def test_the_report_child_alone_speaks_the_jobs_language_then_the_locales(
    tmp_path: Path, campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "results.report.html"
    monkeypatch.setenv("LANG", "C.UTF-8")
    # in this process, the child's "kill me first" would mark the test run itself
    monkeypatch.setattr("batch.report.child.OOM_SCORE_ADJ", tmp_path / "oom_score_adj")
    job = _job_with_report(tmp_path, "it")
    assert child_main([str(job), str(campaign.results)]) == 0
    assert '<html lang="it">' in report.read_text(encoding="utf-8")
    assert child_main([str(job), str(campaign.results), "--lang", "en"]) == 0
    assert '<html lang="en">' in report.read_text(encoding="utf-8")
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    assert child_main([str(_job_with_report(tmp_path)), str(campaign.results)]) == 0
    assert '<html lang="it">' in report.read_text(encoding="utf-8")


def test_the_report_refuses_a_wrong_file_in_the_language(campaign: Campaign) -> None:
    use_language("it")
    missing = campaign.folder / "nessuno.csv"
    with pytest.raises(InputError) as refused:
        campaign.report(chain=[missing])
    assert str(refused.value) == f"file dei risultati non trovato: {missing}"
    job = campaign.folder / "job.toml"
    with pytest.raises(InputError) as refused:
        campaign.report(chain=[job])
    assert str(refused.value).startswith(
        f"{job} non è un file dei risultati di io-batch "
        "(la sua intestazione deve cominciare con line,fiscal_code,status,"
    )
    with pytest.raises(InputError) as refused:
        campaign.report(verify=campaign.results)
    assert str(refused.value).startswith(
        f"{campaign.results} non è un file di verifica di io-batch"
    )


def test_a_translation_is_text_never_markup(
    campaign: Campaign, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A translator's ``<`` or ``&`` is shown as written, in the sentences that carry
    markup of their own (a file's name in ``<code>``) too."""
    for module in ("batch.report.page", "batch.report.page_runs"):
        monkeypatch.setattr(f"{module}._", lambda text: f"<b>&{text}")
    output, page = campaign.report(verify=campaign.verify)
    html = output.read_text(encoding="utf-8")
    assert "<b>" not in html
    assert "&lt;b&gt;&amp;Generated " in html  # the sentence escaped, its <code> kept
    assert f"<code>{campaign.results}</code>" in html
    assert "&lt;b&gt;&amp;{checked} message(s)" not in html  # filled after escaping
    assert page.table("funnel")[0].cells[0] == "<b>&step"
