"""What each answer of the subscriptions feed means (docs/io-sources.md)."""

from __future__ import annotations

import httpx
import pytest

from batch.api.classify_feed import classify_feed
from batch.api.decisions import THROTTLED, Abort, FeedDay, FeedNotYet, Retry
from batch.errors import ExitCode
from batch.rules.code_digest import code_digest

DAY = "2026-03-01"
URL = f"https://api.io.pagopa.it/api/v1/subscriptions-feed/{DAY}"
H1, H2 = code_digest("AAAAAA00A00A000A"), code_digest("BBBBBB00B00B000B")
PROBLEM = {"content-type": "application/problem+json"}


def answer(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", URL)
    if body is None:
        return httpx.Response(status, request=request, headers=headers)
    return httpx.Response(status, json=body, request=request, headers=headers)


def test_a_well_formed_day_is_stored() -> None:
    body = {"dateUTC": DAY, "subscriptions": [H1], "unsubscriptions": [H2]}
    assert classify_feed(answer(200, body), DAY) == FeedDay((H1,), (H2,))


@pytest.mark.parametrize(
    "body",
    [
        {"dateUTC": "2026-03-02", "subscriptions": [], "unsubscriptions": []},
        {"dateUTC": DAY, "subscriptions": [H1.upper()], "unsubscriptions": []},
        {"dateUTC": DAY, "subscriptions": [H1[:16]], "unsubscriptions": []},
        {"dateUTC": DAY, "subscriptions": []},
        ["not", "an", "object"],
    ],
)
def test_a_200_that_is_not_that_days_feed_stops_the_job(body: object) -> None:
    decision = classify_feed(answer(200, body), DAY)
    assert isinstance(decision, Abort)
    assert (decision.reason_code, decision.exit_code) == ("feed.bad_answer", ExitCode.CONFIG_ERROR)


def test_not_available_yet_is_no_error() -> None:
    body = {"title": "Data not available yet", "status": 404, "detail": "from ..."}
    assert isinstance(classify_feed(answer(404, body, PROBLEM), DAY), FeedNotYet)


def test_a_404_that_is_not_ios_is_a_wrong_url() -> None:
    decision = classify_feed(answer(404, {"statusCode": 404, "message": "Resource not found"}), DAY)
    assert isinstance(decision, Abort) and decision.reason_code == "http.wrong_url"


def test_a_403_says_the_feed_needs_pagopas_authorisation() -> None:
    body = {"title": "You are not allowed here", "status": 403, "detail": "..."}
    decision = classify_feed(answer(403, body, PROBLEM), DAY)
    assert isinstance(decision, Abort)
    assert decision.reason_code == "feed.forbidden"
    assert decision.exit_code == ExitCode.AUTH_ERROR
    assert "ApiSubscriptionsFeedRead" in decision.reason and 'check = "api"' in decision.reason


def test_throttling_server_errors_and_lost_answers_are_retried() -> None:
    throttled = classify_feed(
        answer(429, {"statusCode": 429, "message": "Try again in 2 seconds."}), DAY
    )
    assert (
        isinstance(throttled, Retry) and throttled.reason_code == THROTTLED and throttled.after == 2
    )
    server = classify_feed(answer(503), DAY)
    assert isinstance(server, Retry) and server.reason_code == "feed.server_error"
    lost = classify_feed(httpx.ReadTimeout("slow"), DAY)
    assert isinstance(lost, Retry) and lost.reason_code == "feed.timeout"


def test_a_400_and_a_401_stop_the_job() -> None:
    bad = classify_feed(answer(400, {"title": "Invalid ShortDateString"}, PROBLEM), DAY)
    assert isinstance(bad, Abort) and bad.reason_code == "feed.bad_request"
    refused = classify_feed(answer(401, {"statusCode": 401, "message": "Access denied"}), DAY)
    assert isinstance(refused, Abort) and refused.reason_code == "auth.invalid_key"
