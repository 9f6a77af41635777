"""The citizen's language: the profile's first preferred language the job has, else the
row's language column, else the base; and a content key the profile cannot change."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.config.job import Job
from batch.config.job_sections import Columns
from batch.config.languages import MessageVariant
from batch.config.template import Template
from batch.models import Message, Row, Translation
from batch.rules.same_message import content_digest
from batch.sandbox import SandboxConfig, create_app, profile_state
from batch.sandbox.population import preferred_languages
from batch.send.languages import localised, pick_language
from tests.helpers.jobs import in_process_job
from tests.unit.send.test_send_run import new_run, population, results

CODES = ("it_IT", "de_DE", "en_GB", "fr_FR", "es_ES")
DE_SUBJECT = "Mitteilung für {nome}: Frist"
DE_MARKDOWN = (
    "Sehr geehrte/r {nome}, dies ist eine Testnachricht von io-batch, im Prozess gesendet."
)
EN_SUBJECT = "Notice for {nome}: deadline"
EN_MARKDOWN = "Dear {nome}, this is a test message sent by io-batch, in process, to check it all."


def test_the_first_preferred_language_the_job_has_wins() -> None:
    available = ["it_IT", "de_DE", "en_GB"]
    assert pick_language(("fr_FR", "de_DE", "it_IT"), available, "en_GB", "it_IT") == "de_DE"
    assert pick_language(("fr_FR",), available, "en_GB", "it_IT") == "en_GB"  # the column's
    assert pick_language((), available, "en_GB", "it_IT") == "en_GB"
    assert pick_language((), available, "fr_FR", "it_IT") == "it_IT"  # not the job's: base
    assert pick_language((), available, "", "it_IT") == "it_IT"


@given(
    st.lists(st.sampled_from(CODES), max_size=4),
    st.lists(st.sampled_from(CODES), min_size=1, max_size=5, unique=True),
    st.sampled_from(("", *CODES)),
)
def test_the_choice_is_always_a_language_of_the_job(
    preferred: list[str], available: list[str], hint: str
) -> None:
    chosen = pick_language(tuple(preferred), available, hint, available[0])
    assert chosen in available
    matching = [code for code in preferred if code in available]
    if matching:
        assert chosen == matching[0]
    elif hint in available:
        assert chosen == hint
    else:
        assert chosen == available[0]


def _row(hint: str = "") -> Row:
    message = Message("AAAAAA00A00A000A", "Oggetto in italiano", "Testo " * 20)
    translations = (
        Translation("de_DE", "Betreff auf Deutsch", "Text " * 20),
        Translation("en_GB", "Subject in English", "Body " * 20),
    )
    return Row(2, "AAAAAA00A00A000A", message, None, {}, translations, hint)


def test_the_content_key_is_the_same_whatever_the_profile_says() -> None:
    row = _row()
    digest = content_digest(row, "it_IT")
    assert localised(row, "it_IT", ("de_DE",))[1].subject == "Betreff auf Deutsch"
    assert localised(row, "it_IT", ("en_GB", "de_DE"))[0] == "en_GB"
    assert localised(row, "it_IT", ())[1] is row.message
    assert content_digest(_row(hint="de_DE"), "it_IT") == digest  # the hint is no content
    changed = replace(row, translations=(Translation("de_DE", "Anders", "Text " * 20),))
    assert content_digest(changed, "it_IT") != digest  # any language's text is content
    assert row.message is not None
    plain = replace(row, translations=())
    assert content_digest(plain, "it_IT") == row.message.content_hash()  # as before


def three_language_job(tmp_path: Path, codes: list[str], hints: list[str]) -> Job:
    job = in_process_job(tmp_path, codes)
    with (tmp_path / "input.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["codice_fiscale", "nome", "lingua"])
        writer.writerows(
            [c, f"Persona{i}", h] for i, (c, h) in enumerate(zip(codes, hints, strict=True))
        )
    message = replace(
        job.message,
        variants=(
            MessageVariant("de_DE", Template.parse(DE_SUBJECT), Template.parse(DE_MARKDOWN)),
            MessageVariant("en_GB", Template.parse(EN_SUBJECT), Template.parse(EN_MARKDOWN)),
        ),
    )
    return replace(job, message=message, columns=Columns("codice_fiscale", language="lingua"))


def expected_language(code: str, hint: str, config: SandboxConfig) -> str:
    return pick_language(
        preferred_languages(code, config), ["it_IT", "de_DE", "en_GB"], hint, "it_IT"
    )


@pytest.mark.anyio
async def test_each_citizen_gets_their_language_and_the_results_say_which(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0)
    codes = population(80, seed=19)
    hints = ["en-gb" if index % 3 == 0 else "" for index in range(len(codes))]
    job = three_language_job(tmp_path, codes, hints)
    app = create_app(config)
    report = (await new_run(job, app.transport()).run()).report
    assert report.counts == {"sent": 80}
    subjects = {entry.fiscal_code: entry.subject for entry in app.ledger.entries()}
    first = {"it_IT": "Avviso per", "de_DE": "Mitteilung für", "en_GB": "Notice for"}
    rows = results(job)
    chosen = Counter()
    for row, code, hint in zip(rows, codes, hints, strict=True):
        language = expected_language(code, "en_GB" if hint else "", config)
        assert row["language"] == language
        assert subjects[code].startswith(first[language])
        assert row["input.nome"] in subjects[code]
        chosen[language] += 1
    # Every path was taken: profiles in each language, and the column for some with none.
    assert set(chosen) == {"it_IT", "de_DE", "en_GB"}
    no_profile_language = [
        c for c, h in zip(codes, hints, strict=True) if h and not preferred_languages(c, config)
    ]
    assert no_profile_language  # the column decided for these
    assert all(profile_state(code, config) == "allowed" for code in codes)

    # Tomorrow's run of the same file: already sent, whatever the language.
    again = (
        await new_run(replace(job, output=tmp_path / "tomorrow.csv"), app.transport()).run()
    ).report
    assert again.counts == {"already_sent": 80}
    assert app.ledger.count() == 80
