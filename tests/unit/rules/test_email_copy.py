"""The e-mail copy IO sends: links removed, ``---`` cut, 134 UTF-16 units, and the warning
when what it shows is empty or only a greeting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.identifiers.text import utf16_length
from batch.rules.email_copy import (
    BODY_LIMIT,
    ELLIPSIS,
    LINK_REMOVED,
    Emptiness,
    email_body,
    email_copy,
    emptiness,
    strip_markdown,
)

GOLDEN = Path(__file__).parents[2] / "fixtures" / "email_copy" / "io_prepare_body.json"


def _as_shown(text: str) -> str:
    """A lone surrogate (half an emoji) is what a mail reader shows as U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)


@pytest.mark.parametrize(("markdown", "expected"), json.loads(GOLDEN.read_text("utf-8")))
def test_the_same_text_as_ios_own_code(markdown: str, expected: str) -> None:
    assert email_body(markdown) == _as_shown(expected)


def test_a_link_keeps_its_text_and_loses_its_address() -> None:
    assert email_body("Leggi [il bando](https://www.comune.esempio.it/bando) entro venerdì.") == (
        "Leggi il bando entro venerdì."
    )


def test_a_bare_address_is_replaced() -> None:
    assert email_body("Vedi https://www.comune.esempio.it/tari?anno=2026#rata per i dettagli.") == (
        f"Vedi {LINK_REMOVED} per i dettagli."
    )


def test_only_what_follows_the_last_separator_is_shown() -> None:
    assert email_body("Intestazione dell'ente\n---\nIl testo che conta.") == "\nIl testo che conta."
    assert email_body("prima --- seconda --- terza") == " terza"
    # three dashes anywhere count, and a separator at the very end leaves nothing
    assert email_body("Tutto il testo prima.\n\n---") == ""


def test_the_cut_at_134_utf16_units_with_ios_ellipsis() -> None:
    assert email_body("a" * BODY_LIMIT) == "a" * BODY_LIMIT
    assert email_body("a" * (BODY_LIMIT + 1)) == "a" * BODY_LIMIT + ELLIPSIS
    # an emoji counts two: the cut goes through it
    assert email_body("a" * 133 + "😀b") == "a" * 133 + "\ufffd" + ELLIPSIS
    assert email_body("a" * 132 + "😀b") == "a" * 132 + "😀" + ELLIPSIS


def test_markdown_marks_are_removed() -> None:
    markdown = "# Avviso TARI\n\nTesto _importante_ e **grassetto** e `codice`.\n- voce"
    assert strip_markdown(markdown) == "Avviso TARI\n\nTesto importante e grassetto e codice.\nvoce"


@given(st.text(alphabet=st.sampled_from("ab è😀\n")))
def test_never_longer_than_134_units_plus_the_ellipsis(text: str) -> None:
    body = email_body(text)
    assert utf16_length(body.removesuffix(ELLIPSIS)) <= BODY_LIMIT
    assert body.endswith(ELLIPSIS) == (utf16_length(text) > BODY_LIMIT)


@pytest.mark.parametrize(
    "markdown",
    ["", "   \n\n", "---", "Intestazione\n---\n", "[](https://x.it)", "https://www.x.it/a", "***"],
)
def test_empty(markdown: str) -> None:
    assert emptiness(email_body(markdown)) is Emptiness.EMPTY


@pytest.mark.parametrize(
    "markdown",
    [
        "Gentile Mario Rossi,",
        "Gentile Sig. Rossi,\n\n" + " " * 140 + "Il testo.",
        "Buongiorno,",
        "Buongiorno",
        "**Gentile contribuente**,\n\n[](https://x.it)",
        "Dear Mr Smith,",
        "Sehr geehrte Frau Müller,",
        "Good morning",
        "Guten Tag Herr Weber",
        "Gentile " + "Maria " * 5 + ",\n\n" + "\n" * 130 + "Il testo.",
    ],
)
def test_only_a_greeting(markdown: str) -> None:
    assert emptiness(email_body(markdown)) is Emptiness.GREETING_ONLY


@pytest.mark.parametrize(
    "markdown",
    [
        "Gentile Mario Rossi,\n\nla rata della TARI scade il 31 marzo.",
        "Buongiorno, la rata della TARI scade il 31 marzo.",
        "Avviso TARI 2026",
        "La rata scade il 31 marzo",
        "Gentile " + "Maria " * 12,  # too many words for a greeting: the name is the text
        "Good news for the residents of Esempio",  # "good" alone opens no greeting
    ],
)
def test_not_a_greeting(markdown: str) -> None:
    assert emptiness(email_body(markdown)) is None


def test_the_copy_carries_the_subject_whole() -> None:
    copy = email_copy("TARI 2026: rata in scadenza", "Gentile Mario,")
    assert copy.subject == "TARI 2026: rata in scadenza"
    assert copy.problem is Emptiness.GREETING_ONLY
