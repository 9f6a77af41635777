"""Fiscal codes: pattern, check character (omocodia included), normalisation, vectorised check."""

from __future__ import annotations

import random
import string

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.identifiers import fiscal_code
from batch.rules import io_rules as rules

CODE_CHARS = string.ascii_uppercase + string.digits


def vectorised(codes: list[str]) -> list[str | None]:
    """The reason code the batch check gives each (trimmed) code; None when valid."""
    result = rules.fiscal_code_problems(pl.Series(codes, dtype=pl.String))
    return result.get_column("code").to_list()


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    return fiscal_code.generate(random.Random(draw(st.integers(0, 2**32))), omocode_ratio=0.3)


def test_known_codes() -> None:
    assert fiscal_code.check_character("RSSMRA85T10A562") == "S"
    assert fiscal_code.is_valid("RSSMRA85T10A562S")
    assert not fiscal_code.is_valid("RSSMRA85T10A562T")


def test_omocode_is_checked_over_the_letters_as_written() -> None:
    # RSSMRA85T10A562S with the last place digit 2 written as N (omocodia): another check.
    assert fiscal_code.check_character("RSSMRA85T10A56N") == "H"
    assert fiscal_code.is_valid("RSSMRA85T10A56NH")
    assert not fiscal_code.is_valid("RSSMRA85T10A56NS")


def test_sandbox_code_is_valid_although_its_check_character_is_not() -> None:
    assert fiscal_code.check_character(fiscal_code.SANDBOX[:15]) != fiscal_code.SANDBOX[15]
    assert fiscal_code.is_valid(fiscal_code.SANDBOX)
    assert vectorised([fiscal_code.SANDBOX]) == [None]


@pytest.mark.parametrize(
    "code",
    [
        "RSSMRA85T10A562",  # 15 characters
        "RSSMRA85T10A562SS",  # 17
        "RSSMRA85F10A562S",  # F is not a month letter
        "RSSMRA8XT10A562S",  # X is not an omocode digit
        "1SSMRA85T10A562S",
        "RSSMRA85T10A562Š",
    ],
)
def test_pattern_refusals(code: str) -> None:
    assert not fiscal_code.is_valid(code)
    assert vectorised([code]) == ["fiscal_code.format"]


def test_lower_case_is_not_valid_before_normalisation() -> None:
    assert not fiscal_code.is_valid("rssmra85t10a562s")
    assert fiscal_code.is_valid(fiscal_code.normalise(" rssmra85t10a562s "))


def test_check_character_wants_fifteen_upper_case_characters() -> None:
    with pytest.raises(ValueError, match="15 characters"):
        fiscal_code.check_character("rssmra85t10a562")
    with pytest.raises(ValueError, match="15 characters"):
        fiscal_code.check_character("RSSMRA85T10A56")


@settings(max_examples=120)
@given(valid_codes())
def test_generated_codes_pass_both_checks(code: str) -> None:
    assert fiscal_code.is_valid(code)
    assert vectorised([code]) == [None]


@settings(max_examples=120)
@given(valid_codes(), st.sampled_from(string.ascii_uppercase))
def test_any_other_check_character_is_a_typo(code: str, other: str) -> None:
    if other == code[15]:
        other = "A" if code[15] != "A" else "B"
    typo = code[:15] + other
    assert not fiscal_code.is_valid(typo)
    assert vectorised([typo]) == ["fiscal_code.check_char"]


@settings(max_examples=100)
@given(
    valid_codes(),
    st.text(alphabet=" \t", max_size=3),
    st.text(alphabet=" \t", max_size=3),
    st.booleans(),
)
def test_case_and_padding_are_normalised(code: str, before: str, after: str, lower: bool) -> None:
    written = before + (code.lower() if lower else code) + after
    assert fiscal_code.normalise(written) == code
    result = rules.fiscal_code_problems(pl.Series([written.strip()]))
    assert result.row(0) == (code, None)


@settings(max_examples=120)
@given(st.text(alphabet=CODE_CHARS, min_size=16, max_size=16))
def test_vectorised_check_agrees_with_the_scalar_one(code: str) -> None:
    expected = None if fiscal_code.is_valid(code) else "fiscal_code.format"
    if expected is not None and fiscal_code._REGEX.match(code):
        expected = "fiscal_code.check_char"
    assert vectorised([code]) == [expected]


