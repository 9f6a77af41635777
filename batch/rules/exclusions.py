"""The exclusion list's rule: a row whose citizen is listed is never messaged.

The list holds fiscal codes, or the lower-case hex SHA-256 digests of upper-case codes
(the hash IO's subscriptions feed uses), so that it can be shared without personal
data. A row is excluded when its normalised fiscal code, or that code's digest, is
listed. An excluded row gets the status ``excluded`` whatever else is wrong with it:
the citizen asked not to be written to, and that is the answer the operator needs.
"""

from __future__ import annotations

import polars as pl

from batch.i18n import _
from batch.input.exclusions import ExclusionList
from batch.models import Outcome, Status

REASON_CODE = "row.excluded"


def excluded_outcome(exclusions: ExclusionList) -> Outcome:
    """The outcome of a row whose citizen is listed."""
    reason = _("listed in the exclusion list {file}").format(file=exclusions.path.name)
    return Outcome(Status.EXCLUDED, REASON_CODE, reason)


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
