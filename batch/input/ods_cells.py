"""An ``.ods`` cell as the office sees it, and what the rules may take from it.

Every cell is read as the text LibreOffice shows (``ods_xml.cell_text``): ``00184`` for a
CAP formatted ``00000``, ``12,50`` for 12.5 with two decimals, ``16/12/2026`` for a date,
``VERO`` / ``FALSO`` for a boolean in an Italian sheet. That is what a message's
placeholder gets, exactly as the sheet shows it. Two roles need more than the text:

- the **amount to pay** (``[columns] amount``) is taken only from a cell whose shown text
  is the plain number it holds (``12,5``, ``12,50``, ``1.234,50`` for 1234.5): a
  percentage (``50%`` holds 0.5), a currency or any format that changes what is shown
  (``00184``, ``12`` for 12.4, ``1,2E+01``, a custom ``€ #.##0``) refuses the row with
  ``cell.format``, naming the cell and what it shows. Text cells are the text, as in a
  CSV;
- the **due date** (``[columns] due_date``) from a date cell is its date, not its shown
  text (``16 dic 2026``, ``16/12/26`` are no date the rules read): ``2026-12-16``, or
  ``2026-12-16 10:30:00`` when it has a time, a local time in Europe/Rome.

An **error cell** (a formula that failed: ``#N/A``, ``#VALUE!``, ``#DIV/0!``, ``Err:502``)
in a column the job uses refuses the row with ``cell.error``, naming the cell and the
error; elsewhere it is passed on as the text it shows.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from batch.i18n import N_, _
from batch.input import ods_xml

ERROR = "cell.error"
FORMAT = "cell.format"

#: A cell's type and value beside its shown text: (value type, value) where the value is
#: ``office:value`` for numbers, ``office:date-value`` for dates, else None.
Typed = tuple[str, str | None]

# The text LibreOffice (``Err:502``) or Excel (``#N/A``) shows for a formula that failed;
# used when the file does not say ``calcext:value-type="error"`` (an older writer).
_ERROR_TEXT = re.compile(r"^(?:#[A-Z0-9/]+[!?]?|#NULL!|Err:[0-9]{3})$")
_NUMBERS = ("float", "percentage", "currency")
_KIND_WORDS = {"percentage": N_("a percentage"), "currency": N_("a currency amount")}
_CHANGED_NUMBER = N_("a number with a format that changes it")
_THOUSANDS = {",": ".", ".": ","}


def typed(cell: etree._Element, kind: str | None, shown: str) -> Typed | None:
    """The cell's type and value when the reader may need them (errors, numbers,
    dates), else None: a text cell is its text. ``kind``: its ``office:value-type``."""
    if (kind == "string" or kind is None) and cell.get(ods_xml.FORMULA) is None:
        return None
    if cell.get(ods_xml.CALC_VALUE_TYPE) == "error" or (
        cell.get(ods_xml.FORMULA) is not None
        and not cell.get(ods_xml.STRING_VALUE)
        and _ERROR_TEXT.match(shown) is not None
    ):
        return "error", None
    if kind in _NUMBERS:
        return kind, cell.get(ods_xml.VALUE)
    if kind == "date":
        return kind, cell.get(ods_xml.DATE_VALUE)
    return None


def error_problem(cell: str, column: str, shown: str) -> str:
    explained = _(
        "cell {cell} (column {column}) shows the error {error}, not a value; "
        "correct the formula or type the value in the sheet, then save"
    )
    return f"{ERROR}: " + explained.format(cell=cell, column=repr(column), error=shown)


def amount_problem(cell: str, column: str, shown: str, kind: str, value: str | None) -> str | None:
    """Why an amount cell cannot be taken (``cell.format``), or None when it can."""
    if (
        kind == "float"
        and value is not None
        and (_plainly(shown) == value or _shows_its_value(shown, value))
    ):
        return None
    what = _(_KIND_WORDS.get(kind, _CHANGED_NUMBER))
    if value is not None and kind in _NUMBERS:
        what = _("{kind} (it holds {value})").format(kind=what, value=value)
    explained = _(
        "cell {cell} (column {column}) shows {shown}, {what}: an amount to pay is taken "
        "only from a plain number; format the cell as Number (Format Cells > Numbers > "
        "Number) or as text, check what it shows, then save"
    )
    return f"{FORMAT}: " + explained.format(
        cell=cell, column=repr(column), shown=repr(shown), what=what
    )


def due_date_text(value: str | None, shown: str) -> str:
    """A date cell's date for the rules: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``."""
    if value is None or len(value) < 10:
        return shown
    day, _, time = value.partition("T")
    time = time.split(".")[0]
    if not time or time in ("00:00:00", "00:00"):
        return day
    return f"{day} {time}"


def _plainly(shown: str) -> str:
    """``12,50`` as LibreOffice writes the value, ``12.5``: the common case, cheaply (a
    shown text that is not so simple is for ``_shows_its_value``)."""
    if "," in shown and "." not in shown:
        shown = shown.replace(",", ".")
    if "." in shown and shown[-1] == "0":
        shown = shown.rstrip("0").rstrip(".")
    return shown


@functools.lru_cache(maxsize=4096)  # amounts repeat: a sheet has few distinct ones
def _shows_its_value(shown: str, value: str) -> bool:
    """Whether ``shown`` is ``value`` written plainly: digits, at most one decimal
    separator, thousands groups, no sign of a format (leading zeros, symbols, exponent,
    rounding). Either separator may be the decimal one: the sheet's locale decides."""
    try:
        held = Decimal(value)
    except InvalidOperation:
        return False
    text = shown.strip().removeprefix("-")
    if held < 0 and not shown.strip().startswith("-"):
        return False
    if not text or not all(char.isdigit() or char in ".," for char in text):
        return False
    for decimal, grouping in _THOUSANDS.items():
        whole, _, fraction = text.partition(decimal)
        if grouping in fraction or decimal in fraction:
            continue
        groups = whole.split(grouping)
        if len(groups) > 1 and (
            not 1 <= len(groups[0]) <= 3 or any(len(group) != 3 for group in groups[1:])
        ):
            continue
        digits = "".join(groups)
        if not digits.isascii() or (len(digits) > 1 and digits.startswith("0")):
            continue
        try:
            number = Decimal(f"{digits}.{fraction}" if fraction else digits)
        except InvalidOperation:
            continue
        if number == abs(held):
            return True
    return False


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
