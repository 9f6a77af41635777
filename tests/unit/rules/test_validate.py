"""Row validation: every IO rule on both sides of its boundary, and the rows it builds."""

from __future__ import annotations

import string
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.config.job import Job
from batch.config.template import Template
from batch.errors import ConfigError, InputError
from batch.identifiers.text import WHITESPACE, trim, utf16_length
from batch.input.columns import HeaderColumns
from batch.input.header import CSV_ERROR_COLUMN, LINE_COLUMN
from batch.models import Message, PaymentData, ThirdPartyData
from batch.rules import validate
from batch.rules.plan import CONTENT_KEY, FISCAL_CODE, INVALID_COLUMN, REASON, REASON_CODE, SUBJECT
from batch.rules.rows import to_rows
from batch.rules.templates import literal_lengths, render, utf16_lengths
from tests.helpers.jobs import parsed_job

CODE = "RSSMRA85T10A562S"
EMOJI = "\U0001f600"  # two UTF-16 units


def check(job: Job, *rows: dict[str, str]) -> pl.DataFrame:
    header = list(rows[0])
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series(range(2, 2 + len(rows)), dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None] * len(rows), dtype=pl.String),
            **{name: pl.Series([row[name] for row in rows], dtype=pl.String) for name in header},
        }
    )
    return validate.validate_batch(frame, job, HeaderColumns(header))


def reasons(frame: pl.DataFrame) -> list[str | None]:
    return frame.get_column(REASON_CODE).to_list()


def row(**cells: str) -> dict[str, str]:
    return {"cf": CODE, "nome": "Mario"} | cells


# -- fiscal code -------------------------------------------------------------------------


def test_fiscal_code_is_normalised_and_checked() -> None:
    out = check(
        parsed_job(),
        row(cf=" rssmra85t10a562s "),
        row(cf="RSSMRA85T10A562T"),
        row(cf="RSSMRA85T10A562"),
        row(cf="  "),
        row(cf="AAAAAA00A00A000A"),
    )
    assert reasons(out) == [
        None,
        "fiscal_code.check_char",
        "fiscal_code.format",
        "field.missing",
        None,
    ]
    assert out.get_column(FISCAL_CODE).to_list() == [
        CODE,
        "RSSMRA85T10A562T",
        "RSSMRA85T10A562",
        "",
        "AAAAAA00A00A000A",
    ]
    assert out.get_column(INVALID_COLUMN).to_list() == [None, "cf", "cf", "cf", None]


# -- lengths under both counts: min in code points, max in UTF-16 units -------------------


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("a" * 9, "subject.too_short"),
        ("a" * 10, None),
        ("Avviso 1" + EMOJI, "subject.too_short"),  # 9 code points, 10 units (issue 13)
        ("Avviso 12" + EMOJI, None),  # 10 code points, 11 units
        (EMOJI * 4 + "a", "subject.too_short"),  # 5 code points, 9 units
        (EMOJI * 5, "subject.too_short"),  # 5 code points, 10 units: short for the spec
        (EMOJI * 10, None),  # 10 code points, 20 units
        ("a" * 120, None),
        ("a" * 121, "subject.too_long"),
        (EMOJI * 60, None),  # 60 code points, 120 units
        (EMOJI * 60 + "a", "subject.too_long"),  # 61 code points, 121 units
        ("  " + "a" * 10 + "  ", None),  # cells are trimmed
    ],
)
def test_subject_length_boundaries(subject: str, code: str | None) -> None:
    job = parsed_job(message={"subject": "{oggetto}"})
    out = check(job, row(oggetto=subject))
    assert reasons(out) == [code]
    units, points = utf16_length(trim(subject)), len(trim(subject))
    if code == "subject.too_short":
        assert out.item(0, REASON) == (
            f"the subject is {points} code points ({units} UTF-16 units) once the template is "
            "filled in; IO takes at least 10 code points (an emoji counts 1 here, as the "
            "spec's schema counts)"
        )
    if code == "subject.too_long":
        assert out.item(0, REASON) == (
            f"the subject is {units} UTF-16 units ({points} code points) once the template is "
            "filled in; IO takes at most 120 UTF-16 units (an emoji counts 2, as IO's server "
            "counts)"
        )
    if code is not None:
        assert out.item(0, INVALID_COLUMN) == "message.subject"


