"""What "the same message" is: one definition for ``send``, ``validate`` and ``[guard]``.

Two valid rows are the same message when they go to the same citizen and

- the job names a ``[columns] dedupe_key`` and both rows have the same (trimmed) key
  there: the key says what the message is, whatever its text (a corrected text is not
  sent again, two case numbers are two messages even with the same text);
- otherwise (no dedupe key, or an empty cell) when their content is the same: in every
  language the job has (``content_digest``).

Within one file the job's ``duplicates`` policy applies that definition: ``send_once``
sends the first of the same messages, ``one_per_citizen`` the first row of each citizen,
``send_all`` every row. Across runs the journal applies it (``already_sent``).

``SameMessage`` gives it in the two forms the code needs: ``digest`` for one row (the
journal's key, what ``send`` claims and records) and ``file_key`` for a whole batch at a
time (polars, what the dry run and the guard count, a million rows a second without
filling the templates). Tests hold the two to the same answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import polars as pl

from batch.config.choices import DuplicatePolicy
from batch.config.job import Job
from batch.identifiers.text import trim
from batch.models import Row
from batch.rules.plan import (
    AMOUNT_CENTS,
    DUE_DATE,
    NOTICE_NUMBER,
    PAYEE_FISCAL_CODE,
    THIRD_PARTY_ID,
    Plan,
    trimmed,
)

KEY_PREFIX = "key:"
_FNV_PRIME = 1099511628211
_KEY_SEED = 97  # the dedupe key's hash, apart from every content column's seed


@dataclass(frozen=True, slots=True)
class SameMessage:
    policy: DuplicatePolicy
    dedupe_key: str | None  # the job's [columns] dedupe_key, None: the content decides
    base_language: str

    @classmethod
    def of(cls, job: Job) -> SameMessage:
        return cls(job.message.duplicates, job.columns.dedupe_key, job.message.language)

    def digest(self, row: Row, key_column: str | None) -> str:
        """The journal's key of a valid row's message: its dedupe key's digest, or its
        content's. ``key_column``: the dedupe key's column in this file's header."""
        key = trim(row.fields.get(key_column, "")) if key_column else ""
        if not key:
            return content_digest(row, self.base_language)
        return KEY_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()

    def file_key(self, plan: Plan, fiscal_code: pl.Expr) -> pl.Expr:
        """UInt64 per row of a validated batch: equal keys are the rows the job's
        ``duplicates`` policy sends once (null for ``send_all``: none)."""
        if self.policy is DuplicatePolicy.SEND_ALL:
            return pl.lit(None, dtype=pl.UInt64)
        citizen = fiscal_code.hash(seed=0)
        if self.policy is DuplicatePolicy.ONE_PER_CITIZEN:
            return fiscal_code.hash(seed=7)
        by_content = _content_key(plan, citizen)
        if plan.dedupe_key is None:
            return by_content
        key = pl.col(plan.dedupe_key).fill_null("").str.strip_chars()
        by_key = citizen * _FNV_PRIME + key.hash(seed=_KEY_SEED)
        return pl.when(key != "").then(by_key).otherwise(by_content)


def _content_key(plan: Plan, citizen: pl.Expr) -> pl.Expr:
    # The templates' cells stand for the filled texts (they decide them), so the texts
    # need not be built in a dry run. Column hashes folded FNV-style (wrapping UInt64):
    # several times faster than a struct hash.
    parts = [pl.col(trimmed(name)) for name in plan.placeholders.values()]
    present = {
        DUE_DATE: plan.due_date,
        AMOUNT_CENTS: plan.amount,
        NOTICE_NUMBER: plan.notice_number,
        PAYEE_FISCAL_CODE: plan.payee,
        THIRD_PARTY_ID: plan.third_party_id,
    }
    parts += [pl.col(output) for output, name in present.items() if name is not None]
    key = citizen
    for seed, part in enumerate(parts, 1):
        key = key * _FNV_PRIME + part.hash(seed=seed)
    return key


def content_digest(row: Row, base_language: str) -> str:
    """The journal's key of the row's content: for a job with languages, the digest of
    every language's version together (``send.languages`` says why); else the digest
    of its one message, as journals written by earlier versions have it."""
    message = row.message
    assert message is not None
    if not row.translations:
        return message.content_hash()
    canonical = json.dumps(
        {
            "payload": message.to_payload(),
            "language": base_language,
            "translations": {t.language: [t.subject, t.markdown] for t in row.translations},
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return "lang:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
