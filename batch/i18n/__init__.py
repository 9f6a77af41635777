"""The office's language: every text that a person in an office reads, in Italian or English.

Reason texts of the results and error files, the dry run's report and preview, the
summary at the end of a run, the progress line, the HTML report and the job file's
refusals go through :func:`_` (or :func:`ngettext`); reason codes, column names, summary
keys and JSON logs stay as they are, because machines read them.

The catalogs are gettext's: ``locale/<lang>/LC_MESSAGES/io_batch.po``, reviewed as text,
compiled to ``.mo`` when the package is built (``setup.py``), read here with the
standard library. English is the source language: a text without a translation is shown
as written. A process speaks one language, chosen once at start-up
(:func:`choose_language`, then :func:`use_language`), before any text is made.

Placeholders are ``str.format`` names, filled after the translation:
``_("column {column} is empty").format(column=name)``; a test holds every catalog to the
same placeholders as its English text. A text made at import time (a constant) is
marked with :func:`N_` and translated where it is shown.

Every stage may use it (the architecture test counts it under every stage).

May import: ``errors``.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from batch.errors import BatchError, ExitCode

DOMAIN: Final = "io_batch"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The languages io-batch speaks; the first is the source language of the texts.
LANGUAGES: Final = ("en", "it")
DEFAULT_LANGUAGE: Final = "en"
#: The locale variables, strongest first, as POSIX reads them for messages.
LOCALE_VARIABLES: Final = ("LC_ALL", "LC_MESSAGES", "LANG")

_active: _gettext.NullTranslations = _gettext.NullTranslations()
_active_language: str = DEFAULT_LANGUAGE


class CatalogMissingError(BatchError):
    """The compiled catalog of a supported language is not installed: a broken build."""

    exit_code = ExitCode.INTERNAL_ERROR


def _(message: str) -> str:
    """``message`` in the process's language (as written when it has no translation)."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of ``singular``/``plural`` that fits ``count``, in the process's language."""
    return _active.ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for the catalogs without translating it now (import-time texts)."""
    return message


def current_language() -> str:
    """The language the process speaks: ``"en"`` or ``"it"``."""
    return _active_language


def use_language(language: str) -> None:
    """Speak ``language`` (one of :data:`LANGUAGES`) from now on, in the whole process."""
    global _active, _active_language  # noqa: PLW0603 - one language per process, by design
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: use one of {LANGUAGES}")
    _active = _translations(language)
    _active_language = language


def choose_language(
    command_line: str | None, job_file: str | None, environ: Mapping[str, str]
) -> str:
    """The language to speak: ``--lang``, else the job's ``[output] language``, else the
    locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``it_IT.UTF-8`` speaks Italian),
    else English. A locale in a language io-batch does not speak gives English."""
    for chosen in (command_line, job_file):
        if chosen:
            return chosen
    return language_of_locale(environ)


def language_of_locale(environ: Mapping[str, str]) -> str:
    """The language of the first locale variable that is set (``C``/``POSIX``: English)."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


#: The thousands and decimal separators of each language's numbers (CLDR's for en and it).
_SEPARATORS: Final = {"en": (",", "."), "it": (".", ",")}


def format_number(value: float, decimals: int = 0) -> str:
    """``value`` as a reader of the process's language writes it: 1,234.5 or 1.234,5."""
    thousands, decimal = _SEPARATORS[_active_language]
    written = f"{value:,.{decimals}f}"  # 1,234.50: swap to the language's separators
    return written.translate({ord(","): thousands, ord("."): decimal})


def format_percent(fraction: float, decimals: int = 1) -> str:
    """``fraction`` (0.5) as a percentage in the process's language: 50.0% or 50,0%."""
    return f"{format_number(fraction * 100, decimals)}%"


def _translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    try:
        return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language])
    except FileNotFoundError as missing:
        # A build that skipped the catalogs: say so, rather than speak English unasked.
        raise CatalogMissingError(
            f"the {language!r} texts are not installed ({DOMAIN}.mo is missing)",
            hint="reinstall io-batch: its build compiles the catalogs",
        ) from missing
