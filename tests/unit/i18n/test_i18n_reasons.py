"""Every reason code's text, in English and in Italian, made by the code that makes it.

A reason code without an example here fails (``reason_examples.collected_codes`` finds
them in the modules that make row reasons); so does a reason whose Italian is the
English text (no translation) or that lost or changed a value of the row (a line number,
a cell, a count, an HTTP status): those are compared digit for digit, once the thousands
separators each language writes are taken out.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from batch.i18n import use_language
from tests.unit.i18n.reason_examples import EXAMPLES, MADE_ELSEWHERE, collected_codes

#: 1,234 (English) and 1.234 (Italian) are both the number 1234.
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")


def _numbers(text: str) -> Counter[str]:
    return Counter(re.findall(r"\d+", _THOUSANDS.sub("", text)))


def _both(name: str, tmp_path: Path) -> tuple[str, str]:
    make = EXAMPLES[name]
    use_language("en")
    english = make(tmp_path / "en")
    use_language("it")
    italian = make(tmp_path / "it")
    use_language("en")
    return english, italian


def test_every_reason_code_has_an_example() -> None:
    missing = collected_codes() - set(EXAMPLES) - set(MADE_ELSEWHERE)
    assert not missing, f"reason codes with no example in reason_examples.py: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_reason_reads_in_italian_with_the_same_values(name: str, tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "it").mkdir()
    english, italian = _both(name, tmp_path)
    english_code, english_reason = english.split("|", 1)
    italian_code, italian_reason = italian.split("|", 1)
    assert italian_code == english_code  # the code is for machines: never translated
    assert name.split("/", maxsplit=1)[0] in (english_code, "gave_up")
    assert english_reason and italian_reason != english_reason
    assert _numbers(italian_reason) == _numbers(english_reason), (english_reason, italian_reason)