@given(st.text(alphabet=st.sampled_from(["a", "\u00e8", "\u20ac", EMOJI]), max_size=130))
def test_a_subject_is_valid_exactly_when_both_counts_allow_it(subject: str) -> None:
    job = parsed_job(message={"subject": "{oggetto}"})
    out = check(job, row(oggetto=subject or "x"))
    value = subject or "x"
    valid = len(value) >= 10 and utf16_length(value) <= 120
    assert (reasons(out) == [None]) is valid


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "markdown.too_short"),  # 75 + 4 = 79 units
        ("a", None),  # 80
        ("\u00e8", None),  # 80: a 2-byte letter is one unit
        ("a" * 9921, None),  # 10000
        ("a" * 9922, "markdown.too_long"),  # 10001
        (EMOJI * 4960 + "a", None),  # 9921 units: 10000
        (EMOJI * 4961, "markdown.too_long"),  # 9922 units: 10001
    ],
)
def test_markdown_length_boundaries(name: str, code: str | None) -> None:
    job = parsed_job(
        message={"subject": "Avviso importante", "markdown": "{nome}" + "m" * 75 + "{x}"}
    )
    out = check(job, row(nome=name, x="abcd"))
    assert reasons(out) == [code]


def test_empty_placeholder_cells_render_as_empty_text() -> None:
    job = parsed_job(message={"subject": "Avviso per {nome}!"})
    out = check(job, row(nome=""))
    assert reasons(out) == [None]
    assert out.item(0, SUBJECT) == "Avviso per !"


@settings(max_examples=100)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_utf16_lengths_vectorised_and_scalar_agree(texts: list[str]) -> None:
    expected = [len(text.encode("utf-16-le")) // 2 for text in texts]
    assert [utf16_length(text) for text in texts] == expected
    assert utf16_lengths(pl.Series(texts, dtype=pl.String)).to_list() == expected


# Any text but control characters and bidirectional overrides (refused before lengths),
# and lone surrogates (no UTF-8 file can hold one).
printable = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    max_size=40,
)


@settings(max_examples=100)
@given(printable, printable)
def test_length_check_is_exact_for_any_text(first: str, second: str) -> None:
    job = parsed_job(message={"subject": "{a}-{b}"})
    out = check(job, row(a=first, b=second))
    units = utf16_length(trim(first)) + 1 + utf16_length(trim(second))
    points = len(trim(first)) + 1 + len(trim(second))
    expected = "subject.too_short" if points < 10 else "subject.too_long" if units > 120 else None
    assert reasons(out) == [expected]


@given(st.text(max_size=20))
def test_trim_agrees_with_polars(text: str) -> None:
    assert trim(text) == pl.Series([text]).str.strip_chars().item()
    assert set(WHITESPACE) == {c for c in map(chr, range(0x3001)) if not trim(f"a{c}a"[1:2])}


def test_templates_render_braces_and_repeat_placeholders() -> None:
    template = Template.parse("{{x}} {a} and {a}")
    assert template.placeholders == ["a", "a"]
    assert render(template, {"a": "1"}) == "{x} 1 and 1"
    assert literal_lengths(template) == (len("{x}  and "), len("{x}  and "))
    assert literal_lengths(Template.parse(EMOJI + "{a}")) == (2, 1)


def test_templates_are_parsed_once_with_the_job_never_per_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = parsed_job()

    def parse_again(*_args: object) -> None:
        raise AssertionError("a template was parsed again")

    monkeypatch.setattr(string.Formatter, "parse", parse_again)
    for _ in range(2):
        out = check(job, row(nome="Anna"))
        (built,) = to_rows(out, job, HeaderColumns(["cf", "nome"]))
        assert built.message is not None and built.message.subject == "Avviso per Anna"


