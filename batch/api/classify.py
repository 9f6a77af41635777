"""Pure: what one API answer (or the exception instead of one) means for the row.

Each operation has its own table (docs/io-sources.md): the same status code can
mean "final" on one operation and "retry" on another, and a lost answer to a submit
is "unknown" while a lost answer to a read is simply retried. Nothing here does I/O,
sleeps or raises: the dispatcher acts on the decision. Reading the bodies themselves
(ProblemJson, APIM's format, anything else) is ``wire.py``'s job.
"""

from __future__ import annotations

import httpx

from batch.api.decisions import (
    THROTTLED,
    Abort,
    Final,
    GetMessageDecision,
    MessageFound,
    MessageMissing,
    Proceed,
    ProfileDecision,
    Result,
    Retry,
    SubmitDecision,
)
from batch.api.not_io import (
    called_url,
    describe_body,
    describe_problem,
    is_problem_json,
    is_profile_not_found,
)
from batch.api.wire import created_message_id, json_body, problem_text, retry_after_seconds
from batch.common.logs import mask_text
from batch.errors import ExitCode
from batch.i18n import N_, _
from batch.identifiers.message_id import is_message_id
from batch.models import Status

CLIENT_ERROR = "net.client_error"
# The request never reached the server: retrying is safe, even for a submit.
NOT_SENT: dict[type[Exception], str] = {
    httpx.ConnectTimeout: "net.connect_timeout",
    httpx.PoolTimeout: "net.pool_timeout",
    httpx.ConnectError: "net.connect",
    httpx.ProxyError: "net.proxy",
}
# 403 texts that refuse the key or the service itself: every row would get the same.
#: Why a get-message answer about another message is not taken, by the member that differs.
_OTHER_MESSAGE = {
    "id": N_(
        "IO answered about another message (id {answered} instead of {asked}): not recorded "
        "as this message's status"
    ),
    "fiscal_code": N_(
        "IO answered about another message (fiscal code {answered} instead of {asked}): not "
        "recorded as this message's status"
    ),
}
JOB_LEVEL_403 = {
    "user has no valid scopes": "auth.no_valid_scopes",
    "you are not allowed here": "auth.not_allowed_here",
    "production call forbidden": "auth.production_forbidden",
    "anonymous user": "auth.anonymous",
}


def classify_profile(result: Result) -> ProfileDecision:
    """``POST /profiles``: a read, so any transient failure is simply retried."""
    if isinstance(result, Exception):
        retry = _read_failure(result, "profile")
        made = _describe(result, _("call not made"))
        return retry or Final(Status.FAILED, CLIENT_ERROR, made)
    code = result.status_code
    if code == 200:
        body = json_body(result)
        allowed = body.get("sender_allowed") if isinstance(body, dict) else None
        if allowed is True:
            return Proceed(preferred_languages=_preferred_languages(body))
        if allowed is False:
            reason = _("the citizen does not accept messages from this service")
            return Final(Status.NOT_ALLOWED, "profile.sender_not_allowed", reason, code)
        # Not IO's LimitedProfile: another API version or another server, for every row.
        what = describe_body(result)
        if isinstance(body, dict) and "sender_allowed" in body:
            what = _("sender_allowed is a JSON {kind}, in {body}").format(
                kind=type(allowed).__name__, body=what
            )
        reason = _(
            "the profile check at {url} answered 200 without a boolean sender_allowed "
            "({body}): not IO's answer, so no message can be sent"
        ).format(url=called_url(result), body=what)
        return Abort("profile.bad_answer", reason, code, ExitCode.CONFIG_ERROR)
    text = problem_text(result)
    if code == 404:
        if not is_profile_not_found(result):  # IO's one 404 here; any other: no such path
            return _wrong_url(result, describe_problem(result), _("IO's 'Profile not found'"))
        reason = _with(_("no IO profile, or the citizen's IO inbox is disabled"), text)
        return Final(Status.NOT_REGISTERED, "profile.not_found", reason, code)
    if code == 400:
        reason = _with(_("bad request"), text)
        return Final(Status.REJECTED, "profile.bad_request", reason, code)
    if _recipient_forbidden(code, text):
        return Final(
            Status.NOT_TEST_RECIPIENT, "profile.recipient_forbidden", _test_mode(text), code
        )
    common = _common(result, text, "profile")
    if common is not None:
        return common
    if code == 403:  # only "Recipient forbidden" is about one citizen
        return _foreign_403(result)
    reason = _with(_("unexpected HTTP {code}").format(code=code), text)
    return Final(Status.FAILED, "profile.unexpected_status", reason, code)


