"""The one rule for a valid IO message id, used by ``send`` (what it records), ``verify``
(what it asks about) and the job's rules (``message.configuration_id`` is a ULID too).

IO's message ids are ULIDs (docs/io-sources.md): 26 characters of Crockford base32,
which IO's Ulid codec accepts in either case. The spec only says "string", so an id of
any other shape comes from a server that is not IO and cannot be asked about later.
"""

from __future__ import annotations

import re

#: The one copy of the ULID shape on the client side (the sandbox keeps its own, as an
#: independent oracle): Crockford base32, either case, matched whole.
_ULID = re.compile(r"[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{26}")


def is_message_id(value: str) -> bool:
    """Whether ``value`` is an IO message id (a ULID)."""
    return _ULID.fullmatch(value) is not None
