"""The subscriptions feed's name for a citizen: the SHA-256 of the fiscal code.

IO computes ``lowercase(hex(sha256(uppercase(fiscal_code))))`` (the spec's FiscalCodeHash),
so a sender matches its rows against the feed by this digest, never by the code.
"""

from __future__ import annotations

import hashlib
import re

DIGEST_PATTERN = re.compile(r"[0-9a-f]{64}")


def code_digest(fiscal_code: str) -> str:
    """64 lower-case hex characters: the feed's hash of ``fiscal_code``."""
    return hashlib.sha256(fiscal_code.upper().encode("utf-8")).hexdigest()


def is_code_digest(value: object) -> bool:
    return isinstance(value, str) and DIGEST_PATTERN.fullmatch(value) is not None