def classify_submit(result: Result) -> SubmitDecision:
    """``POST /messages``: no idempotency, so only answers that prove nothing was
    queued are retried; a lost answer is ``unknown``, never retried automatically."""
    if isinstance(result, Exception):
        return _submit_failure(result)
    code = result.status_code
    if code == 201:
        message_id = created_message_id(result)
        if is_message_id(message_id):
            return Final(Status.SENT, "submit.accepted", _("accepted by IO"), code, message_id)
        if message_id:
            reason = _(
                "accepted by IO, but its id {id} is not an IO message id (a ULID): it cannot "
                "be verified"
            ).format(id=repr(message_id[:40]))
            return Final(Status.SENT, "submit.accepted_bad_id", reason, code)
        reason = _("accepted by IO, but the answer carried no message id: it cannot be verified")
        return Final(Status.SENT, "submit.accepted_without_id", reason, code)
    text = problem_text(result)
    if code == 400:
        reason = _with(_("bad request"), text)
        return Final(Status.REJECTED, "submit.bad_request", reason, code)
    if code == 404:
        if not is_problem_json(result):
            return _wrong_url(result)
        return Final(Status.REJECTED, "submit.not_found", _with(_("not found"), text), code)
    if code == 500:  # every 500 of CreateMessage comes before the message is queued
        return Retry("submit.server_error", _with(_("server error, not queued"), text), code)
    if code in (502, 503, 504):  # a gateway's answer: the backend may have queued it
        fate = _("gateway error HTTP {code}: the message may or may not have been accepted")
        reason = _with(fate.format(code=code), text)
        return Final(Status.UNKNOWN, "submit.gateway_error", reason, code)
    if code == 408 or not 400 <= code < 500:
        fate = _("unexpected HTTP {code}: the message may or may not have been accepted")
        reason = _with(fate.format(code=code), text)
        return Final(Status.UNKNOWN, "submit.unexpected_status", reason, code)
    if _recipient_forbidden(code, text):
        return Final(
            Status.NOT_TEST_RECIPIENT, "submit.recipient_forbidden", _test_mode(text), code
        )
    common = _common(result, text, "submit")
    if common is not None:
        return common
    if code == 403:
        if not is_problem_json(result):  # IO's own 403s are ProblemJson: this one is not
            return _foreign_403(result)
        # IO's refusals of this message's content (payee, Premium, attachments...).
        return Final(Status.REJECTED, "submit.forbidden", _with(_("forbidden"), text), code)
    reason = _with(_("refused with HTTP {code}").format(code=code), text)
    return Final(Status.REJECTED, "submit.unexpected_status", reason, code)


def classify_get_message(
    result: Result, fiscal_code: str = "", message_id: str = ""
) -> GetMessageDecision:
    """``GET /messages/{fiscal_code}/{id}``: a read, retried like the profile check.

    With ``fiscal_code`` and ``message_id`` (the question), an answer about another
    message is not taken as this one's status."""
    if isinstance(result, Exception):
        retry = _read_failure(result, "get_message")
        return retry or MessageMissing(CLIENT_ERROR, _describe(result, _("call not made")))
    code = result.status_code
    if code == 200:
        body = json_body(result)
        status = body.get("status") if isinstance(body, dict) else None
        if isinstance(status, str) and status:
            mismatch = _other_message(body, fiscal_code, message_id)
            if mismatch:
                return MessageMissing("get_message.answer_mismatch", mismatch, code)
            return MessageFound(status)
        text = problem_text(result)
        return Retry("get_message.bad_answer", _with(_("200 without a status"), text), code)
    text = problem_text(result)
    if code == 404:
        if not is_problem_json(result):
            return _wrong_url(result)
        reason = _with(_("no such message"), text)
        return MessageMissing("get_message.not_found", reason, code)
    # "You are not allowed here" too, but about this one message, not the service.
    if code == 403 and "messages that you have sent" in text.lower():
        reason = _with(_("sent by another service"), text)
        return MessageMissing("get_message.forbidden", reason, code)
    if code == 400:
        reason = _with(_("bad request"), text)
        return MessageMissing("get_message.bad_request", reason, code)
    common = _common(result, text, "get_message")
    if common is not None:
        return common
    if code == 403:  # as on the profile check: not about this message, so about the key
        return _foreign_403(result)
    reason = _with(_("unexpected HTTP {code}").format(code=code), text)
    return MessageMissing("get_message.unexpected_status", reason, code)


def _common(result: httpx.Response, text: str, operation: str) -> Abort | Retry | None:
    """The answers every operation shares: refused key or service, throttling, 5xx."""
    code = result.status_code
    if code == 401:
        reason = _with(_("the API refused the key (HTTP 401)"), text)
        return Abort("auth.invalid_key", reason, code)
    if code == 403:
        lowered = text.lower()
        for phrase, reason_code in JOB_LEVEL_403.items():
            if phrase in lowered:
                reason = _with(_("the API refused the service (HTTP 403)"), text)
                return Abort(reason_code, reason, code)
        return None
    if code == 429:
        after = retry_after_seconds(result)
        return Retry(THROTTLED, _with(_("rate limit exceeded (HTTP 429)"), text), code, after)
    if code == 408:
        reason = _with(_("request timeout (HTTP 408)"), text)
        return Retry(f"{operation}.timeout", reason, code)
    if code >= 500:
        reason = _with(_("server error HTTP {code}").format(code=code), text)
        return Retry(f"{operation}.server_error", reason, code)
    return None


