"""Optional text in every language's template: measured per row, under both counts."""

from __future__ import annotations

from hypothesis import given, settings

from batch.config.template import Template
from batch.identifiers.text import trim, utf16_length
from batch.input.columns import HeaderColumns
from batch.rules.plan import INVALID_COLUMN, REASON
from batch.rules.rows import to_rows
from batch.rules.templates import render
from tests.helpers.jobs import parsed_job
from tests.unit.rules.test_validate import EMOJI, check, printable, reasons, row

GERMAN = {"subject": "Notiz{?nota}: {nota}{/nota}", "markdown": "{nome}" + "d" * 80}


def test_a_languages_sections_count_only_in_the_rows_that_show_them() -> None:
    job = parsed_job(message={"de_DE": GERMAN})
    out = check(
        job,
        row(nota=""),  # German "Notiz": 5 code points, too short
        row(nota="abc"),  # "Notiz: abc": 10, fits
        row(nota=EMOJI * 3),  # "Notiz: 😀😀😀": 10 code points (13 units), fits
        row(nota="x" * 114),  # 121 UTF-16 units: too long
        row(nota=EMOJI * 57),  # 64 code points but 121 UTF-16 units: too long
    )
    assert reasons(out) == [
        "subject.too_short",
        None,
        None,
        "subject.too_long",
        "subject.too_long",
    ]
    columns = out.get_column(INVALID_COLUMN).to_list()
    assert [columns[i] for i in (0, 3, 4)] == ["message.de_DE.subject"] * 3
    reason = out.get_column(REASON).to_list()
    assert reason[0].startswith("the de_DE subject is 5 code points (5 UTF-16 units)")
    assert reason[4].startswith("the de_DE subject is 121 UTF-16 units (64 code points)")


def test_a_languages_sections_render_only_where_the_cell_is_not_empty() -> None:
    job = parsed_job(message={"de_DE": GERMAN})
    out = check(job, row(nota="  Frist  "), row(nota=" ", nome="Mario Rossi"))
    header = ["cf", "nome", "nota"]
    # Row 2's German subject ("Notiz") is too short: only row 1 is valid.
    assert reasons(out) == [None, "subject.too_short"]
    rows = list(to_rows(out.head(1), job, HeaderColumns(header)))
    assert [(t.language, t.subject) for t in rows[0].translations] == [("de_DE", "Notiz: Frist")]


@settings(max_examples=150)
@given(printable, printable)
def test_a_languages_length_check_is_exact_for_any_text_in_a_section(first: str, note: str) -> None:
    german = "{a}{?nota}-{nota}-{a}{/nota}"
    job = parsed_job(message={"de_DE": {"subject": german, "markdown": "d" * 80}})
    out = check(job, row(a=first, nota=note))
    text = render(Template.parse(german), {"a": trim(first), "nota": trim(note)})
    units, points = utf16_length(text), len(text)
    expected = "subject.too_short" if points < 10 else "subject.too_long" if units > 120 else None
    assert reasons(out) == [expected]
    if expected is None:
        valid = list(to_rows(out, job, HeaderColumns(["cf", "nome", "a", "nota"])))
        assert [t.subject for t in valid[0].translations] == [text]
