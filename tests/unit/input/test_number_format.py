"""Issue 25: number formats rendered as an Italian LibreOffice or Excel shows them."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.input.number_builtin import BUILTIN
from batch.input.number_format import parse
from batch.input.number_render import general, render, serial_datetime


def shown(value: float, code: str, **options: bool) -> str | None:
    shape = parse(code)
    assert shape is not None, code
    return render(value, shape, **options)


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        (184, "00000", "00184"),
        (184, "[$-410]00000", "00184"),
        (0.5, "0%", "50%"),
        (0.125, "0.00%", "12,50%"),
        (12.5, "0.00", "12,50"),
        (12.345, "0.00", "12,35"),  # half away from zero, on the decimal digits
        (-12.345, "0.00", "-12,35"),
        (1234567.891, "#,##0.00", "1.234.567,89"),
        (1234, "#,##0", "1.234"),
        (0.5, "#.00", ",50"),
        (12.5, "General", "12,5"),
        (0.1 + 0.2, "General", "0,3"),
        (12.5, "@", "12,5"),
        (12.5, '0.00 "€"', "12,50 €"),
        (1234.5, "#,##0.00 [$€-410];[RED]-#,##0.00 [$€-410]", "1.234,50 €"),
        (-1234.5, "#,##0.00 [$€-410];[RED]-#,##0.00 [$€-410]", "-1.234,50 €"),
        (-5, "#,##0;(#,##0)", "(5)"),
        (46372, "DD/MM/YYYY", "16/12/2026"),
        (46372, "[$-410]dd/mm/yyyy", "16/12/2026"),
        (46372, "D/M/YY", "16/12/26"),
        (46024, "d/m/yy", "2/1/26"),
        (46372, "YYYY-MM-DD", "2026-12-16"),
        (46372.4375, "DD/MM/YYYY hh:mm", "16/12/2026 10:30"),
        (46372.4375, "yyyy-mm-dd h:mm:ss", "2026-12-16 10:30:00"),
        (46372, "[$-410]dddd, d\\ mmmm\\ yyyy", "mercoledì, 16 dicembre 2026"),
        (46372, "ddd d mmm yyyy", "mer 16 dic 2026"),
        (0.75, "h:mm AM/PM", "6:00 PM"),
        (0.5, "hh:mm:ss", "12:00:00"),
        (46372, BUILTIN[14], "16/12/2026"),
        (46372.5, BUILTIN[22], "16/12/2026 12:00"),
    ],
)
def test_known_renderings(value: float, code: str, text: str) -> None:
    assert shown(value, code) == text


@pytest.mark.parametrize(
    "code",
    ["0.00E+00", "# ?/?", "[>100]0;0", "[h]:mm:ss", "mm:ss.0", "0.0,", "000-000", "[$-F800]"],
)
def test_formats_beyond_the_renderer_are_refused_not_guessed(code: str) -> None:
    assert parse(code) is None


def test_plain_and_date_formats_are_told_apart() -> None:
    assert parse("0.00").is_plain and parse("General").is_plain  # type: ignore[union-attr]
    assert not parse("0%").is_plain  # type: ignore[union-attr]
    assert not parse('0.00 "€"').is_plain  # type: ignore[union-attr]
    assert parse("DD/MM/YYYY").is_date  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("serial", "excel", "libreoffice"),
    [
        (1, datetime.date(1900, 1, 1), datetime.date(1899, 12, 31)),
        (46, datetime.date(1900, 2, 15), datetime.date(1900, 2, 14)),
        (47, datetime.date(1900, 2, 16), datetime.date(1900, 2, 15)),
        (59, datetime.date(1900, 2, 28), datetime.date(1900, 2, 27)),
        (61, datetime.date(1900, 3, 1), datetime.date(1900, 3, 1)),
        (46372, datetime.date(2026, 12, 16), datetime.date(2026, 12, 16)),
    ],
)
def test_dates_before_march_1900_count_as_their_writer_counts(
    serial: int, excel: datetime.date, libreoffice: datetime.date
) -> None:
    assert serial_datetime(serial) == datetime.datetime.combine(excel, datetime.time())
    assert serial_datetime(serial, libreoffice=True) == datetime.datetime.combine(
        libreoffice, datetime.time()
    )


def test_excels_29_february_1900_is_no_date() -> None:
    assert serial_datetime(60) is None
    assert shown(60, "DD/MM/YYYY") is None
    assert serial_datetime(1462, date1904=True) == datetime.datetime(1908, 1, 2)


@given(st.dates(datetime.date(1900, 3, 1), datetime.date(9999, 12, 31)))
def test_every_date_shows_its_own_day(day: datetime.date) -> None:
    serial = (day - datetime.date(1899, 12, 30)).days
    assert shown(serial, "DD/MM/YYYY") == day.strftime("%d/%m/%Y")
    assert shown(serial, "YYYY-MM-DD", libreoffice=True) == day.isoformat()


@given(st.integers(0, 99999))
def test_zero_padding_keeps_every_digit(number: int) -> None:
    assert shown(number, "00000") == f"{number:05d}"


@given(st.decimals(min_value=-1e9, max_value=1e9, places=4, allow_nan=False))
def test_fixed_decimals_round_half_away_from_zero(value: Decimal) -> None:
    number = float(value)
    text = shown(number, "#,##0.00")
    assert text is not None
    expected = Decimal(format(number, ".15g")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(text.replace(".", "").replace(",", ".")) == expected
    whole = text.lstrip("-").split(",")[0]
    assert all(len(group) == 3 for group in whole.split(".")[1:])


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_general_shows_at_most_15_significant_digits_and_no_exponent(value: float) -> None:
    text = general(value)
    assert "e" not in text.lower() and "." not in text
    assert Decimal(text.replace(",", ".")) == Decimal(format(value, ".15g"))
