"""The dry run shows the e-mail copy IO sends of each previewed message, in each language,
and warns when it shows nothing or only the greeting."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from batch.config.job import Job
from batch.dryrun import run as dryrun
from batch.dryrun.output import ValidationSummary
from batch.errors import ExitCode
from tests.helpers.jobs import parsed_job

CODE = "RSSMRA85T10A562S"
CODE2 = "BNCGLI70A41H501A"
HEADER = "cf;nome\n"
ROWS = f"{CODE};Mario\n{CODE2};Giulia\n"
GOOD = "Gentile {nome},\n\nla rata della TARI 2026 scade il 31 marzo: [paga qui](https://checkout.pagopa.it/pagamento)."
# The greeting, then an address: IO's copy cuts it at 134 and replaces it, so only the
# greeting is left to read (the address swallows the "..." IO adds after the cut).
GREETING_ONLY = (
    "Gentile {nome},\n\nhttps://www.comune.esempio.it/servizi/tributi/tari/2026/avvisi/"
    "rata-unica-con-scadenza-a-marzo-e-modalita-di-pagamento\n\nLa rata scade il 31 marzo."
)
# The office's heading above a '---' line at the end: IO's copy keeps what FOLLOWS it.
EMPTY = "Comune di Esempio, Ufficio Tributi: la rata della TARI 2026 scade il 31 marzo.\n\n---"


def preview_job(tmp_path: Path, markdown: str, **message: Any) -> Job:
    return parsed_job(
        tmp_path / "job.toml",
        input_text=HEADER + ROWS,
        output={"path": "out/results.csv"},
        message={"subject": "TARI 2026 per {nome}", "markdown": markdown} | message,
    )


def run(job: Job) -> tuple[ValidationSummary, str]:
    out = io.StringIO()
    summary = dryrun.run_validate(job, out=out)
    return summary, out.getvalue()


def test_the_copy_is_shown_under_each_preview(tmp_path: Path) -> None:
    summary, text = run(preview_job(tmp_path, GOOD))
    assert summary.exit_code is ExitCode.OK
    assert "Warnings on the e-mail copy" not in text
    # the link keeps its text, loses its address; the markdown marks are gone
    assert (
        "  e-mail:   Gentile Mario,\n"
        "            la rata della TARI 2026 scade il 31 marzo: paga qui.\n"
    ) in text
    assert "  e-mail:   Gentile Giulia,\n" in text


def test_a_copy_with_only_the_greeting_is_a_warning(tmp_path: Path) -> None:
    summary, text = run(preview_job(tmp_path, GREETING_ONLY))
    assert summary.exit_code is ExitCode.OK  # a warning: the rows are valid all the same
    assert (
        "Warnings on the e-mail copy (of the previewed lines, in each language):\n"
        "  email_copy.greeting_only: IO's e-mail copy shows only the greeting\n"
        "    put the point of the message within its first 134 characters\n"
        "    line 2, line 3\n"
    ) in text
    assert "  e-mail:   Gentile Mario,\n            [link rimosso]\n" in text


def test_an_empty_copy_is_a_warning(tmp_path: Path) -> None:
    _summary, text = run(preview_job(tmp_path, EMPTY))
    assert (
        "  email_copy.empty: IO's e-mail copy shows no text, only the subject\n"
        "    the copy keeps the text after the last '---', without links or marks\n"
        "    line 2, line 3\n"
    ) in text
    assert "  e-mail:   (nothing: the copy shows the subject alone)\n" in text


def test_each_language_of_the_job_is_checked(tmp_path: Path) -> None:
    german = {
        "subject": "TARI 2026 für {nome}",
        "markdown": GREETING_ONLY.replace("Gentile", "Sehr geehrte"),
    }
    english = {"subject": "TARI 2026 for {nome}", "markdown": EMPTY}
    job = preview_job(tmp_path, GOOD, de_DE=german, en_GB=english)
    _summary, text = run(job)
    assert "  email_copy.empty: " in text
    assert "    line 2 (en_GB), line 3 (en_GB)\n" in text
    assert "  email_copy.greeting_only: " in text
    assert "    line 2 (de_DE), line 3 (de_DE)\n" in text
    assert "(it_IT)" not in text  # the default language's copy is fine
    assert "  e-mail:   Sehr geehrte Mario,\n            [link rimosso]\n" in text


def test_no_copy_and_no_warning_when_secure_channels_are_required(tmp_path: Path) -> None:
    _summary, text = run(preview_job(tmp_path, EMPTY, require_secure_channels=True))
    assert "  e-mail:" not in text
    assert "Warnings on the e-mail copy" not in text
    assert "Preview of line 2" in text
