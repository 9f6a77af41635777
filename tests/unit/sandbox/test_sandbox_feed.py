"""The sandbox's subscriptions feed, in process: consistent with the profile check, and
IO's 400 / 403 / 404 answers (docs/io-sources.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.rules.code_digest import code_digest
from batch.sandbox import DEFAULT_API_KEY, KeyConfig, SandboxConfig, profile_state
from batch.sandbox.history import FeedHistory
from tests.helpers.sandbox_contract import SANDBOX_CF, random_fiscal_codes, sandbox_client

pytestmark = pytest.mark.anyio

TODAY = datetime.now(UTC).date()
START = TODAY - timedelta(days=30)
CODES = tuple(random_fiscal_codes(200, seed=5))
CONFIG = SandboxConfig(
    citizens=CODES, feed_start=START.isoformat(), registered_ratio=0.8, blocked_ratio=0.2
)
FEED = "/api/v1/subscriptions-feed/"


def replay(history: FeedHistory, first: date, last: date) -> dict[str, bool]:
    """Subscribed or not, per digest, after the feed's days ``first`` .. ``last``."""
    state: dict[str, bool] = {}
    day = first
    while day <= last:
        feed = history.day(day)
        assert not set(feed.subscriptions) & set(feed.unsubscriptions)
        state.update(dict.fromkeys(feed.subscriptions, True))
        state.update(dict.fromkeys(feed.unsubscriptions, False))
        day += timedelta(days=1)
    return state


@given(seed=st.integers(0, 10_000), span=st.integers(0, 40))
def test_the_feed_replayed_to_any_day_agrees_with_the_profile_check_on_that_day(
    seed: int, span: int
) -> None:
    config = SandboxConfig(
        citizens=CODES[:60],
        seed=seed,
        feed_start="2024-01-01",
        feed_end=(date(2024, 1, 1) + timedelta(days=span)).isoformat(),
        registered_ratio=0.8,
        blocked_ratio=0.3,
    )
    history = FeedHistory(config, TODAY)
    for day in (history.start, history.start + timedelta(days=span // 2), history.end):
        state = replay(history, history.start, day)
        for code in (*config.citizens, SANDBOX_CF):
            subscribed = state.get(code_digest(code), False)
            assert subscribed == (history.state_on(code, day) == "allowed"), (code, day)
    # After the last day, everyone is in the state the population gives them today.
    for code in config.citizens:
        assert history.state_on(code, TODAY) == profile_state(code, config)


def test_some_subscribers_leave_and_come_back_and_some_leave_on_the_day_they_join() -> None:
    history = FeedHistory(CONFIG, TODAY)
    seen_twice = 0
    for code in CODES:
        digest = code_digest(code)
        days = [
            day
            for day in (START + timedelta(days=n) for n in range(31))
            if digest in history.day(day).subscriptions
        ]
        seen_twice += len(days) == 2
    assert seen_twice > 0  # churn: subscribed, unsubscribed, subscribed again


async def test_feed_days_rebuild_exactly_the_allowed_citizens_and_count_as_calls() -> None:
    async with sandbox_client(CONFIG) as (app, client):
        state: dict[str, bool] = {}
        day = START
        while day < TODAY:
            answer = await client.get(f"{FEED}{day.isoformat()}")
            assert answer.status_code == 200
            body = answer.json()
            assert set(body) == {"dateUTC", "subscriptions", "unsubscriptions"}
            assert body["dateUTC"] == day.isoformat()
            state.update(dict.fromkeys(body["subscriptions"], True))
            state.update(dict.fromkeys(body["unsubscriptions"], False))
            day += timedelta(days=1)
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": CODES[0]})
    subscribers = {digest for digest, subscribed in state.items() if subscribed}
    allowed = {
        code_digest(code)
        for code in (*CODES, SANDBOX_CF)
        if profile_state(code, CONFIG) == "allowed"
    }
    assert subscribers == allowed
    calls = app.calls.entries()
    assert [call.operation for call in calls] == ["feed"] * 30 + ["profile"]
    assert {call.route for call in calls[:30]} == {"GET /subscriptions-feed/{date}"}
    assert profile.status_code == (
        404 if profile_state(CODES[0], CONFIG) == "not_registered" else 200
    )


async def test_today_and_later_are_not_available_yet_with_ios_body() -> None:
    async with sandbox_client(CONFIG) as (_, client):
        today = await client.get(f"{FEED}{TODAY.isoformat()}")
        later = await client.get(f"{FEED}{(TODAY + timedelta(days=400)).isoformat()}")
    assert today.status_code == 404
    assert today.headers["content-type"] == "application/problem+json"
    since = (TODAY + timedelta(days=1)).strftime("%a, %d %b %Y 00:00:00 GMT")
    assert today.json() == {
        "title": "Data not available yet",
        "status": 404,
        "detail": f"Subscription data for {TODAY.isoformat()} will be available from {since}",
    }
    assert later.status_code == 404


@pytest.mark.parametrize("text", ["2020-13-01", "2020-02-32", "20200101", "2020-1-01", "yesterday"])
async def test_a_malformed_date_is_400(text: str) -> None:
    async with sandbox_client(CONFIG) as (app, client):
        answer = await client.get(f"{FEED}{text}")
    assert answer.status_code == 400
    assert answer.json()["title"] == "Invalid ShortDateString"
    assert [call.operation for call in app.calls.entries()] == ["feed"]


async def test_a_day_past_the_months_end_rolls_over_like_javascript_and_is_empty() -> None:
    async with sandbox_client(CONFIG) as (_, client):
        answer = await client.get(f"{FEED}2021-02-30")
    assert answer.status_code == 200
    assert answer.json() == {"dateUTC": "2021-02-30", "subscriptions": [], "unsubscriptions": []}


async def test_a_key_without_the_feed_permission_gets_ios_403_bodies() -> None:
    other_groups = KeyConfig(DEFAULT_API_KEY, feed_scope=False)
    no_groups = KeyConfig("no-groups", feed_scope=False, profile_scope=False)
    config = SandboxConfig(keys=(other_groups, no_groups))
    day = (TODAY - timedelta(days=1)).isoformat()
    async with sandbox_client(config) as (_, client):
        forbidden = await client.get(f"{FEED}{day}")
    async with sandbox_client(config, key="no-groups") as (_, client):
        no_scope = await client.get(f"{FEED}{day}")
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "title": "You are not allowed here",
        "status": 403,
        "detail": "You do not have enough permission to complete the operation you requested",
    }
    assert no_scope.status_code == 403
    assert no_scope.json()["title"] == "User has no valid scopes"


async def test_feed_calls_share_the_gateways_budget() -> None:
    config = SandboxConfig(rate_calls=3, rate_window=60.0)
    day = (TODAY - timedelta(days=1)).isoformat()
    async with sandbox_client(config) as (app, client):
        answers = [await client.get(f"{FEED}{day}") for _ in range(2)]
        answers.append(await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF}))
        answers.append(await client.get(f"{FEED}{day}"))
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert app.throttled_count() == 1
