"""The decisions ``classify.py`` makes about one answer, and what the callers do with them.

Plain values: ``dispatch.py`` and ``verify.py`` act on them (record, retry, stop).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from batch.errors import AuthError, ConfigError, ExitCode
from batch.i18n import N_, _
from batch.models import Status

THROTTLED = "http.429"
_AUTH_HINT = N_(
    "check the API key, and the service's groups and allowed IP ranges in the IO back office"
)
_URL_HINT = N_(
    "check target.base_url: it is the API's origin, e.g. https://api.io.pagopa.it, without "
    "/api/v1 (io-batch adds the paths), and it must lead to IO's services API v1"
)


@dataclass(frozen=True, slots=True)
class Final:
    """The row's outcome is decided: no further call for this operation."""

    status: Status
    reason_code: str
    reason: str
    http_status: int | None = None
    message_id: str = ""


@dataclass(frozen=True, slots=True)
class Proceed:
    """Profile check 200 with ``sender_allowed: true``: the message may be submitted.

    ``preferred_languages``: the profile's, in its order (IO codes such as ``it_IT``)."""

    http_status: int = 200
    preferred_languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Retry:
    """Nothing was done: the same call may be made again (``after``: the server's hint)."""

    reason_code: str
    reason: str
    http_status: int | None = None
    after: float | None = None

    @property
    def throttled(self) -> bool:
        return self.reason_code == THROTTLED


@dataclass(frozen=True, slots=True)
class Abort:
    """The whole job must stop: the key or the service is refused (exit 4), or the
    answer shows that the URL or the API is not the one configured (exit 2)."""

    reason_code: str
    reason: str
    http_status: int | None = None
    exit_code: ExitCode = ExitCode.AUTH_ERROR

    @property
    def error(self) -> AuthError | ConfigError:
        if self.exit_code == ExitCode.CONFIG_ERROR:
            return ConfigError(self.reason, hint=_(_URL_HINT))
        return AuthError(self.reason, hint=_(_AUTH_HINT))


@dataclass(frozen=True, slots=True)
class MessageFound:
    """Get-message 200: the message's processing status (ACCEPTED, PROCESSED, ...)."""

    status: str
    http_status: int = 200


@dataclass(frozen=True, slots=True)
class MessageMissing:
    """Get-message answered, but with no status for this message (404, 403, 400...)."""

    reason_code: str
    reason: str
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class FeedDay:
    """Subscriptions feed 200: the digests that subscribed and unsubscribed that day."""

    subscriptions: tuple[str, ...]
    unsubscriptions: tuple[str, ...]
    http_status: int = 200


@dataclass(frozen=True, slots=True)
class FeedNotYet:
    """Subscriptions feed 404 "Data not available yet": the day has not ended at IO."""

    reason: str
    http_status: int = 404


ProfileDecision = Proceed | Final | Retry | Abort
SubmitDecision = Final | Retry | Abort
GetMessageDecision = MessageFound | MessageMissing | Retry | Abort
FeedDecision = FeedDay | FeedNotYet | Retry | Abort
Result = httpx.Response | Exception
