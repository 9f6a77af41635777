"""Amounts: euro as offices write them and cents, exactly, within IO's range."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.config.choices import AmountUnit
from batch.rules import amounts


@pytest.mark.parametrize(
    ("written", AmountUnit.CENTS),
    [
        ("12", 1200),
        ("12,50", 1250),
        ("12.50", 1250),
        ("12,5", 1250),
        ("0012,00", 1200),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1.234.567", 123456700),
        ("1,234,567", 123456700),
        ("€ 12,50", 1250),
        ("12,50 €", 1250),
        ("EUR 12", 1200),
        ("0,01", 1),  # the smallest amount
        ("99999999,99", 9_999_999_999),  # the largest
        ("99.999.999,99", 9_999_999_999),
    ],
)
def test_euro_forms(written: str, cents: int) -> None:
    assert amounts.to_cents(written, AmountUnit.EURO) == cents


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("0", amounts.RANGE),
        ("0,00", amounts.RANGE),
        ("100000000,00", amounts.RANGE),  # one cent over the top
        ("99999999999999999999", amounts.RANGE),
        ("1.234", amounts.FORMAT),  # ambiguous: 1234 or 1,234?
        ("12,505", amounts.FORMAT),  # a third decimal
        ("-12", amounts.FORMAT),
        ("12.", amounts.FORMAT),
        ("abc", amounts.FORMAT),
        ("", amounts.FORMAT),
        ("1.23.4", amounts.FORMAT),
        ("1,25E+03", amounts.FORMAT),
    ],
)
def test_euro_refusals(written: str, code: str) -> None:
    with pytest.raises(ValueError, match=code):
        amounts.to_cents(written, AmountUnit.EURO)


@pytest.mark.parametrize(
    ("written", "outcome"),
    [
        ("1", 1),
        ("007", 7),
        ("9999999999", 9_999_999_999),
        ("0", amounts.RANGE),
        ("10000000000", amounts.RANGE),
        ("99999999999999999999999", amounts.RANGE),
        ("12,50", amounts.FORMAT),
        ("12.5", amounts.FORMAT),
        ("-1", amounts.FORMAT),
    ],
)
def test_cents(written: str, outcome: int | str) -> None:
    if isinstance(outcome, int):
        assert amounts.to_cents(written, AmountUnit.CENTS) == outcome
    else:
        with pytest.raises(ValueError, match=outcome):
            amounts.to_cents(written, AmountUnit.CENTS)


@settings(max_examples=200)
@given(st.integers(1, 9_999_999_999), st.sampled_from(["plain_comma", "plain_dot", "it", "en"]))
def test_euro_conversion_is_exact(cents: int, style: str) -> None:
    euros, rest = divmod(cents, 100)
    if style == "plain_comma":
        written = f"{euros},{rest:02d}"
    elif style == "plain_dot":
        written = f"{euros}.{rest:02d}"
    elif style == "it":
        written = f"{euros:,}".replace(",", ".") + f",{rest:02d}"
    else:
        written = f"{euros:,}.{rest:02d}"
    assert amounts.to_cents(written, AmountUnit.EURO) == cents
