"""Every language's template is held to the header and to IO's lengths, before any call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batch.config.job import Job, parse_job
from batch.errors import ConfigError
from batch.input.columns import HeaderColumns
from batch.rules.plan import INVALID_COLUMN, LANGUAGE, REASON
from batch.rules.rows import to_rows
from tests.helpers.jobs import parsed_job
from tests.unit.rules.test_validate import CODE, EMOJI, check, reasons, row


def language_job(**extra: Any) -> Job:
    return parsed_job(
        message={
            "de_DE": {"subject": "Mitteilung {anrede}", "markdown": "{anrede}" + "d" * 80},
            "en_GB": {"subject": "Notice {nome}", "markdown": "{nome}" + "e" * 80},
        },
        **extra,
    )


def test_each_languages_lengths_are_checked_under_both_counts() -> None:
    job = language_job()
    out = check(
        job,
        row(anrede="Herr"),  # every language fits
        row(anrede="x" * 120),  # the German subject is too long, the others fit
        row(anrede=EMOJI),  # German "Mitteilung 😀": fits (12 code points, 13 units)
        row(nome="M", anrede="Herr"),  # the base subject is 11 points: fits; en 8: short
    )
    assert reasons(out) == [None, "subject.too_long", None, "subject.too_short"]
    columns = out.get_column(INVALID_COLUMN).to_list()
    assert columns[1] == "message.de_DE.subject"
    assert columns[3] == "message.en_GB.subject"
    reason = out.get_column(REASON).to_list()
    assert reason[1].startswith("the de_DE subject is 131 UTF-16 units (131 code points)")
    assert reason[3].startswith("the en_GB subject is 8 code points (8 UTF-16 units)")


def test_the_base_message_is_named_first_when_several_languages_fail() -> None:
    out = check(language_job(), row(nome="M" * 120, anrede="Herr"))
    assert out.get_column(INVALID_COLUMN).to_list() == ["message.subject"]
    assert out.get_column(REASON).to_list()[0].startswith("the subject is 131")


def test_every_languages_placeholders_are_required_columns() -> None:
    job = language_job()
    # What the input's header is checked against before anything is read or sent.
    assert job.required_columns() == ["cf", "nome", "anrede"]


def test_a_language_template_too_long_without_placeholders_stops_the_job() -> None:
    job = parsed_job(message={"de_DE": {"subject": "x" * 121, "markdown": "d" * 80}})
    with pytest.raises(ConfigError, match=r"message\.de_DE\.subject is 121 UTF-16 units"):
        check(job, row())


def test_the_language_column_is_read_as_ios_codes() -> None:
    job = language_job(columns={"language": "lingua"})
    out = check(
        job,
        row(anrede="Herr", lingua=" de-de "),
        row(anrede="Herr", lingua="EN_gb"),
        row(anrede="Herr", lingua=""),
        row(anrede="Herr", lingua="deutsch"),
    )
    assert reasons(out) == [None, None, None, "language.format"]
    assert out.get_column(LANGUAGE).to_list()[:3] == ["de_DE", "en_GB", ""]
    assert out.get_column(INVALID_COLUMN).to_list()[3] == "lingua"
    rows = list(to_rows(out.head(3), job, HeaderColumns(["cf", "nome", "anrede", "lingua"])))
    assert [r.language_hint for r in rows] == ["de_DE", "en_GB", ""]
    assert [t.language for t in rows[0].translations] == ["de_DE", "en_GB"]
    assert rows[0].translations[0].subject == "Mitteilung Herr"
    assert rows[0].message is not None and rows[0].message.fiscal_code == CODE


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"german": {"subject": "s" * 10, "markdown": "m" * 80}}, "not a language"),
        ({"de_DE": {"subject": "s" * 10}}, r"message\.de_DE\.markdown is required"),
        ({"de_DE": {"subject": "s" * 10, "markdown": "m" * 80, "x": 1}}, "unknown key"),
        ({"it_IT": {"subject": "s" * 10, "markdown": "m" * 80}}, "repeats the base"),
        ({"language": "italian"}, "message.language must be a language code"),
    ],
)
def test_language_tables_are_checked(message: dict[str, object], error: str) -> None:
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "message": {"subject": "s {a}", "markdown": "m {a}"} | message,
        "target": {"kind": "sandbox"},
    }
    with pytest.raises(ConfigError, match=error):
        parse_job(raw, source=Path("/jobs/job.toml"))
