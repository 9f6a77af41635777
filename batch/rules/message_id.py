"""The one rule for a valid IO message id, used by ``send`` (what it records) and
``verify`` (what it asks about).

IO's message ids are ULIDs (io-api.md section 1): 26 characters of Crockford base32,
which IO's Ulid codec accepts in either case. The spec only says "string", so an id of
any other shape comes from a server that is not IO and cannot be asked about later.
"""

from __future__ import annotations

import re

ULID_PATTERN = r"^[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{26}$"
_ULID = re.compile(ULID_PATTERN)


def is_message_id(value: str) -> bool:
    """Whether ``value`` is an IO message id (a ULID)."""
    return _ULID.fullmatch(value) is not None