def _preferred_languages(body: dict[str, object]) -> tuple[str, ...]:
    """The profile's ``preferred_languages`` (optional in ``LimitedProfile``): the string
    items, in order; anything else there (a missing member, null, another shape) is no
    preference, so the message goes out in the default language."""
    languages = body.get("preferred_languages")
    if not isinstance(languages, list):
        return ()
    return tuple(item for item in languages if isinstance(item, str) and item)


def _wrong_url(
    result: httpx.Response,
    what: str | None = None,
    expected: str = "",
) -> Abort:
    """A 404 that is not IO's: no such path, so the base URL is wrong."""
    reason = _("HTTP 404 from {url} with {body}: not {expected}, so the URL is wrong").format(
        url=called_url(result),
        body=what or describe_body(result),
        expected=expected or _("IO's answer about a citizen or a message"),
    )
    return Abort("http.wrong_url", reason, 404, ExitCode.CONFIG_ERROR)


def _foreign_403(result: httpx.Response) -> Abort:
    """A 403 that is not about one citizen or message: about the key, the service or the
    caller's IP, and the same for every row."""
    text = problem_text(result) if is_problem_json(result) else describe_body(result)
    reason = _(
        "the API refused the call with HTTP 403 not about one citizen ({body}) at {url}"
    ).format(body=text, url=called_url(result))
    return Abort("auth.forbidden", reason, 403)


def _other_message(body: dict[str, object], fiscal_code: str, message_id: str) -> str:
    """Why a get-message answer is about another message than the one asked; "" if not."""
    message = body.get("message")
    message = message if isinstance(message, dict) else {}
    for member, asked in (("id", message_id), ("fiscal_code", fiscal_code)):
        # Only what the answer says is compared: a member it lacks proves nothing.
        answered = message.get(member)
        if asked and member in message and answered != asked:
            shown = mask_text(answered) if isinstance(answered, str) else repr(answered)
            return _(_OTHER_MESSAGE[member]).format(
                answered=repr(shown[:40]), asked=repr(mask_text(asked))
            )
    return ""


def _recipient_forbidden(code: int, text: str) -> bool:
    return code == 403 and "recipient forbidden" in text.lower()


def _test_mode(text: str) -> str:
    summary = _("the service is in test mode and this citizen is not an authorized test recipient")
    return _with(summary, text)


def _read_failure(exc: Exception, operation: str) -> Retry | None:
    not_sent = _not_sent_code(exc)
    if not_sent is not None:
        return Retry(not_sent, _describe(exc, _("the request was not sent")))
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return None  # our own request is wrong: the same one would fail again
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Retry(f"{operation}.timeout", _describe(exc, _("no answer in time")))
    if isinstance(exc, httpx.TransportError):
        return Retry(f"{operation}.connection_lost", _describe(exc, _("connection lost")))
    if isinstance(exc, httpx.DecodingError):
        return Retry(f"{operation}.bad_answer", _describe(exc, _("unreadable answer")))
    return None  # not a network failure: a client-side bug


def _submit_failure(exc: Exception) -> Retry | Final:
    not_sent = _not_sent_code(exc)
    if not_sent is not None:
        return Retry(not_sent, _describe(exc, _("the request was not sent")))
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return Final(Status.FAILED, CLIENT_ERROR, _describe(exc, _("the request was not sent")))
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        reason = _describe(
            exc, _("no answer in time: the message may or may not have been accepted")
        )
        return Final(Status.UNKNOWN, "submit.timeout", reason)
    if isinstance(exc, httpx.DecodingError):
        reason = _describe(
            exc, _("unreadable answer: the message may or may not have been accepted")
        )
        return Final(Status.UNKNOWN, "submit.bad_answer", reason)
    # Dropped mid-call (RemoteProtocolError, ReadError, WriteError...), or anything else
    # once the request may have left: never assume that it did not arrive.
    reason = _describe(exc, _("the call broke off: the message may or may not have been accepted"))
    return Final(Status.UNKNOWN, "submit.connection_lost", reason)


def _not_sent_code(exc: Exception) -> str | None:
    for kind, code in NOT_SENT.items():
        if isinstance(exc, kind):
            return code
    return None


def _describe(exc: Exception, what: str) -> str:
    detail = " ".join(str(exc).split())[:120]
    name = type(exc).__name__
    return f"{what} ({name}: {detail})" if detail else f"{what} ({name})"


def _with(summary: str, text: str) -> str:
    return f"{summary}: {text}" if text else summary
