"""``[output] language``: the language of the texts an office reads (``"it"`` or ``"en"``).

Read twice on purpose: once by :func:`language_in_job_file`, before the job is parsed,
so that the job file's own refusals already speak the chosen language; and once with
the rest of ``[output]`` (:func:`parse_language`), where a wrong value is refused.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from batch.config.toml_table import Table
from batch.errors import ConfigError
from batch.i18n import LANGUAGES, _


def parse_language(output_section: Table) -> str | None:
    """The job's ``[output] language``, or None when it names none (the locale decides)."""
    language = output_section.optional_str("language")
    if language is not None and language not in LANGUAGES:
        raise ConfigError(
            _("[output] language = {value} is not one io-batch speaks").format(
                value=repr(language)
            ),
            hint=_("use one of {choices}").format(
                choices=", ".join(repr(code) for code in LANGUAGES)
            ),
        )
    return language


def language_in_job_file(path: Path | None) -> str | None:
    """``[output] language`` of the job file at ``path`` when it reads as one, else None.

    Never raises: an unreadable or broken job file is refused by the job's own parsing
    a moment later, in the language chosen without it."""
    if path is None:
        return None
    try:
        with path.open("rb") as job_file:
            output = tomllib.load(job_file).get("output", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    language = output.get("language") if isinstance(output, dict) else None
    return language if isinstance(language, str) and language in LANGUAGES else None
