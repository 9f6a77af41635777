"""Pure: what one answer of the subscriptions feed means (docs/io-sources.md, feed).

The feed is a read, so a transient failure is retried like a profile check. A day is
stored only when the answer is IO's ``SubscriptionsFeed`` for that very day with
well-formed digests: anything else would poison the subscriber list, so it stops the
job. A 404 "Data not available yet" is no error: the day has not ended at IO.
"""

from __future__ import annotations

import httpx

from batch.api.classify import _common, _read_failure, _wrong_url
from batch.api.decisions import Abort, FeedDay, FeedDecision, FeedNotYet, Retry
from batch.api.not_io import called_url, describe_body, is_problem_json
from batch.api.wire import json_body, problem_text
from batch.errors import ExitCode
from batch.i18n import N_, _
from batch.rules.code_digest import is_code_digest

FORBIDDEN_REASON = N_(
    "the API refused the subscriptions feed (HTTP 403{text}): the feed needs PagoPA's "
    "authorisation for the account (group ApiSubscriptionsFeedRead; ask "
    'onboarding@io.italia.it), or set [profile] check = "api" to check each profile instead'
)


def classify_feed(result: httpx.Response | Exception, day: str) -> FeedDecision:
    """``GET /subscriptions-feed/{day}``."""
    if isinstance(result, Exception):
        retry = _read_failure(result, "feed")
        if retry is not None:
            return retry
        reason = _("the feed call could not be made ({kind}: {error})").format(
            kind=type(result).__name__, error=result
        )
        return Abort("net.client_error", reason[:300], None, ExitCode.CONFIG_ERROR)
    code = result.status_code
    if code == 200:
        return _feed_day(result, day)
    text = problem_text(result)
    if code == 404:
        if not is_problem_json(result):
            return _wrong_url(result)
        if "not available" in text.lower():
            return FeedNotYet(text or "Data not available yet")
        reason = _("HTTP 404 from {url} that is not 'Data not available yet': {text}").format(
            url=called_url(result), text=text
        )
        return Abort("feed.not_found", reason, code, ExitCode.CONFIG_ERROR)
    if code == 400:
        reason = _("IO refused the date {day} (HTTP 400: {text}): a bug, please report it").format(
            day=repr(day), text=text
        )
        return Abort("feed.bad_request", reason, code, ExitCode.CONFIG_ERROR)
    if code == 403:
        return Abort(
            "feed.forbidden", _(FORBIDDEN_REASON).format(text=f": {text}" if text else ""), code
        )
    common = _common(result, text, "feed")
    if common is not None:
        return common
    reason = _("unexpected HTTP {code}: {text}").format(code=code, text=text)
    return Retry("feed.unexpected_status", reason, code)


def _feed_day(result: httpx.Response, day: str) -> FeedDecision:
    body = json_body(result)
    problem = _shape_problem(body, day)
    if problem:
        reason = _(
            "the subscriptions feed at {url} answered 200 with {problem} ({body}): not IO's "
            "SubscriptionsFeed, so nothing was stored"
        ).format(url=called_url(result), problem=problem, body=describe_body(result))
        return Abort("feed.bad_answer", reason, 200, ExitCode.CONFIG_ERROR)
    assert isinstance(body, dict)
    return FeedDay(tuple(body["subscriptions"]), tuple(body["unsubscriptions"]))


def _shape_problem(body: object, day: str) -> str:
    if not isinstance(body, dict):
        return _("a body that is not a JSON object")
    if body.get("dateUTC") != day:
        return _("dateUTC {found} instead of {day}").format(
            found=repr(str(body.get("dateUTC"))[:20]), day=repr(day)
        )
    for member in ("subscriptions", "unsubscriptions"):
        values = body.get(member)
        if not isinstance(values, list):
            return _("no {member} list").format(member=member)
        if not all(is_code_digest(value) for value in values):
            return _("a {member} entry that is not a lower-case hex SHA-256").format(member=member)
    return ""
