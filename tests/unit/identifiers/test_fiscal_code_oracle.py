"""Our fiscal-code check against an independent one: python-stdnum (a dev-only oracle).

``stdnum.it.codicefiscale`` is a separate implementation of the same tables, so the
check character must agree on every 15 characters, and validity must agree on valid
codes (omocodes included) and on their mutations, apart from these intended differences:

- **the birth date**: stdnum also refuses a code whose date cannot exist (day 00, 32-40,
  31 February...). We do not: IO's server checks its regex only (docs/io-sources.md),
  and refusing a code IO takes would keep a citizen from a message for no reason. So
  stdnum may refuse a code we accept, for its date and nothing else.
- **the sandbox code** ``AAAAAA00A00A000A``: valid for IO although its check character
  and its date are not; stdnum refuses it.
- **11-digit codes** (companies, and the temporary codes given to people before their
  16-character one): stdnum accepts them; IO's ``FiscalCode`` is 16 characters, so we
  refuse them.
- **separators inside a code**: stdnum drops spaces, ``-`` and ``:`` anywhere; we trim
  only the ends (``normalise``), because a value with gaps inside is not one IO takes
  and guessing which characters belong together is not ours to do.

Upper-casing and trimming agree: both read ``" rssmra85t10a562s "`` as the same code.
"""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_errors
from stdnum.it import codicefiscale

from batch.identifiers import fiscal_code

CODE_CHARS = string.ascii_uppercase + string.digits


def ours(raw: str) -> bool:
    return fiscal_code.is_valid(fiscal_code.normalise(raw))


def stdnum_refusal(raw: str) -> type[Exception] | None:
    """Why stdnum refuses ``raw`` (None: it accepts it)."""
    try:
        codicefiscale.validate(raw)
    except stdnum_errors.ValidationError as error:
        return type(error)
    return None


def assert_agree(raw: str) -> None:
    refusal = stdnum_refusal(raw)
    if refusal is None:
        assert ours(raw), f"stdnum accepts {raw!r}, we refuse it"
    elif ours(raw):
        # The one intended difference on 16 characters: the date (or IO's sandbox code).
        code = fiscal_code.normalise(raw)
        assert refusal is stdnum_errors.InvalidComponent or code == fiscal_code.SANDBOX, (
            raw,
            refusal,
        )
        assert codicefiscale.calc_check_digit(code[:15]) == code[15] or code == fiscal_code.SANDBOX


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    seed = draw(st.integers(0, 2**32))
    return fiscal_code.generate(random.Random(seed), omocode_ratio=0.5)


@st.composite
def mutated_codes(draw: st.DrawFn) -> str:
    """A valid code with one typing mistake: a character changed, two swapped, one
    dropped or doubled."""
    chars = list(draw(valid_codes()))
    position = draw(st.integers(0, 15))
    match draw(st.sampled_from(["change", "swap", "drop", "double"])):
        case "change":
            chars[position] = draw(st.sampled_from(CODE_CHARS))
        case "swap":
            other = min(position + 1, 15)
            chars[position], chars[other] = chars[other], chars[position]
        case "drop":
            del chars[position]
        case _:
            chars.insert(position, chars[position])
    return "".join(chars)


@st.composite
def recomputed_codes(draw: st.DrawFn) -> str:
    """A valid code with its date or place changed to anything of the right kind, and
    its check character computed again: the pattern and the sum hold, the date may not."""
    chars = list(draw(valid_codes()))
    digits = "0123456789LMNPQRSTUV"
    for position in draw(st.sets(st.sampled_from([6, 7, 9, 10, 12, 13, 14]), min_size=1)):
        chars[position] = draw(st.sampled_from(digits))
    chars[8] = draw(st.sampled_from("ABCDEHLMPRST"))
    first15 = "".join(chars[:15])
    return first15 + fiscal_code.check_character(first15)


@given(st.text(CODE_CHARS, min_size=15, max_size=15))
def test_the_check_character_agrees_on_any_15_characters(first15: str) -> None:
    assert fiscal_code.check_character(first15) == codicefiscale.calc_check_digit(first15)


@given(valid_codes())
@example("RSSMRA85T10A562S")
@example("RSSMRA85T10A56NH")  # an omocode
def test_both_accept_every_generated_code(code: str) -> None:
    assert ours(code)
    assert stdnum_refusal(code) is None


@given(mutated_codes())
def test_both_judge_a_mistyped_code_alike(code: str) -> None:
    assert_agree(code)


@given(recomputed_codes())
@example("RSSMRA85B30A562" + codicefiscale.calc_check_digit("RSSMRA85B30A562"))  # 30 February
def test_a_date_that_cannot_exist_is_the_one_thing_only_stdnum_refuses(code: str) -> None:
    assert ours(code)
    assert stdnum_refusal(code) in {None, stdnum_errors.InvalidComponent}


@given(st.text(CODE_CHARS, min_size=16, max_size=16))
def test_both_judge_any_16_characters_alike(code: str) -> None:
    assert_agree(code)


@given(valid_codes(), st.sampled_from(["", " ", "\t", "  "]), st.booleans())
def test_case_and_surrounding_blanks_are_read_alike(code: str, blank: str, lower: bool) -> None:
    raw = f"{blank}{code.lower() if lower else code}{blank}"
    assert ours(raw)
    assert stdnum_refusal(raw) is None


@pytest.mark.parametrize(
    ("raw", "stdnum_says", "we_say"),
    [
        ("RSSMRA85T00A562S"[:15] + codicefiscale.calc_check_digit("RSSMRA85T00A562"), False, True),
        (fiscal_code.SANDBOX, False, True),
        ("00743110157", True, False),  # 11 digits: a company's (or a temporary) code
        ("RSS MRA 85T10 A562S", True, False),  # gaps inside
        ("RSSMRA-85T10-A562S", True, False),
    ],
)
def test_the_intended_differences(raw: str, stdnum_says: bool, we_say: bool) -> None:
    assert codicefiscale.is_valid(raw) is stdnum_says
    assert ours(raw) is we_say
