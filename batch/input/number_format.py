"""A cell's number format (ECMA-376 §18.8.30/§18.8.31; the same codes in BIFF ``.xls``),
parsed once per format into what ``number_render`` needs to show a value as the sheet
does.

Only what offices use is understood: ``General``; numbers with ``0``/``#``/``?`` digits,
a decimal point, thousands grouping and zero padding (``00000`` for a CAP); percent;
literal text around the digits (quoted, escaped, or ``[$€-410]`` currency symbols);
dates and times (``DD/MM/YYYY``, ``D/M/YY``, ``YYYY-MM-DD``, ``hh:mm``, month and day
names); text ``@``; up to four ``;`` sections (positive, negative, zero, text), colours
and ``[$-410]`` locale prefixes ignored. Anything else (conditions ``[>100]``, elapsed
times ``[h]``, fractions, exponents, digits split by literals) parses to ``None``: the
reader then refuses the cell where the job reads it (``cell.format``), naming the cell
and the code, instead of guessing what the sheet shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

#: Characters shown as themselves without quotes (Excel's list, plus the blank).
_PLAIN_LITERALS = frozenset("$-+/():!^&'~{}<>= €")
_DATE_TOKEN = re.compile(r"(?i)(yyyy|yy|e|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p)")


@dataclass(frozen=True, slots=True)
class NumberSection:
    """Digits: ``integer_zeros`` at least (zero padding), ``decimals`` shown at most, of
    which ``decimal_zeros`` always; ``grouping`` thousands; ``percent``: times 100."""

    prefix: str
    suffix: str
    integer_zeros: int
    decimals: int
    decimal_zeros: int
    grouping: bool
    percent: bool
    #: Literal text besides blanks and signs (a currency, a unit): not a plain number.
    decorated: bool


@dataclass(frozen=True, slots=True)
class DateSection:
    """Tokens: ("lit", text) or a date/time part ("d", "dd", "mmm", "min", "hh", ...)."""

    tokens: tuple[tuple[str, str], ...]
    twelve_hour: bool


@dataclass(frozen=True, slots=True)
class TextSection:
    prefix: str
    suffix: str


Section = NumberSection | DateSection | TextSection | None  # None: General


@dataclass(frozen=True, slots=True)
class Format:
    code: str
    sections: tuple[Section, ...] = field(default=(None,))

    @property
    def is_date(self) -> bool:
        return isinstance(self.sections[0], DateSection)

    @property
    def is_plain(self) -> bool:
        """General, or digits with separators only: what a number alone looks like."""
        first = self.sections[0]
        return first is None or (
            isinstance(first, NumberSection) and not first.percent and not first.decorated
        )


@lru_cache(maxsize=512)
def parse(code: str) -> Format | None:
    """The format, or None when it is beyond what ``number_render`` shows faithfully."""
    texts = _split_sections(code)
    if texts is None or len(texts) > 4:
        return None
    sections: list[Section] = []
    for index, text in enumerate(texts):
        section = _section(text, text_section=index == 3)
        if isinstance(section, bool):
            return None
        sections.append(section)
    if any(isinstance(s, DateSection) for s in sections[1:]) and not isinstance(
        sections[0], DateSection
    ):
        return None
    return Format(code, tuple(sections))


def _split_sections(code: str) -> list[str] | None:
    sections: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in code:
        if escaped:
            escaped = False
        elif char == "\\" and not quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        return None
    sections.append("".join(current))
    return sections


def _lexemes(text: str) -> list[tuple[str, str]] | None:
    """("lit", text) for literal text, ("code", chars) for the rest; None if unknown."""
    out: list[tuple[str, str]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = text.index('"', index + 1)
            out.append(("lit", text[index + 1 : end]))
            index = end + 1
        elif char == "\\" and index + 1 < len(text):
            out.append(("lit", text[index + 1]))
            index += 2
        elif char == "_" and index + 1 < len(text):
            out.append(("lit", " "))  # room as wide as the next character: a blank
            index += 2
        elif char == "*" and index + 1 < len(text):
            index += 2  # fill to the column's width: nothing in a text
        elif char == "[":
            end = text.find("]", index)
            if end < 0:
                return None
            bracket = text[index + 1 : end]
            if bracket.startswith("$"):
                symbol = bracket[1:].split("-", 1)[0]
                if symbol:
                    out.append(("cur", symbol))
                elif bracket.upper() in ("$-F800", "$-F400"):
                    return None  # "the system's long date/time": depends on the machine
            elif not re.fullmatch(
                r"(?i)red|black|blue|green|white|yellow|cyan|magenta|"
                r"color ?\d+",
                bracket,
            ):
                return None  # a condition, an elapsed time [h], a calendar
            index = end + 1
        else:
            out.append(("code", char))
            index += 1
    return out


def _section(text: str, *, text_section: bool) -> Section | bool:
    """A section, None for General, False when not understood."""
    lexemes = _lexemes(text)
    if lexemes is None:
        return False
    code = "".join(value for kind, value in lexemes if kind == "code")
    if code.strip().lower() == "general" or (not code.strip() and not lexemes):
        return None if not any(kind != "code" for kind, _ in lexemes) else False
    if "@" in code:
        return _text_section(lexemes)
    if text_section:
        return False
    if _DATE_TOKEN.search(code.replace("E+", "").replace("E-", "")) and not re.search(
        r"[0#?]", code.split(".")[0] if "." in code else code
    ):
        return _date_section(lexemes)
    return _number_section(lexemes)


def _text_section(lexemes: list[tuple[str, str]]) -> TextSection | bool:
    before: list[str] = []
    after: list[str] = []
    seen = False
    for kind, value in lexemes:
        for char in value if kind == "code" else [value]:
            if kind == "code" and char == "@":
                if seen:
                    return False
                seen = True
            elif kind == "code" and char not in _PLAIN_LITERALS:
                return False
            else:
                (after if seen else before).append(char)
    return TextSection("".join(before), "".join(after))


def _number_section(lexemes: list[tuple[str, str]]) -> NumberSection | bool:
    prefix: list[str] = []
    suffix: list[str] = []
    digits: list[str] = []
    percent = False
    decorated = False
    for kind, value in lexemes:
        if kind != "code":
            (suffix if digits else prefix).append(value)
            decorated = decorated or bool(value.strip(" -+()"))
            continue
        if value in "0#?.,":
            if suffix:
                return False  # digits split by literal text: "000-000"
            digits.append(value)
        elif value == "%":
            percent = True
            (suffix if digits else prefix).append("%")
        elif value in _PLAIN_LITERALS:
            (suffix if digits else prefix).append(value)
            decorated = decorated or value not in " -+()"
        else:
            return False  # E+ exponents, fractions' "/", letters
    pattern = "".join(digits)
    if not pattern or pattern.count(".") > 1 or pattern.endswith(","):
        return False  # no digits, or a trailing comma (scaling by 1000)
    integer, _, fraction = pattern.partition(".")
    if "," in fraction:
        return False
    return NumberSection(
        prefix="".join(prefix),
        suffix="".join(suffix),
        integer_zeros=integer.count("0"),
        decimals=len(fraction),
        decimal_zeros=len(fraction.rstrip("#?")),
        grouping="," in integer,
        percent=percent,
        decorated=decorated or any(kind == "cur" for kind, _ in lexemes),
    )


def _date_section(lexemes: list[tuple[str, str]]) -> DateSection | bool:
    tokens: list[tuple[str, str]] = []
    for kind, value in lexemes:
        if kind != "code":
            tokens.append(("lit", value))
            continue
        tokens.append(("raw", value))
    text = "".join(value if kind == "raw" else "\0" for kind, value in tokens)
    literals = iter(value for kind, value in tokens if kind != "raw")
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\0":
            parts.append(("lit", next(literals)))
            position += 1
            continue
        found = _DATE_TOKEN.match(text, position)
        if found:
            parts.append(("part", found.group(0).lower()))
            position = found.end()
        elif char == "." and text[position + 1 : position + 2] == "0":
            return False  # fractions of a second
        elif char in _PLAIN_LITERALS or char in ".,":
            parts.append(("lit", char))
            position += 1
        else:
            return False
    twelve = any(kind == "part" and value in ("am/pm", "a/p") for kind, value in parts)
    resolved = _minutes(parts)
    if any(kind == "part" and value in ("e", "mmmmm") for kind, value in resolved):
        return False
    return DateSection(tuple(resolved), twelve)


def _minutes(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``m``/``mm`` right after an hour or right before seconds are minutes."""
    out = list(parts)
    fields = [i for i, (kind, _) in enumerate(out) if kind == "part"]
    for position, index in enumerate(fields):
        value = out[index][1]
        if value not in ("m", "mm"):
            continue
        before = out[fields[position - 1]][1] if position else ""
        after = out[fields[position + 1]][1] if position + 1 < len(fields) else ""
        if before.startswith("h") or after.startswith("s"):
            out[index] = ("part", "min" if value == "m" else "mmin")
    return out
