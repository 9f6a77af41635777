"""An errata's subject starts with "Errata corrige", as PagoPA asks: else, a warning.

PagoPA's word to a sender whose campaign went out wrong is to write again to the same
recipients, titled "Errata corrige" followed by the original title. Case does not matter
("ERRATA CORRIGE", "errata corrige"), nor blanks before it; every language's subject is
checked, since each is what some citizens read. Not an error: the operator may have a
reason (a title PagoPA agreed to), and the dry run and the log say it plainly.
"""

from __future__ import annotations

from batch.config.job import Job
from batch.i18n import N_, _

PREFIX = "Errata corrige"
WARNING_CODE = "errata.subject"
#: The warning's text (``describe``).
WITHOUT_PREFIX_WARNING = N_(
    "{fields} does not start with {prefix}: PagoPA asks an errata to be titled "
    '"{title}" followed by the original title, so that the citizen knows which message '
    "it corrects"
)


def subjects_without_prefix(job: Job) -> list[str]:
    """The subject templates (by field) that do not start with "Errata corrige"."""
    message = job.message
    subjects = {"message.subject": message.subject.text}
    subjects |= {f"message.{v.language}.subject": v.subject.text for v in message.variants}
    prefix = PREFIX.casefold()
    return [
        field for field, text in subjects.items() if not text.lstrip().casefold().startswith(prefix)
    ]


def describe(fields: list[str], *, english: bool = False) -> str:
    """The warning's text: in the process's language, or in English for the log."""
    text = WITHOUT_PREFIX_WARNING if english else _(WITHOUT_PREFIX_WARNING)
    return text.format(fields=", ".join(fields), prefix=repr(PREFIX), title=PREFIX)
