"""Fiscal codes: pattern, check character (omocodia included), normalisation, vectorised check."""

from __future__ import annotations

import random
import string

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch import fiscal_code, rules

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
