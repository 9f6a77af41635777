"""Optional text in templates: ``{?nota}Nota: {nota}{/nota}`` appears only with a non-empty cell."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from batch.config.template import Template
from batch.errors import ConfigError
from batch.identifiers.text import trim, utf16_length
from batch.rules.plan import SUBJECT
from batch.rules.templates import literal_lengths, render
from tests.helpers.jobs import parsed_job
from tests.unit.rules.test_validate import check, printable, reasons, row

NOTE = "Gentile {nome}.{?nota}\n\nNota: {nota}{/nota}\n\nCordiali saluti."


def test_a_section_appears_only_when_its_cell_is_not_empty() -> None:
    template = Template.parse(NOTE)
    assert template.placeholders == ["nome", "nota", "nota"]  # the section's column too
    assert template.sections == ["nota"]
    shown = render(template, {"nome": "Ada", "nota": "pagare entro marzo"})
    assert shown == "Gentile Ada.\n\nNota: pagare entro marzo\n\nCordiali saluti."
    assert render(template, {"nome": "Ada", "nota": ""}) == "Gentile Ada.\n\nCordiali saluti."
    # Outside the sections only: what every message has.
    assert literal_lengths(template)[0] == len("Gentile .\n\nCordiali saluti.")


def test_braces_and_plain_placeholders_are_unchanged() -> None:
    template = Template.parse("{{?nota}} {a}{?b}[{b}|{a}]{/b}")
    assert render(template, {"a": "1", "b": ""}) == "{?nota} 1"
    assert render(template, {"a": "1", "b": "2"}) == "{?nota} 1[2|1]"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{?nota}Nota: {nota}", r"section \{\?nota\} is not closed"),
        ("{?a}{?b}x{/b}{/a}", r"opens a section inside \{\?a\}"),
        ("{?a}x{/b}", r"\{/b\} closes no open \{\?b\}"),
        ("x{/a}", r"\{/a\} closes no open \{\?a\}"),
        ("{?}x{/}", "bad placeholder"),
    ],
)
def test_a_malformed_section_is_a_config_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Template.parse(text)


def test_the_section_s_column_is_required_from_the_header() -> None:
    job = parsed_job(message={"markdown": NOTE + "m" * 60})
    assert job.required_columns() == ["cf", "nome", "nota"]


def test_lengths_are_per_row_and_rendering_follows_the_cell() -> None:
    job = parsed_job(message={"subject": "Avviso per {nome}{?nota}: {nota}{/nota}"})
    long_note = "x" * 110
    out = check(job, row(nota=""), row(nota="  "), row(nota="scade"), row(nota=long_note))
    assert reasons(out) == [None, None, None, "subject.too_long"]
    subjects = out.get_column(SUBJECT).to_list()
    assert subjects[:3] == ["Avviso per Mario", "Avviso per Mario", "Avviso per Mario: scade"]
    # Too short without the note, long enough with it.
    job = parsed_job(message={"subject": "{nome}{?nota} ({nota}){/nota}"})
    assert reasons(check(job, row(nota=""), row(nota="in ritardo"))) == [
        "subject.too_short",
        None,
    ]


@settings(max_examples=150)
@given(printable, printable)
def test_length_check_is_exact_for_any_text_in_a_section(first: str, note: str) -> None:
    job = parsed_job(message={"subject": "{a}{?nota}-{nota}-{a}{/nota}"})
    out = check(job, row(a=first, nota=note))
    template = job.message.subject
    text = render(template, {"a": trim(first), "nota": trim(note)})
    units, points = utf16_length(text), len(text)
    expected = "subject.too_short" if points < 10 else "subject.too_long" if units > 120 else None
    assert reasons(out) == [expected]
    if expected is None:
        assert out.get_column(SUBJECT).to_list() == [text]