def test_vectorised_check_on_a_mixed_batch() -> None:
    codes = ["RSSMRA85T10A562S", "", "RSSMRA85T10A562X", "junk", "rssmra85t10a562s"]
    assert vectorised(codes) == [
        None,
        "field.missing",
        "fiscal_code.check_char",
        "fiscal_code.format",
        None,
    ]


def test_generate_is_seeded_and_plausible() -> None:
    first = [fiscal_code.generate(random.Random(7)) for _ in range(3)]
    assert first == [fiscal_code.generate(random.Random(7)) for _ in range(3)]
    rng = random.Random(1)
    codes = [fiscal_code.generate(rng, omocode_ratio=0.5) for _ in range(500)]
    assert all(fiscal_code.is_valid(code) for code in codes)
    assert any(code[14] in "LMNPQRSTUV" for code in codes)  # some omocodes
    assert len(set(codes)) == 500


# -- non-ASCII characters: refused, never upper-cased into another citizen's code ------------

#: Characters whose Unicode upper case is ASCII: long s -> S, dotless i -> I, ff -> FF, ...
CONFUSABLES = ["\u017f", "\u0131", "\ufb00", "\ufb01", "\ufb03", "\ufb05", "\u1e9e", "\u0149"]


def non_ascii_text() -> st.SearchStrategy[str]:
    """Any text with at least one character outside ASCII."""
    outside = st.one_of(
        st.sampled_from(CONFUSABLES), st.characters(min_codepoint=0x80, exclude_categories=("Cs",))
    )  # no lone surrogate reaches a decoded file
    return st.tuples(st.text(max_size=20), outside, st.text(max_size=20)).map("".join)


@st.composite
def valid_code_with_one_non_ascii(draw: st.DrawFn) -> tuple[str, str]:
    """A valid code, and the same with one character (or two, for ff) written in Unicode."""
    code = draw(valid_codes())
    lookalikes = {"S": "\u017f", "I": "\u0131", "K": "\u212a", "A": "\u0391", "0": "\uff10"}
    position = draw(st.integers(0, 15))
    written = code[:position] + lookalikes.get(code[position], "\u017f") + code[position + 1 :]
    lower = "".join(char.lower() if char.isascii() else char for char in written)
    return code, draw(st.sampled_from([written, lower]))


@pytest.mark.parametrize(
    ("written", "would_have_been"),
    [
        ("RS\u017fMRA85T10A562S", "RSSMRA85T10A562S"),  # long s
        ("RSSMR\u013185T10A562A", "RSSMRI85T10A562A"),  # dotless i
        ("\ufb00RMRA85T10A562G", "FFRMRA85T10A562G"),  # ff ligature: 15 characters, 16 once upper
    ],
)
def test_the_reported_lookalikes_are_refused_not_sent_to_another_citizen(
    written: str, would_have_been: str
) -> None:
    assert fiscal_code.is_valid(would_have_been)  # the other citizen exists
    assert vectorised([written]) == [rules.FISCAL_CODE_FORMAT]
    assert rules.fiscal_code_problems(pl.Series([written]))["fiscal_code"].to_list() == [written]
    assert fiscal_code.normalise(written) == written
    assert not fiscal_code.is_valid(fiscal_code.normalise(written))


@settings(max_examples=300)
@given(non_ascii_text())
def test_any_text_with_a_non_ascii_character_is_refused_and_kept_as_written(text: str) -> None:
    checked = rules.fiscal_code_problems(pl.Series([text], dtype=pl.String))
    assert checked["code"].to_list() == [rules.FISCAL_CODE_FORMAT]
    assert checked["fiscal_code"].to_list() == [text]  # never mapped to another code
    assert not fiscal_code.is_valid(fiscal_code.normalise(text))


@settings(max_examples=300)
@given(valid_code_with_one_non_ascii(), st.lists(valid_codes(), max_size=5))
def test_a_valid_code_written_with_a_lookalike_never_becomes_valid(
    case: tuple[str, str], others: list[str]
) -> None:
    code, written = case
    # In a batch of valid codes (the vectorised path has a shortcut for all-valid batches).
    checked = rules.fiscal_code_problems(pl.Series([*others, written], dtype=pl.String))
    assert checked["code"].to_list() == [*([None] * len(others)), rules.FISCAL_CODE_FORMAT]
    assert checked["fiscal_code"].to_list()[-1] == written
    assert fiscal_code.normalise(written) != code


def test_a_code_followed_by_a_line_break_is_not_valid() -> None:
    assert not fiscal_code.is_valid("RSSMRA85T10A562S\n")