# -- due date, amount, notice, payee, third party ----------------------------------------------


def payment_job(**message: Any) -> Job:
    return parsed_job(
        columns={
            "due_date": "scadenza",
            "amount": "importo",
            "notice_number": "avviso",
            "payee_fiscal_code": "ente",
        },
        message=message,
    )


def pay(**cells: str) -> dict[str, str]:
    return (
        row(
            scadenza="2026-12-16",
            importo="1250",
            avviso="302000100000009424",
            ente="01234567890",
        )
        | cells
    )


@pytest.mark.parametrize(
    ("cells", "code", "column"),
    [
        ({}, None, None),
        ({"scadenza": ""}, "field.missing", "scadenza"),
        ({"scadenza": "31/02/2026"}, "due_date.invalid", "scadenza"),
        ({"scadenza": "presto"}, "due_date.format", "scadenza"),
        ({"scadenza": "2026-03-29 02:30"}, "due_date.nonexistent", "scadenza"),
        ({"importo": ""}, "field.missing", "importo"),
        ({"importo": "0"}, "amount.range", "importo"),
        ({"importo": "1"}, None, None),
        ({"importo": "9999999999"}, None, None),
        ({"importo": "10000000000"}, "amount.range", "importo"),
        ({"importo": "12,50"}, "amount.format", "importo"),
        ({"avviso": "002000100000009424"}, None, None),  # leading zeros kept
        ({"avviso": "402000100000009424"}, "notice_number.format", "avviso"),
        ({"avviso": "30200010000000942"}, "notice_number.format", "avviso"),  # 17 digits
        ({"avviso": "3020001000000094240"}, "notice_number.format", "avviso"),  # 19
        ({"avviso": " 302000100000009424 "}, None, None),
        ({"avviso": ""}, "field.missing", "avviso"),
        ({"ente": "0123456789"}, "payee_fiscal_code.format", "ente"),  # 10 digits
        ({"ente": "012345678901"}, "payee_fiscal_code.format", "ente"),  # 12
        ({"ente": "0123456789A"}, "payee_fiscal_code.format", "ente"),
    ],
)
def test_payment_fields(cells: dict[str, str], code: str | None, column: str | None) -> None:
    out = check(payment_job(), pay(**cells))
    assert reasons(out) == [code]
    assert out.item(0, INVALID_COLUMN) == column


def test_cents_message_explains_the_unit() -> None:
    out = check(payment_job(), pay(importo="12,50"))
    assert 'amount_unit is "cents"' in out.item(0, REASON)


def test_excel_scientific_notice_number_gets_a_hint() -> None:
    out = check(payment_job(), pay(avviso="3,02E+17"))
    assert out.item(0, REASON).endswith(
        "(Excel turned it into a number: format the column as text and export again)"
    )


def test_first_problem_in_column_order_wins() -> None:
    out = check(payment_job(), pay(cf="X", importo="0", avviso="1"))
    assert reasons(out) == ["fiscal_code.format"]


def test_csv_problems_come_first() -> None:
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([7], dtype=pl.Int64),
            CSV_ERROR_COLUMN: ["csv.field_count: 3 fields where the header has 2"],
            "cf": [CODE],
            "nome": ["Mario"],
        }
    )
    out = validate.validate_batch(frame, parsed_job(), HeaderColumns(["cf", "nome"]))
    assert out.select(INVALID_COLUMN, REASON_CODE, REASON).row(0) == (
        "(line)",
        "csv.field_count",
        "3 fields where the header has 2",
    )


