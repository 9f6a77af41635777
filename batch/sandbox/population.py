"""Who the sandbox's citizens are: a pure function of the seed and the fiscal code.

Tests (and io-batch's own tests) call ``profile_state`` to predict what the sandbox
will answer, with no sandbox running.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from batch.sandbox.config import SANDBOX_FISCAL_CODE, SandboxConfig

ProfileState = Literal["allowed", "blocked", "not_registered"]

_SCALE = float(1 << 64)


def unit_draw(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by the seed and the parts: a reproducible coin."""
    digest = hashlib.sha256(":".join((str(seed), *parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def profile_state(fiscal_code: str, config: SandboxConfig) -> ProfileState:
    """``allowed`` (200, sender_allowed true), ``blocked`` (200, false) or ``not_registered`` (404).

    ``registered_ratio`` of all fiscal codes have a profile; ``blocked_ratio`` of those
    have blocked the service. ``AAAAAA00A00A000A`` is always registered and allowed.
    """
    if fiscal_code == SANDBOX_FISCAL_CODE:
        return "allowed"
    if unit_draw(config.seed, "registered", fiscal_code) >= config.registered_ratio:
        return "not_registered"
    if unit_draw(config.seed, "blocked", fiscal_code) < config.blocked_ratio:
        return "blocked"
    return "allowed"


#: The sandbox's citizens' ``preferred_languages``, by share (a pure function of the seed
#: and the fiscal code): mostly Italian, some German first (South Tyrol: German, then
#: Italian), some English, and a few profiles that name no language at all.
LANGUAGE_SHARES: tuple[tuple[float, tuple[str, ...]], ...] = (
    (0.70, ("it_IT",)),
    (0.15, ("de_DE", "it_IT")),
    (0.10, ("en_GB",)),
    (0.05, ()),
)


def preferred_languages(fiscal_code: str, config: SandboxConfig) -> tuple[str, ...]:
    """The profile's ``preferred_languages``; ``AAAAAA00A00A000A`` prefers ``it_IT``."""
    if fiscal_code == SANDBOX_FISCAL_CODE:
        return ("it_IT",)
    draw = unit_draw(config.seed, "language", fiscal_code)
    for share, languages in LANGUAGE_SHARES:
        if draw < share:
            return languages
        draw -= share
    return LANGUAGE_SHARES[0][1]
