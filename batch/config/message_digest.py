"""What goes out, as digests: the message part of a job, one stable hash per key.

A pilot records the digest of the templates its colleagues saw; an approval records it
with the input's, so that ``send`` can tell whether what will go out is what was
approved, and name what changed. The message part is every key that shapes a message
or decides who gets which: the templates of every language, the payment and other
message options, the duplicates policy, and the columns that feed the message's fields.
Not the target, the rate, the retries or the paths: those say where and how fast, not
what.

Each part is named as the job file names it (``message.de_DE.markdown``,
``columns.amount``), so a difference is reported in the operator's words; the job's
digest is the hash of all the parts together. Hashes of canonical JSON: the same job
gives the same digest in every version and on every machine.
"""

from __future__ import annotations

import hashlib
import json

from batch.config.job import Job


def message_parts(job: Job) -> dict[str, str]:
    """Every key of the message part of the job -> the SHA-256 of its value."""
    message = job.message
    values: dict[str, object] = {
        "message.subject": message.subject.text,
        "message.markdown": message.markdown.text,
        "message.language": message.language,
        "message.feature_level_type": message.feature_level_type.value,
        "message.time_to_live": message.time_to_live,
        "message.require_secure_channels": message.require_secure_channels,
        "message.invalid_after_due_date": message.invalid_after_due_date,
        "message.amount_unit": message.amount_unit.value,
        "message.has_attachments": message.has_attachments,
        "message.has_remote_content": message.has_remote_content,
        "message.has_precondition": message.has_precondition,
        "message.configuration_id": message.configuration_id,
        "message.duplicates": message.duplicates.value,
    }
    for variant in message.variants:
        values[f"message.{variant.language}.subject"] = variant.subject.text
        values[f"message.{variant.language}.markdown"] = variant.markdown.text
    for field, column in job.columns.used().items():
        values[f"columns.{field}"] = column
    return {name: _sha256(value) for name, value in values.items()}


def message_digest(job: Job) -> str:
    """One SHA-256 over every part: equal exactly when every part is."""
    return _sha256(message_parts(job))


def changed_parts(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The parts that differ, were added or were removed, in a stable order."""
    return sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))


def _sha256(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