def test_third_party_id_is_required() -> None:
    job = parsed_job(
        columns={"third_party_id": "pratica"},
        message={
            "feature_level_type": "ADVANCED",
            "has_attachments": True,
            "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        },
    )
    out = check(job, row(pratica=" P-1 "), row(pratica=" "))
    assert reasons(out) == [None, "third_party_id.missing"]
    rows = list(to_rows(out, job, HeaderColumns(["cf", "nome", "pratica"])))
    assert rows[0].message is not None
    assert rows[0].message.third_party_data == ThirdPartyData(
        id="P-1", has_attachments=True, configuration_id="01ARZ3NDEKTSV4RRFFQ69G5FAV"
    )


# -- column lookup ---------------------------------------------------------------------------


def test_a_column_name_that_matches_two_header_names_is_refused_not_guessed() -> None:
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([2], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None], dtype=pl.String),
            "CF": [CODE],
            "cf ": ["RSSMRA85T10A562T"],
            "nome": ["Anna"],
        }
    )
    columns = HeaderColumns(["CF", "cf ", "nome"])
    expected = "column 'cf' is ambiguous in the input: the columns 'CF' and 'cf ' both match it"
    with pytest.raises(InputError) as validating:
        validate.validate_batch(frame, parsed_job(), columns)
    assert validating.value.message == expected
    one_header = HeaderColumns(["CF", "nome"])
    validated = validate.validate_batch(frame.drop("cf "), parsed_job(), one_header)
    with pytest.raises(InputError) as building:
        list(to_rows(validated, parsed_job(), columns))
    assert building.value.message == expected


def test_an_exact_header_name_is_still_ambiguous_next_to_one_equal_up_to_case() -> None:
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([2], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None], dtype=pl.String),
            "CF": ["not a code"],
            "cf": [CODE],
            "nome": ["Anna"],
        }
    )
    columns = HeaderColumns(["CF", "cf", "nome"])
    with pytest.raises(InputError) as caught:
        validate.validate_batch(frame, parsed_job(), columns)
    assert caught.value.message == (
        "column 'cf' is ambiguous in the input: the columns 'CF' and 'cf' both match it"
    )


# -- job-level rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ({"has_attachments": True, "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "ADVANCED"),
        ({"has_remote_content": True}, "configuration_id"),
        ({"has_remote_content": True, "configuration_id": "nope"}, "ULID"),
        # IO's pattern has no multiline "$": a trailing newline is not part of a ULID.
        ({"has_remote_content": True, "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV\n"}, "ULID"),
        ({"subject": "Breve"}, "message.subject is 5 code points"),
        ({"subject": "Avviso 1" + EMOJI}, "message.subject is 9 code points"),
        ({"subject": "x" * 121 + "{nome}"}, "message.subject is 121 UTF-16 units"),
        ({"subject": EMOJI * 61 + "{nome}"}, "message.subject is 122 UTF-16 units"),
        ({"markdown": "m" * 10001 + "{nome}"}, "message.markdown is 10001"),
    ],
)
def test_job_rules(message: dict[str, Any], error: str) -> None:
    job = parsed_job(columns={"third_party_id": "pratica"}, message=message)
    with pytest.raises(ConfigError, match=error):
        check(job, row(pratica="1"))


def test_invalid_after_due_date_needs_a_due_date() -> None:
    with pytest.raises(ConfigError, match="invalid_after_due_date"):
        check(parsed_job(message={"invalid_after_due_date": True}), row())


# -- rows for the send path ------------------------------------------------------------------


def test_to_rows_builds_messages_and_keeps_raw_cells() -> None:
    job = payment_job(
        subject="TARI {nome}: rata",
        amount_unit="euro",
        invalid_after_due_date=True,
        time_to_live=7200,
    )
    out = check(
        job,
        pay(cf=" rssmra85t10a562s", nome=" Mario ", importo="12,50", scadenza="29/03/2026"),
        pay(importo="x"),
    )
    header = ["cf", "nome", "scadenza", "importo", "avviso", "ente"]
    valid, invalid = list(to_rows(out, job, HeaderColumns(header)))
    assert valid.line == 2
    assert valid.fiscal_code == CODE
    assert valid.fields["cf"] == " rssmra85t10a562s"
    assert valid.fields["nome"] == " Mario "
    assert valid.message == Message(
        fiscal_code=CODE,
        subject="TARI Mario: rata",
        markdown="Mario" + "m" * 80,
        time_to_live=7200,
        due_date="2026-03-29T21:59:59.000Z",
        payment_data=PaymentData(1250, "302000100000009424", True, "01234567890"),
    )
    assert invalid.message is None
    assert invalid.invalid is not None
    assert (invalid.invalid.column, invalid.invalid.reason_code) == ("importo", "amount.format")


