"""The names a validated batch uses, and a job's columns resolved against one file's header.

Shared by ``validate`` (which fills the columns) and ``rows`` (which reads them back).
Every column we add starts with an underscore: an input may have a column called
``line`` or ``reason_code`` (a results file given back for a rerun has both).
"""

from __future__ import annotations

from dataclasses import dataclass

from batch.config.job import Job
from batch.config.languages import MessageVariant
from batch.config.template import Template
from batch.input.columns import HeaderColumns

FISCAL_CODE = "_fiscal_code"
SUBJECT = "_subject"
MARKDOWN = "_markdown"
DUE_DATE = "_due_date"
AMOUNT_CENTS = "_amount_cents"
NOTICE_NUMBER = "_notice_number"
PAYEE_FISCAL_CODE = "_payee_fiscal_code"
THIRD_PARTY_ID = "_third_party_id"
INVALID_COLUMN = "_invalid_column"
REASON_CODE = "_reason_code"
REASON = "_reason"
LANGUAGE = "_language"  # the language column's cell as IO's code ("" when empty)
CONTENT_KEY = "_content_key"  # UInt64, with content_key=True: equal keys are duplicates

#: The invalid column of a problem with the CSV line itself or with a filled template.
WHOLE_LINE = "(line)"
SUBJECT_FIELD = "message.subject"
MARKDOWN_FIELD = "message.markdown"


def variant_field(language: str, field: str) -> str:
    """The invalid column of a language's filled template: ``message.de_DE.subject``."""
    return f"message.{language}.{field}"


@dataclass(frozen=True, slots=True)
class Plan:
    """The job's columns resolved against one file's header."""

    fiscal_code: str
    due_date: str | None
    amount: str | None
    notice_number: str | None
    payee: str | None
    third_party_id: str | None
    subject: Template
    markdown: Template
    placeholders: dict[str, str]  # template name -> header name (every language's)
    variants: tuple[MessageVariant, ...] = ()  # [message.<language>], parsed
    language: str | None = None  # the language column's header name
    multiline: frozenset[str] = frozenset()  # header names whose values may hold a line break
    dedupe_key: str | None = None  # the dedupe key's header name (``same_message``)

    @classmethod
    def of(cls, job: Job, columns: HeaderColumns) -> Plan:
        def optional(name: str | None) -> str | None:
            return None if name is None else columns.resolve(name)

        subject, markdown = job.message.subject, job.message.markdown
        variants = job.message.variants  # parsed with the job, like the base message
        names = [*subject.placeholders, *markdown.placeholders]
        for variant in variants:
            names += [*variant.subject.placeholders, *variant.markdown.placeholders]
        return cls(
            fiscal_code=columns.resolve(job.columns.fiscal_code),
            due_date=optional(job.columns.due_date),
            amount=optional(job.columns.amount),
            notice_number=optional(job.columns.notice_number),
            payee=optional(job.columns.payee_fiscal_code),
            third_party_id=optional(job.columns.third_party_id),
            subject=subject,
            markdown=markdown,
            placeholders={name: columns.resolve(name) for name in names},
            variants=variants,
            language=optional(job.columns.language),
            # The reader checked every one against the file's header; ``columns`` may be
            # only the columns the job reads (the dry run's), which need not name them all.
            multiline=frozenset(
                columns.resolve(name) for name in job.input.multiline_columns if name in columns
            ),
            dedupe_key=optional(job.columns.dedupe_key),
        )

    def used(self) -> list[str]:
        optional = [self.due_date, self.amount, self.notice_number, self.payee]
        optional += [self.third_party_id, self.language]
        names = [self.fiscal_code, *(n for n in optional if n), *self.placeholders.values()]
        return list(dict.fromkeys(names))


def trimmed(header_name: str) -> str:
    return f"_t:{header_name}"
