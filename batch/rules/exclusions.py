"""The exclusion list's rule: a row whose citizen is listed is never messaged.

The list holds fiscal codes, or the lower-case hex SHA-256 digests of upper-case codes
(the hash IO's subscriptions feed uses), so that it can be shared without personal
data. A row is excluded when its normalised fiscal code, or that code's digest, is
listed. An excluded row gets the status ``excluded`` whatever else is wrong with it:
the citizen asked not to be written to, and that is the answer the operator needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from batch.models import Outcome, Status

REASON_CODE = "row.excluded"


def digest(code: str) -> str:
    """The list's hash of a (normalised, upper-case) fiscal code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ExclusionList:
    path: Path
    codes: frozenset[str]
    digests: frozenset[str]

    def __len__(self) -> int:
        return len(self.codes) + len(self.digests)

    def listed(self, fiscal_codes: pl.Series) -> pl.Series:
        """True for each (normalised) code that the list names, as a code or a digest."""
        found = fiscal_codes.is_in(pl.Series(sorted(self.codes), dtype=pl.String).implode())
        if self.digests:
            # Hashing costs a pass in Python; only lists that hold digests pay for it.
            hashed = pl.Series([digest(code or "") for code in fiscal_codes.to_list()])
            found = found | hashed.is_in(pl.Series(sorted(self.digests)).implode())
        return found.fill_null(False)

    def outcome(self) -> Outcome:
        return Outcome(
            Status.EXCLUDED, REASON_CODE, f"listed in the exclusion list {self.path.name}"
        )


def split_excluded(
    validated: pl.DataFrame, fiscal_code: str, exclusions: ExclusionList | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(excluded rows, the others) of a validated batch; ``fiscal_code``: the column of
    normalised codes."""
    if exclusions is None or not len(exclusions) or not validated.height:
        return validated.clear(), validated
    mask = exclusions.listed(validated.get_column(fiscal_code))
    if not mask.any():
        return validated.clear(), validated
    return validated.filter(mask), validated.filter(~mask)