def test_to_rows_renders_when_the_batch_was_not_rendered() -> None:
    job = parsed_job()
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([2], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None], dtype=pl.String),
            "cf": [CODE],
            "nome": ["Anna"],
        }
    )
    out = validate.validate_batch(frame, job, HeaderColumns(["cf", "nome"]), render=False)
    assert SUBJECT not in out.columns
    (built,) = to_rows(out, job, HeaderColumns(["cf", "nome"]))
    assert built.message is not None
    assert built.message.subject == "Avviso per Anna"


# -- duplicates key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "same"),
    [
        ("send_once", [True, False, False]),
        ("one_per_citizen", [True, True, False]),
    ],
)
def test_content_key_follows_the_policy(policy: str, same: list[bool]) -> None:
    job = parsed_job(message={"duplicates": policy})
    frame = pl.DataFrame(
        {
            LINE_COLUMN: pl.Series([2, 3, 4, 5], dtype=pl.Int64),
            CSV_ERROR_COLUMN: pl.Series([None] * 4, dtype=pl.String),
            "cf": [CODE, " " + CODE.lower(), CODE, "BNCGLI70A41H501A"],
            "nome": ["Mario", "Mario ", "Luigi", "Mario"],
        }
    )
    out = validate.validate_batch(frame, job, HeaderColumns(["cf", "nome"]), content_key=True)
    keys = out.get_column(CONTENT_KEY).to_list()
    assert [keys[0] == other for other in keys[1:]] == same


# -- digits are ASCII digits: any other is a format error, never a number ---------------------

FULLWIDTH = str.maketrans(
    "0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19"
)
ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x660 + d) for d in range(10)))


@pytest.mark.parametrize("digits", [FULLWIDTH, ARABIC_INDIC])
@pytest.mark.parametrize(
    ("cells", "unit", "code", "column"),
    [
        ({"importo": "1250"}, "cents", "amount.format", "importo"),
        ({"importo": "12,50"}, "euro", "amount.format", "importo"),
        ({"importo": "1.234,56"}, "euro", "amount.format", "importo"),
        ({"importo": "12"}, "euro", "amount.format", "importo"),
        ({"avviso": "302000100000009424"}, "cents", "notice_number.format", "avviso"),
        ({"ente": "01234567890"}, "cents", "payee_fiscal_code.format", "ente"),
        ({"scadenza": "16/12/2026"}, "cents", "due_date.format", "scadenza"),
        ({"scadenza": "2026-12-16T10:00:00Z"}, "cents", "due_date.format", "scadenza"),
    ],
)
def test_unicode_digits_are_a_format_error(
    cells: dict[str, str], unit: str, code: str, column: str, digits: dict[int, str]
) -> None:
    written = {name: value.translate(digits) for name, value in cells.items()}
    out = check(payment_job(amount_unit=unit), pay(**written))
    assert reasons(out) == [code]
    assert out.item(0, INVALID_COLUMN) == column


@settings(max_examples=150)
@given(
    st.text(
        alphabet=st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["cents", "euro"]),
)
def test_any_non_ascii_digits_in_an_amount_are_a_format_error(digits: str, unit: str) -> None:
    out = check(payment_job(amount_unit=unit), pay(importo=digits))
    assert reasons(out) == ["amount.format"]


@pytest.mark.parametrize(
    "written", ["RS\u017fMRA85T10A562S", "RSSMR\u013185T10A562A", "\ufb00RMRA85T10A562G"]
)
def test_a_lookalike_fiscal_code_row_is_invalid_and_keeps_its_code_as_written(
    written: str,
) -> None:
    out = check(parsed_job(), row(cf=f" {written.lower()} "), row())
    assert reasons(out) == ["fiscal_code.format", None]
    assert out.get_column(FISCAL_CODE).to_list() == [written.lower(), CODE]
