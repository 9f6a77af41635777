"""The HTML report in Italian, end to end: ``send JOB --lang it`` with ``[output] report =
true`` against the sandbox on 127.0.0.1 (the report is written by a child process, which
must speak the run's language, not its locale's), then ``verify`` and ``report`` with
``--lang it``; and the neighbours: the job's ``[output] language``, the locale, and a
command line that says otherwise."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch.models import NEEDS_ATTENTION
from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job
from tests.helpers.html_report import number, parse_report

pytestmark = pytest.mark.e2e

ENGLISH = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def _lang(html: str) -> str:
    found = re.search(r'<html lang="(\w+)">', html)
    assert found is not None
    return found.group(1)


def test_send_verify_and_report_with_lang_it_write_the_report_in_italian(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    # Enough messages that some end FAILED whatever the ids drawn (0.5^20: never).
    sandbox = sandbox_factory(SandboxConfig(processing_delay=0.1, failed_ratio=0.5))
    rows = [[code, f"Nome{index}"] for index, code in enumerate(population(30, seed=29))]
    rows.append(["RSSMRA85T10A562X", "Sbagliato"])  # a wrong check character: invalid
    write_csv(tmp_path / "input.csv", ["codice_fiscale", "nome"], rows)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=40)
    job.write_text(
        job.read_text(encoding="utf-8").replace(
            'path = "results.csv"', 'path = "results.csv"\nreport = true'
        ),
        encoding="utf-8",
    )
    report = tmp_path / "results.report.html"

    sent = run_io_batch(["send", str(job), "--lang", "it"], env=ENGLISH)
    assert sent.code == 1, sent.stderr  # the invalid row needs attention
    html = report.read_text(encoding="utf-8")
    assert _lang(html) == "it"
    page = parse_report(report)
    counts = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert counts["sent"] > 0 and counts["invalid"] == 1
    attention = sum(counts[status.value] for status in NEEDS_ATTENTION)
    assert "<h1>Report della campagna: e2e</h1>" in html
    assert page.table("outcomes")[0].cells == [
        "stato",
        "righe",
        "percentuale",
        "",
        "codici motivo principali",
    ]
    assert number(page.cards["need attention"]) == attention
    assert re.search(r"Generato il \d\d/\d\d/20\d\d \d\d:\d\d UTC", html)

    verified = run_io_batch(
        ["--lang", "it", "verify", str(tmp_path / "results.csv"), "--job", str(job), "--wait"],
        env=ENGLISH,
    )
    assert verified.code in (0, 1), verified.stderr
    html = report.read_text(encoding="utf-8")  # written again by verify's hook
    assert _lang(html) == "it"
    assert "<h2>Che cosa ha fatto IO dei messaggi inviati (verifica)</h2>" in html
    statuses = Counter(row["message_status"] for row in read_rows(tmp_path / "results.verify.csv"))
    assert statuses["FAILED"] > 0, "the sandbox should have failed some messages"
    # the card counts IO's failures too, and says so in Italian
    failed = statuses["FAILED"]
    detail = (
        f"da controllare: {attention} per lo stato nel file dei risultati, {failed} FAILED su IO"
    )
    assert detail in html
    assert number(parse_report(report).cards["need attention"]) == attention + statuses["FAILED"]

    output = tmp_path / "elsewhere" / "campagna.html"
    made = run_io_batch(
        [
            "report",
            str(tmp_path / "results.csv"),
            "--job",
            str(job),
            "--verify",
            str(tmp_path / "results.verify.csv"),
            "--output",
            str(output),
            "--lang",
            "it",
        ],
        env=ENGLISH,
    )
    assert made.code == 0, made.stderr
    assert f"io-batch: report scritto in {output}" in made.stdout
    html = output.read_text(encoding="utf-8")
    assert _lang(html) == "it"
    assert "<h2>Percorso delle righe</h2>" in html
    # The chart's text alternative, its statuses most frequent first (FAILED and
    # PROCESSED come in either order, as the sandbox draws them).
    assert re.search(r"Stato su IO dei messaggi controllati: [^<]*PROCESSED ", html)

    # The neighbours, on the same files: the job's [output] language, the locale, and
    # a command line that overrides both.
    job.write_text(
        job.read_text(encoding="utf-8").replace("report = true", 'report = true\nlanguage = "it"'),
        encoding="utf-8",
    )
    again = [str(tmp_path / "results.csv"), "--job", str(job), "--output", str(output)]
    assert run_io_batch(["report", *again], env=ENGLISH).code == 0
    assert _lang(output.read_text(encoding="utf-8")) == "it"
    assert run_io_batch(["report", *again, "--lang", "en"], env=ENGLISH).code == 0
    english = output.read_text(encoding="utf-8")
    assert _lang(english) == "en" and "<h1>Campaign report: e2e</h1>" in english
    job.write_text(
        job.read_text(encoding="utf-8").replace('\nlanguage = "it"', ""), encoding="utf-8"
    )
    italian_locale = {"LANG": "it_IT.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    assert run_io_batch(["report", *again], env=italian_locale).code == 0
    assert _lang(output.read_text(encoding="utf-8")) == "it"
