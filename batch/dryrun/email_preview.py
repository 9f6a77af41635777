"""The dry run's look at the e-mail copy IO sends of each previewed message.

Citizens who enabled e-mail get, besides the message in the app, a copy with the subject
and only the first 134 characters of the text (``batch/rules/email_copy.py``). The preview
shows that copy in each of the job's languages, and warns when it shows nothing, or
nothing but the greeting ("Gentile Mario Rossi,"), so the office can put the point of the
message first before anything is sent.

Only the previewed rows are checked: the dry run does not build every row's text (that
keeps it fast), and the beginning of the text comes from the job's template, the same for
every row but for the cells it takes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TextIO

from batch.config.job import Job
from batch.i18n import N_, _
from batch.models import Row
from batch.rules.email_copy import (
    EMPTY_MESSAGE,
    GREETING_ONLY_MESSAGE,
    Emptiness,
    email_body,
    emptiness,
)

MESSAGES = {Emptiness.EMPTY: EMPTY_MESSAGE, Emptiness.GREETING_ONLY: GREETING_ONLY_MESSAGE}
#: How to fix it, on a line of its own (each line fits 80 columns, in each language).
HINTS = {
    Emptiness.EMPTY: N_("the copy keeps the text after the last '---', without links or marks"),
    Emptiness.GREETING_ONLY: N_("put the point of the message within its first 134 characters"),
}
#: The preview's labels (subject, markdown, e-mail) take this many columns, at least.
LABEL_WIDTH = 10
_WIDTH = 78  # the copy is wrapped to fit an 80-column terminal


def label(text: str) -> str:
    """A preview label (``subject:``) padded so that the texts after it line up."""
    return f"{text:<{max(LABEL_WIDTH, len(text) + 1)}}"


@dataclass(frozen=True)
class EmailCopyWarning:
    code: Emptiness
    line: int
    language: str


def sends_no_email(job: Job) -> bool:
    """``require_secure_channels = true``: IO sends the message to the app only."""
    return job.message.require_secure_channels is True


def texts(row: Row, base_language: str) -> list[tuple[str, str, str]]:
    """(language, subject, markdown) of the row's message in each of the job's languages."""
    message = row.message
    assert message is not None
    return [
        (base_language, message.subject, message.markdown),
        *((t.language, t.subject, t.markdown) for t in row.translations),
    ]


def write_email_copy(markdown: str, out: TextIO) -> None:
    """The copy's text under the preview of the message (its subject is the message's)."""
    lines = [line for line in email_body(markdown).splitlines() if line.strip()]
    email_label = "  " + label(_("e-mail:"))
    if not lines:
        out.write(email_label + _("(nothing: the copy shows the subject alone)") + "\n")
        return
    indent = " " * len(email_label)
    for index, line in enumerate(lines):
        first = email_label if index == 0 else indent
        wrapped = textwrap.wrap(
            line.strip(), _WIDTH, initial_indent=first, subsequent_indent=indent
        )
        out.write("".join(f"{part}\n" for part in wrapped))


def warnings_of(previews: list[Row], job: Job) -> list[EmailCopyWarning]:
    """The previewed messages whose e-mail copy shows nothing or only a greeting."""
    if sends_no_email(job):
        return []
    found = []
    for row in previews:
        for language, _subject, markdown in texts(row, job.message.language):
            problem = emptiness(email_body(markdown))
            if problem is not None:
                found.append(EmailCopyWarning(problem, row.line, language))
    return found


def write_warnings(warnings: list[EmailCopyWarning], job: Job, out: TextIO) -> None:
    if not warnings:
        return
    several = len(job.message.languages) > 1
    out.write(_("Warnings on the e-mail copy (of the previewed lines, in each language):") + "\n")
    for code in Emptiness:
        lines = [w for w in warnings if w.code is code]
        if not lines:
            continue
        places = ", ".join(
            _("line {line} ({language})").format(line=w.line, language=w.language)
            if several
            else _("line {line}").format(line=w.line)
            for w in lines
        )
        message, hint = _(MESSAGES[code]), _(HINTS[code])
        out.write(f"  {code}: {message}\n    {hint}\n    {places}\n")
