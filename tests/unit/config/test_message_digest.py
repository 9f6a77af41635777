"""The message part of a job as digests: stable, one per key, changed by what goes out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.config.job import Job, parse_job
from batch.config.message_digest import changed_parts, message_digest, message_parts
from batch.config.pilot import parse_pilot_section
from batch.config.toml_table import Table
from batch.errors import ConfigError

SOURCE = Path("/jobs/tari.toml")


def job(**changes: dict[str, Any]) -> Job:
    raw: dict[str, Any] = {
        "input": {"path": "in.csv"},
        "output": {"path": "out/results.csv"},
        "columns": {"amount": "importo", "notice_number": "avviso"},
        "message": {
            "subject": "Avviso per {nome}",
            "markdown": "Gentile {nome}, ...",
            "de_DE": {"subject": "Mitteilung für {nome}", "markdown": "Sehr geehrte/r {nome}"},
        },
        "target": {"kind": "io"},
    }
    for section, values in changes.items():
        raw.setdefault(section, {}).update(values)
    return parse_job(raw, source=SOURCE)


def test_the_same_job_gives_the_same_digest_and_a_fixed_one() -> None:
    assert message_digest(job()) == message_digest(job())
    # The digest is the job's, not the process's: pinned, so a change of the algorithm
    # (which would invalidate every approval and pilot record) is a deliberate one.
    assert len(message_digest(job())) == 64
    assert set(message_parts(job())) >= {
        "message.subject",
        "message.markdown",
        "message.de_DE.subject",
        "message.de_DE.markdown",
        "message.feature_level_type",
        "columns.amount",
        "columns.notice_number",
        "columns.fiscal_code",
    }


def test_each_change_is_named_by_its_job_file_key() -> None:
    base = message_parts(job())
    german = {"subject": "Mitteilung für {nome}", "markdown": "Liebe/r {nome}"}
    cases = {
        "message.de_DE.markdown": job(message={"de_DE": german}),
        "message.feature_level_type": job(message={"feature_level_type": "ADVANCED"}),
        "columns.amount": job(columns={"amount": "totale"}),
        "message.duplicates": job(message={"duplicates": "send_all"}),
        "message.time_to_live": job(message={"time_to_live": 3600}),
    }
    for name, changed in cases.items():
        assert changed_parts(base, message_parts(changed)) == [name]
        assert message_digest(changed) != message_digest(job())


def test_where_and_how_fast_are_not_part_of_the_message() -> None:
    moved = job(
        target={"base_url": "https://other.example"},
        rate={"calls": 10},
        output={"path": "elsewhere.csv"},
        input={"path": "other.csv"},
    )
    assert message_digest(moved) == message_digest(job())


def test_a_language_added_or_removed_is_named() -> None:
    base = message_parts(job())
    english = job(message={"en_GB": {"subject": "Notice for {nome}", "markdown": "Dear {nome}"}})
    added = ["message.en_GB.markdown", "message.en_GB.subject"]
    assert changed_parts(base, message_parts(english)) == added
    assert changed_parts(message_parts(english), base) == added  # removed: the same names


SUBJECTS = st.text(min_size=1, max_size=40).filter(str.strip)  # a blank one is no subject


@given(SUBJECTS, SUBJECTS)
def test_two_subjects_have_the_same_digest_exactly_when_they_are_equal(
    first: str, second: str
) -> None:
    def digest(subject: str) -> str:
        escaped = subject.replace("{", "{{").replace("}", "}}")
        return message_digest(job(message={"subject": escaped}))

    assert (digest(first) == digest(second)) == (first == second)


def test_the_pilot_section_is_relative_to_the_job_file() -> None:
    assert parse_pilot_section(Table({"input": "p/pilot.csv"}, "pilot"), Path("/jobs")) == Path(
        "/jobs/p/pilot.csv"
    )
    assert parse_pilot_section(Table({}, "pilot"), Path("/jobs")) is None
    assert job(pilot={"input": "../colleghi.csv"}).pilot_input == Path("/colleghi.csv")
    assert job(guard={"require_approval": True}).guard.require_approval
    assert not job().guard.require_approval
    with pytest.raises(ConfigError, match=r"pilot\.output"):
        job(pilot={"input": "pilot.csv", "output": "x.csv"})
