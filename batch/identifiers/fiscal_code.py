"""The Italian *codice fiscale*: format, check character, and a generator of valid codes.

The check character (16th) is computed from the first 15 with the standard tables of
the Agenzia delle Entrate: characters in odd positions (1st, 3rd, ... 15th) and in even
positions (2nd, ... 14th) have separate values; the sum modulo 26 is the letter.

Omocodia: when two people would get the same code, digits in the date and place parts
are replaced by letters (0-9 -> L M N P Q R S T U V). The tables give every letter and
digit a value, so the check character of an omocode is computed the same way, over the
characters as they stand; the regex below already allows the letters there.
"""

from __future__ import annotations

import random
import re
import string

from batch.identifiers.text import trim

#: The pattern IO enforces (docs/io-sources.md), anchored, upper case only.
PATTERN = (
    r"^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$"
)
_REGEX = re.compile(PATTERN)

#: IO's sandbox recipient: valid for IO though its check character is not the computed one.
SANDBOX = "AAAAAA00A00A000A"

#: Value of a character in an odd position, indexed by its even-position value (0-25):
#: a digit d and the letter chr(ord("A") + d) share both values, which the vectorised
#: check in ``rules`` relies on.
ODD_VALUES = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)

_OMOCODE_LETTERS = "LMNPQRSTUV"  # replace the digits 0-9 in an omocode
_OMOCODE_POSITIONS = (14, 13, 12, 10, 9, 7, 6)  # 0-based, replaced right to left
_MONTHS = "ABCDEHLMPRST"
_CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
_VOWELS = "AEIOU"


def even_value(char: str) -> int:
    """The value of a character in an even position: 0-9 for digits, 0-25 for A-Z."""
    if char.isdigit():
        return ord(char) - ord("0")
    return ord(char) - ord("A")


def check_character(first15: str) -> str:
    """The check character of the first 15 characters of a code (upper case)."""
    if len(first15) != 15 or not all(c in string.ascii_uppercase + string.digits for c in first15):
        raise ValueError("need the first 15 characters of a fiscal code, upper case")
    total = 0
    for index, char in enumerate(first15):
        value = even_value(char)
        # index 0 is the 1st character, an odd position.
        total += ODD_VALUES[value] if index % 2 == 0 else value
    return chr(ord("A") + total % 26)


def normalise(code: str) -> str:
    """What the operator meant: surrounding whitespace dropped, upper case.

    Only an ASCII code is upper-cased: Unicode maps long s (U+017F) to ``S``, dotless i
    (U+0131) to ``I`` and the ff ligature (U+FB00) to ``FF``, which would turn a mistyped
    code into another citizen's. Any other code comes back as written, and ``is_valid``
    refuses it.
    """
    stripped = trim(code)
    return stripped.upper() if stripped.isascii() else stripped


def is_valid(code: str) -> bool:
    """Does ``code`` (already normalised) pass IO's regex and the check character?"""
    if not code.isascii() or _REGEX.fullmatch(code) is None:
        return False
    return code == SANDBOX or check_character(code[:15]) == code[15]


def generate(rng: random.Random, *, omocode_ratio: float = 0.02) -> str:
    """A random, plausible and valid fiscal code (for tests, samples and benchmarks)."""
    surname = "".join(rng.choice(_CONSONANTS) for _ in range(2)) + rng.choice(_VOWELS)
    name = rng.choice(_CONSONANTS) + rng.choice(_VOWELS) + rng.choice(_CONSONANTS)
    year = f"{rng.randint(0, 99):02d}"
    month = rng.choice(_MONTHS)
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    place = rng.choice("ABCDEFGHILMZ") + f"{rng.randint(1, 999):03d}"
    chars = list(surname + name + year + month + f"{day:02d}" + place)
    if rng.random() < omocode_ratio:
        for position in _OMOCODE_POSITIONS[: rng.randint(1, len(_OMOCODE_POSITIONS))]:
            chars[position] = _OMOCODE_LETTERS[int(chars[position])]
    first15 = "".join(chars)
    return first15 + check_character(first15)
