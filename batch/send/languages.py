"""Which language a citizen gets, and what "the same message" means for a job that
speaks several.

A citizen gets the first of the profile's ``preferred_languages`` that the job has;
when none matches (or the profile gives none), the row's language column, if the job
names one and the job has that language; else the job's base language.

The journal's content key. The language is known only after the profile check, but
whether a row is a duplicate or was ``already_sent`` must be decided before it (no
call is spent on a row that will not be sent). So for a job with languages the key is
the digest of every language's version of the row's message together: it depends only
on the row's data and the job's templates, never on the citizen's profile. A rerun
tomorrow finds ``already_sent`` even if the citizen changed their preferred language in
between (they got the message once, in the language they had then); a change of any
language's text is a new message, as a change of the one text is for a job with one
language. A job without languages keeps the digest of its one message, as before, so
journals written by earlier versions still stop a resend. ``rules.same_message`` computes
it (``content_digest``), with the rest of what "the same message" is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from batch.models import Message, Row


def pick_language(
    preferred: Sequence[str], available: Sequence[str], hint: str, default: str
) -> str:
    """The language to send in: the first preferred one the job has, else the hint (the
    language column's), if the job has it, else the default."""
    for code in preferred:
        if code in available:
            return code
    return hint if hint in available else default


def localised(row: Row, base_language: str, preferred: Sequence[str]) -> tuple[str, Message]:
    """The row's message in the language the citizen gets, and that language."""
    message = row.message
    assert message is not None  # only valid rows are sent
    texts = {t.language: t for t in row.translations}
    available = [base_language, *texts]
    language = pick_language(preferred, available, row.language_hint, base_language)
    if language == base_language:
        return language, message
    chosen = texts[language]
    return language, replace(message, subject=chosen.subject, markdown=chosen.markdown)
