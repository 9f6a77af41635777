"""The job's messages per language: ``[message.de_DE] subject = ..., markdown = ...``.

The base ``[message]`` subject and markdown are the default; each language table gives
the same two templates in another language. A citizen gets the first of the profile's
``preferred_languages`` that the job has, else the language column's (when the job
names one), else the default (``send/languages.py`` decides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from batch.config.template import Template
from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import _

#: IO's language codes (``PreferredLanguage``: it_IT, en_GB, es_ES, de_DE, fr_FR; the enum
#: is extensible): two lower-case letters, ``_``, two upper-case letters.
LANGUAGE_CODE = re.compile(r"[a-z]{2}_[A-Z]{2}")
#: What a language column's cell may hold once normalised (see ``normalise_language``).
_LOOSE_CODE = re.compile(r"([A-Za-z]{2})[_-]([A-Za-z]{2})")


@dataclass(frozen=True, slots=True)
class MessageVariant:
    """The subject and markdown templates of one language, parsed once with the job."""

    language: str
    subject: Template
    markdown: Template


def take_variants(raw_message: dict[str, Any]) -> tuple[dict[str, Any], tuple[MessageVariant, ...]]:
    """Split ``[message]`` into its own keys and its language tables (in file order)."""
    own: dict[str, Any] = {}
    variants: list[MessageVariant] = []
    for key, value in raw_message.items():
        if not isinstance(value, dict):
            own[key] = value
            continue
        if not LANGUAGE_CODE.fullmatch(key):
            raise ConfigError(
                _(
                    "[message.{key}] is not a language: write IO's code, such as de_DE or en_GB"
                ).format(key=key),
                hint=_("a language table holds the subject and markdown in that language"),
            )
        table = Table(value, f"message.{key}")
        variants.append(
            MessageVariant(
                language=key,
                # A malformed template fails here, before any row is read.
                subject=Template.parse(table.required_str("subject")),
                markdown=Template.parse(table.required_str("markdown")),
            )
        )
        table.done()
    return own, tuple(variants)


def check_language(code: str, key: str) -> str:
    if not LANGUAGE_CODE.fullmatch(code):
        raise ConfigError(
            _("{key} must be a language code such as it_IT or de_DE; got {value}").format(
                key=key, value=repr(code)
            )
        )
    return code


def normalise_language(cell: str) -> str | None:
    """A language column's cell as IO's code (``de-de`` -> ``de_DE``); "" for an empty
    cell; None when it is no language code at all."""
    text = cell.strip()
    if not text:
        return ""
    match = _LOOSE_CODE.fullmatch(text)
    if match is None:
        return None
    return f"{match.group(1).lower()}_{match.group(2).upper()}"
