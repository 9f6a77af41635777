"""What feed mode records for a row the subscriber list does not hold."""

from __future__ import annotations

from batch.i18n import N_, _
from batch.models import Outcome, Status

NOT_SUBSCRIBED_CODE = "feed.not_subscribed"
NOT_SUBSCRIBED_REASON = N_(
    "not a subscriber of the service in the list kept from the subscriptions feed "
    '(no call made; [profile] check = "api" would ask IO)'
)


def not_subscribed() -> Outcome:
    return Outcome(Status.NOT_SUBSCRIBED, NOT_SUBSCRIBED_CODE, _(NOT_SUBSCRIBED_REASON))
