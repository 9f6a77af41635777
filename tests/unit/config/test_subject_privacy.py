"""``[message]`` / ``[guard] subject_placeholders``: parsed with the job, every language's
subject searched, every mistake a ConfigError naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batch.config.job import load_job, parse_job
from batch.config.subject_privacy import OnUndeclared, Undeclared
from batch.errors import ConfigError

SOURCE = Path("/jobs/example.toml")
REPO = Path(__file__).parents[3]


def job_with(message: dict[str, Any], guard: dict[str, Any] | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "input": {"path": "in.csv"},
        "output": {"path": "out/results.csv"},
        "message": {"markdown": "Body {nome}", **message},
        "target": {"kind": "sandbox"},
    }
    if guard is not None:
        raw["guard"] = guard
    return raw


def test_by_default_every_subject_placeholder_is_undeclared_and_warns() -> None:
    job = parse_job(job_with({"subject": "Avviso {anno} per {nome} {nome}"}), source=SOURCE)
    privacy = job.subject_privacy
    assert privacy.on_undeclared is OnUndeclared.WARN
    assert privacy.undeclared == (
        Undeclared("anno", ("message.subject",)),
        Undeclared("nome", ("message.subject",)),
    )


def test_declared_names_are_left_out_and_every_language_and_section_counts() -> None:
    message = {
        "subject": "Avviso {anno}{?nota} con nota{/nota}",
        "subject_placeholders": ["anno"],
        "de_DE": {"subject": "Hinweis {anno} für {cognome}", "markdown": "Text {nome}"},
        "en_GB": {"subject": "Notice {cognome}", "markdown": "Text {nome}"},
    }
    job = parse_job(job_with(message, {"subject_placeholders": "refuse"}), source=SOURCE)
    privacy = job.subject_privacy
    assert privacy.declared == ("anno",)
    assert privacy.on_undeclared is OnUndeclared.REFUSE
    assert privacy.undeclared == (
        Undeclared("nota", ("message.subject",)),  # whether it shows says something too
        Undeclared("cognome", ("message.de_DE.subject", "message.en_GB.subject")),
    )
    text = privacy.describe()
    assert "{nota} (message.subject), {cognome} (message.de_DE.subject, message.en_GB.subject)" in (
        text
    )
    assert '[message] subject_placeholders = ["nota", "cognome"]' in text


def test_a_subject_without_placeholders_needs_no_declaration() -> None:
    job = parse_job(job_with({"subject": "Avviso di pagamento TARI"}), source=SOURCE)
    assert job.subject_privacy.undeclared == ()


@pytest.mark.parametrize(
    ("message", "guard", "error"),
    [
        (
            {"subject": "Avviso {anno}", "subject_placeholders": ["Anno"]},
            None,
            "message.subject_placeholders names 'Anno', which no subject uses "
            "(the subjects use: {anno})",
        ),
        (
            {"subject": "Avviso fisso", "subject_placeholders": ["anno"]},
            None,
            "(the subjects use: no placeholder)",
        ),
        ({"subject": "Avviso {anno}", "subject_placeholders": "anno"}, None, "list of strings"),
        ({"subject": "Avviso {anno}"}, {"subject_placeholders": "block"}, "warn, refuse"),
        ({"subject": "Avviso {anno}"}, {"subject_placeholders": True}, "must be a string"),
    ],
)
def test_mistakes_are_config_errors(
    message: dict[str, Any], guard: dict[str, Any] | None, error: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_job(job_with(message, guard), source=SOURCE)
    assert error in str(raised.value)


def test_the_demo_declares_its_subject_placeholders_and_so_does_its_errata() -> None:
    for name in ("demo.toml", "demo-errata.toml"):
        job = load_job(REPO / "jobs" / name)
        assert job.subject_privacy.declared == ("anno", "scadenza")
        assert job.subject_privacy.undeclared == ()
