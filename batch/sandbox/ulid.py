"""ULIDs, as IO uses for message ids: 26 Crockford base32 characters, time-ordered.

48 bits of milliseconds since the epoch, then 80 random bits. Within one
millisecond the random part is incremented, so ids from one generator sort in the
order they were made (the "monotonic" ULID variant).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The server's Ulid codec (io-ts-commons strings.ts): case-insensitive Crockford, 26 chars.
# A copy of identifiers.message_id's pattern on purpose: the sandbox is an independent oracle
# and shares no validation code with the client it tests.
ULID_PATTERN = re.compile(r"^[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{26}$")
_RANDOM_BITS = 80
_RANDOM_LIMIT = 1 << _RANDOM_BITS


def encode(value: int) -> str:
    """The 26-character Crockford base32 form of a 128-bit integer."""
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def timestamp_ms(ulid: str) -> int:
    """The millisecond timestamp of a ULID."""
    value = 0
    for char in ulid[:10].upper():
        value = value * 32 + CROCKFORD.index(char)
    return value


def is_ulid(value: str) -> bool:
    return ULID_PATTERN.match(value) is not None


class UlidGenerator:
    """Makes strictly increasing ULIDs; safe to share between threads."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._clock = clock
        self._random_bytes = random_bytes
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def __call__(self) -> str:
        with self._lock:
            ms = int(self._clock() * 1000)
            if ms <= self._last_ms:
                # Same (or an earlier, if the wall clock stepped back) millisecond: keep
                # the last time and count up, so the order still holds.
                ms = self._last_ms
                random_part = self._last_random + 1
                if random_part >= _RANDOM_LIMIT:  # 2**80 ids in one ms: move to the next
                    ms, random_part = ms + 1, 0
            else:
                random_part = int.from_bytes(self._random_bytes(10), "big")
            self._last_ms, self._last_random = ms, random_part
            return encode((ms << _RANDOM_BITS) | random_part)


new_ulid = UlidGenerator()
