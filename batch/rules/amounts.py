"""Payment amounts: integer euro cents for IO, from cents or from euro as offices write them.

``amount_unit = "cents"``: digits only (``1250``). ``"euro"``: ``12``, ``12,50``,
``12.50``, ``12,5``, ``1.234,56``, ``1,234.56``, ``1.234.567`` (thousands groups need
two or more separators when there are no decimals: ``1.234`` alone could be either
reading, so it is refused), with an optional ``€`` / ``EUR`` before or after.
The conversion is done on the digits, never through floating point. Digits are ASCII
only: fullwidth or other Unicode digits (U+FF10-U+FF19, Arabic-Indic...) are a format
error, never a number.
"""

from __future__ import annotations

import polars as pl

from batch.config.choices import AmountUnit

FORMAT = "amount.format"
RANGE = "amount.range"
MIN_CENTS = 1
MAX_CENTS = 9_999_999_999

_CURRENCY = r"^(?:€|EUR)\s*|\s*(?:€|EUR)$"
_PLAIN = r"(?-u)^[0-9]{1,16}(?:[.,][0-9]{1,2})?$"  # {1,16}: no overflow
_DECIMAL = r"^([0-9]+)[.,]([0-9]{1,2})$"
_ITALIAN = r"^([0-9]{1,3}(?:\.[0-9]{3})+),([0-9]{1,2})$"
_ENGLISH = r"^([0-9]{1,3}(?:,[0-9]{3})+)\.([0-9]{1,2})$"
_WHOLE = r"^[0-9]+$"
_ITALIAN_WHOLE = r"^[0-9]{1,3}(?:\.[0-9]{3}){2,}$"
_ENGLISH_WHOLE = r"^[0-9]{1,3}(?:,[0-9]{3}){2,}$"


def parse(values: pl.Series, unit: AmountUnit) -> pl.DataFrame:
    """For each (trimmed, non-empty) value: ``cents`` (Int64) or a reason ``code``."""
    if unit is AmountUnit.CENTS:
        whole = values.str.contains(_WHOLE)
        cents = values.str.to_integer(strict=False)
        return _verdict(whole, pl.select(pl.when(whole).then(cents)).to_series())
    # Most values are plain (12, 12,5, 12.50): cheap string operations do those; the
    # other forms (thousands, currency, mistakes) are parsed on their own, usually none.
    plain = values.str.contains(_PLAIN)
    cents = _plain_cents(values)
    if not plain.all():
        others = (~plain).arg_true()
        cents = cents.scatter(others, _general_cents(values.gather(others)))
        plain = plain.scatter(others, _general_match(values.gather(others)))
    return _verdict(plain, cents)


def _plain_cents(values: pl.Series) -> pl.Series:
    # Decimal is exact (no float); the _PLAIN gate keeps it to at most two decimals.
    decimal = values.str.replace(",", ".", literal=True).cast(pl.Decimal(38, 2), strict=False)
    return (decimal * 100).cast(pl.Int64, strict=False).rename("cents")


def _general_parts(values: pl.Series) -> tuple[pl.Expr, pl.Expr]:
    text = pl.col("v")
    euros = pl.coalesce(
        text.str.extract(_DECIMAL, 1),
        text.str.extract(_ITALIAN, 1).str.replace_all(".", "", literal=True),
        text.str.extract(_ENGLISH, 1).str.replace_all(",", "", literal=True),
        pl.when(text.str.contains(_WHOLE)).then(text),
        pl.when(text.str.contains(_ITALIAN_WHOLE)).then(
            text.str.replace_all(".", "", literal=True)
        ),
        pl.when(text.str.contains(_ENGLISH_WHOLE)).then(
            text.str.replace_all(",", "", literal=True)
        ),
    )
    fraction = pl.coalesce(
        text.str.extract(_DECIMAL, 2),
        text.str.extract(_ITALIAN, 2),
        text.str.extract(_ENGLISH, 2),
        pl.lit("00"),
    ).str.pad_end(2, "0")
    return euros, fraction


def _general_frame(values: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame({"v": values.str.replace_all(_CURRENCY, "")})
    euros, fraction = _general_parts(values)
    return frame.select(euros=euros, fraction=fraction)


def _general_match(values: pl.Series) -> pl.Series:
    return _general_frame(values).get_column("euros").is_not_null()


def _general_cents(values: pl.Series) -> pl.Series:
    parts = _general_frame(values)
    # More than 16 digits of euro cannot be in range: null (out of range), not an overflow.
    euros = pl.col("euros")
    return parts.select(
        (
            pl.when(euros.str.len_bytes() <= 16).then(euros).str.to_integer(strict=False) * 100
            + pl.col("fraction").str.to_integer(strict=False)
        ).alias("cents")
    ).to_series()


def _verdict(matched: pl.Series, cents: pl.Series) -> pl.DataFrame:
    frame = pl.DataFrame({"matched": matched, "cents": cents})
    code = _code(pl.col("matched"), pl.col("cents"))
    return frame.select(cents=pl.when(code.is_null()).then(pl.col("cents")), code=code)


def _code(matched: pl.Expr, cents: pl.Expr) -> pl.Expr:
    in_range = (cents >= MIN_CENTS) & (cents <= MAX_CENTS)
    return (
        pl.when(~matched)
        .then(pl.lit(FORMAT))
        .when(cents.is_null() | ~in_range)
        .then(pl.lit(RANGE))
        .otherwise(None)
    )


def to_cents(value: str, unit: AmountUnit) -> int:
    """One value in cents; ``ValueError`` naming the reason code otherwise."""
    row = parse(pl.Series([value.strip()], dtype=pl.String), unit).row(0)
    if row[1] is not None:
        raise ValueError(row[1])
    return int(row[0])
