"""A number cell's value as the sheet shows it, with Italian conventions.

Italian offices work in an Italian Excel or LibreOffice: ``12,50`` (decimal comma,
``1.234,56`` grouped by points), ``16/12/2026``, month names ``gennaio``... and booleans
``VERO``/``FALSO``. That is how these functions show a value under a parsed
``number_format.Format``; they return None for what they cannot show (a date that does
not exist, a value too large for a date), which the reader refuses as it refuses an
unknown format.

Rounding is Excel's: the double is first taken to 15 significant digits (what the cell
holds as far as anyone can see), then rounded half away from zero to the digits shown.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from batch.input.number_format import DateSection, Format, NumberSection, TextSection

DECIMAL_MARK = ","
GROUP_MARK = "."
TRUE_TEXT = "VERO"
FALSE_TEXT = "FALSO"
#: The largest magnitude a number cell holds to the unit: 15 significant digits.
EXACT_LIMIT = 1e15

_MONTHS = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
]
_DAYS = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
#: The last serial a date system can hold: 31/12/9999.
_LAST_SERIAL = 2958465


def boolean_text(value: bool) -> str:
    return TRUE_TEXT if value else FALSE_TEXT


def general(value: float) -> str:
    """General: at most 15 significant digits, no exponent, decimal comma."""
    if value == int(value) and abs(value) < EXACT_LIMIT:
        return str(int(value))
    text = format(Decimal(format(value, ".15g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return text.replace(".", DECIMAL_MARK)


def render(
    value: float, shape: Format, *, date1904: bool = False, libreoffice: bool = False
) -> str | None:
    """``value`` shown under ``shape``; None when it cannot be shown faithfully."""
    sections = shape.sections
    section = sections[0]
    negative_own = False
    if value < 0 and len(sections) >= 2 and sections[1] is not None:
        section, negative_own = sections[1], True
    elif value == 0 and len(sections) >= 3 and sections[2] is not None:
        section = sections[2]
    if section is None:
        return general(value)
    if isinstance(section, TextSection):
        return section.prefix + general(value) + section.suffix
    if isinstance(section, DateSection):
        moment = serial_datetime(value, date1904=date1904, libreoffice=libreoffice)
        return None if moment is None else _date_text(moment, section)
    return _number_text(abs(value) if negative_own else value, section)


def _number_text(value: float, section: NumberSection) -> str:
    exact = Decimal(format(value, ".15g"))
    if section.percent:
        exact *= 100
    rounded = exact.quantize(Decimal(1).scaleb(-section.decimals), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    digits = format(abs(rounded), "f")
    whole, _, fraction = digits.partition(".")
    fraction = fraction.rstrip("0").ljust(section.decimal_zeros, "0")
    whole = whole.lstrip("0").rjust(section.integer_zeros, "0")
    if section.grouping:
        whole = _grouped(whole)
    body = whole + (DECIMAL_MARK + fraction if fraction else "")
    if section.decimals and not fraction and section.decimal_zeros == 0:
        body = whole + DECIMAL_MARK  # "#.##" shows 12 as "12,"
    return sign + section.prefix + body + section.suffix


def _grouped(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.append(digits[-3:])
        digits = digits[:-3]
    groups.append(digits)
    return GROUP_MARK.join(reversed(groups))


def serial_datetime(
    value: float, *, date1904: bool = False, libreoffice: bool = False
) -> datetime.datetime | None:
    """The moment a date serial stands for, to the nearest second.

    In Excel's 1900 system serial 60 is 29/02/1900, a day that never was (Lotus 1-2-3's
    leap year bug, kept by Excel): serials 1-59 count from 31/12/1899, later ones from
    30/12/1899, and serial 60 has no date (None). LibreOffice counts every serial from
    30/12/1899 and writes its files so (15/02/1900 is 47, where Excel's is 46): a file
    it made (``libreoffice``) is read its way, so that the date is the one it shows."""
    if value < 0 or value > _LAST_SERIAL:
        return None
    seconds = round(value * 86400)
    days, second_of_day = divmod(seconds, 86400)
    if date1904:
        base = datetime.datetime(1904, 1, 1)
    elif libreoffice:
        base = datetime.datetime(1899, 12, 30)
    elif days < 60:
        base = datetime.datetime(1899, 12, 31)
    elif days == 60:
        return None
    else:
        base = datetime.datetime(1899, 12, 30)
    return base + datetime.timedelta(days=days, seconds=second_of_day)


def _date_text(moment: datetime.datetime, section: DateSection) -> str:
    out = []
    hour = moment.hour
    if section.twelve_hour:
        hour = hour % 12 or 12
    for kind, token in section.tokens:
        if kind == "lit":
            out.append(token)
            continue
        out.append(_part(moment, token, hour))
    return "".join(out)


def _part(moment: datetime.datetime, token: str, hour: int) -> str:
    simple = {
        "d": str(moment.day),
        "dd": f"{moment.day:02d}",
        "ddd": _DAYS[moment.weekday()][:3],
        "dddd": _DAYS[moment.weekday()],
        "m": str(moment.month),
        "mm": f"{moment.month:02d}",
        "mmm": _MONTHS[moment.month - 1][:3],
        "mmmm": _MONTHS[moment.month - 1],
        "yy": f"{moment.year % 100:02d}",
        "yyyy": f"{moment.year:04d}",
        "h": str(hour),
        "hh": f"{hour:02d}",
        "min": str(moment.minute),
        "mmin": f"{moment.minute:02d}",
        "s": str(moment.second),
        "ss": f"{moment.second:02d}",
        "am/pm": "AM" if moment.hour < 12 else "PM",
        "a/p": "A" if moment.hour < 12 else "P",
    }
    return simple[token]
