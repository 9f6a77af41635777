"""The sandbox's endpoints, in process: the real status codes, bodies and headers."""

from __future__ import annotations

import pytest

from batch.models import Message, PaymentData
from batch.sandbox import (
    DEFAULT_API_KEY,
    KeyConfig,
    SandboxConfig,
    is_ulid,
    profile_state,
)
from batch.sandbox.population import preferred_languages
from tests.helpers.sandbox_contract import (
    SANDBOX_CF,
    FakeClock,
    drop_path,
    random_fiscal_codes,
    sandbox_client,
    valid_body,
)

pytestmark = pytest.mark.anyio

CODES = random_fiscal_codes(60, seed=3)
MIXED = SandboxConfig(registered_ratio=0.6, blocked_ratio=0.4, seed=11)
PROFILE_NOT_FOUND = {
    "title": "Profile not found",
    "status": 404,
    "detail": "The profile you requested was not found in the system.",
}


def _state_codes(config: SandboxConfig) -> dict[str, str]:
    """One fiscal code of each population state."""
    found = {profile_state(code, config): code for code in CODES}
    assert set(found) == {"allowed", "blocked", "not_registered"}
    return found


async def test_profile_answers_follow_the_population() -> None:
    codes = _state_codes(MIXED)
    async with sandbox_client(MIXED) as (_, client):
        allowed = await client.post("/api/v1/profiles", json={"fiscal_code": codes["allowed"]})
        blocked = await client.post("/api/v1/profiles", json={"fiscal_code": codes["blocked"]})
        missing = await client.post(
            "/api/v1/profiles", json={"fiscal_code": codes["not_registered"]}
        )
    assert allowed.status_code == 200
    languages = list(preferred_languages(codes["allowed"], MIXED))
    expected = {"sender_allowed": True} | ({"preferred_languages": languages} if languages else {})
    assert allowed.json() == expected
    assert blocked.status_code == 200
    assert blocked.json()["sender_allowed"] is False
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json() == PROFILE_NOT_FOUND


async def test_profile_answers_carry_each_citizens_preferred_languages() -> None:
    config = SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, seed=5)
    answers: dict[tuple[str, ...], object] = {}
    async with sandbox_client(config) as (_, client):
        for code in CODES:
            body = (await client.post("/api/v1/profiles", json={"fiscal_code": code})).json()
            answers.setdefault(preferred_languages(code, config), body.get("preferred_languages"))
    assert answers == {
        ("it_IT",): ["it_IT"],
        ("de_DE", "it_IT"): ["de_DE", "it_IT"],
        ("en_GB",): ["en_GB"],
        (): None,  # a profile with no language leaves the member out
    }


async def test_deprecated_get_profile_answers_the_same() -> None:
    codes = _state_codes(MIXED)
    async with sandbox_client(MIXED) as (app, client):
        for state, code in codes.items():
            by_post = await client.post("/api/v1/profiles", json={"fiscal_code": code})
            by_get = await client.get(f"/api/v1/profiles/{code}")
            assert (by_get.status_code, by_get.json()) == (by_post.status_code, by_post.json())
            assert by_get.status_code == (404 if state == "not_registered" else 200)
    routes = {call.route for call in app.calls.entries()}
    assert routes == {"POST /profiles", "GET /profiles/{fiscal_code}"}


async def test_the_sandbox_citizen_is_always_reachable() -> None:
    nobody = SandboxConfig(registered_ratio=0.0)
    async with sandbox_client(nobody) as (_, client):
        response = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        other = await client.post("/api/v1/profiles", json={"fiscal_code": CODES[0]})
    assert response.json()["sender_allowed"] is True
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "fiscal_code"), ({"fiscal_code": "aaaaaa00a00a000a"}, "fiscal_code"), ([], "body")],
)
async def test_a_bad_profile_payload_is_a_400_naming_the_field(body: object, field: str) -> None:
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/profiles", json=body)
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid FiscalCodePayload"
    assert response.json()["detail"].startswith(f"{field}: ")


async def test_a_bad_path_fiscal_code_on_get_profile_is_a_400() -> None:
    async with sandbox_client() as (_, client):
        response = await client.get("/api/v1/profiles/AAAAAA00A00A000")
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid FiscalCode"


TEST_KEY = KeyConfig("test-key", test_mode=True, authorized_recipients=frozenset({SANDBOX_CF}))


async def test_test_mode_forbids_recipients_outside_the_authorized_list() -> None:
    config = SandboxConfig(keys=(TEST_KEY,), registered_ratio=1.0, blocked_ratio=0.0)
    stranger = CODES[0]
    async with sandbox_client(config, key="test-key") as (app, client):
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": stranger})
        submit = await client.post("/api/v1/messages", json=valid_body(fiscal_code=stranger))
        by_path = await client.post(
            f"/api/v1/messages/{stranger}", json=drop_path(valid_body(), "fiscal_code")
        )
        own = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        own_submit = await client.post("/api/v1/messages", json=valid_body())
    forbidden = {
        "title": "Recipient forbidden",
        "status": 403,
        "detail": "You are not allowed to issue requests for the recipient.",
    }
    for response in (profile, submit, by_path):
        assert response.status_code == 403
        assert response.json() == forbidden
    assert own.status_code == 200
    assert own_submit.status_code == 201
    assert [entry.fiscal_code for entry in app.ledger.entries()] == [SANDBOX_CF]


async def test_a_key_without_the_profile_scope_cannot_check_profiles() -> None:
    config = SandboxConfig(keys=(KeyConfig("k", profile_scope=False),))
    async with sandbox_client(config, key="k") as (_, client):
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        submit = await client.post("/api/v1/messages", json=valid_body())
    assert profile.status_code == 403
    assert profile.json()["title"] == "User has no valid scopes"
    assert submit.status_code == 201


async def test_a_caller_ip_outside_the_allowed_cidrs_gets_403_everywhere() -> None:
    config = SandboxConfig(keys=(KeyConfig("k", ip_allowed=False),))
    async with sandbox_client(config, key="k") as (app, client):
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        submit = await client.post("/api/v1/messages", json=valid_body())
        get = await client.get(f"/api/v1/messages/{SANDBOX_CF}/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    for response in (profile, submit, get):
        assert response.status_code == 403
        assert response.json()["title"] == "You are not allowed here"
    assert app.ledger.entries() == []
    assert [call.status for call in app.calls.entries()] == [403, 403, 403]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {},
            "Access denied due to missing subscription key. Make sure to include "
            "subscription key when making requests to an API.",
        ),
        (
            {"Ocp-Apim-Subscription-Key": "wrong"},
            "Access denied due to invalid subscription "
            "key. Make sure to provide a valid key for an active subscription.",
        ),
    ],
)
async def test_a_missing_or_wrong_key_is_a_gateway_401(
    headers: dict[str, str], message: str
) -> None:
    async with sandbox_client(key="") as (app, client):
        client.headers.pop("Ocp-Apim-Subscription-Key")
        response = await client.post("/api/v1/messages", json=valid_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"statusCode": 401, "message": message}
    assert app.ledger.entries() == []
    assert [(c.key, c.status) for c in app.calls.entries()] == [(None, 401)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/messages"),
        ("DELETE", "/api/v1/profiles"),
        ("GET", "/api/v2/profiles"),
        ("GET", "/api/v1/messages/AAAAAA00A00A000A/x/y"),
        ("POST", "/api/v1//messages"),
    ],
)
async def test_a_path_the_api_lacks_is_the_gateways_404(method: str, path: str) -> None:
    async with sandbox_client() as (_, client):
        response = await client.request(method, path)
    assert response.status_code == 404
    assert response.json() == {"statusCode": 404, "message": "Resource not found"}


async def test_submit_answers_201_with_a_ulid_and_the_status_location() -> None:
    async with sandbox_client() as (app, client):
        first = await client.post("/api/v1/messages", json=valid_body())
        second = await client.post("/api/v1/messages", json=valid_body())
    ids = [first.json()["id"], second.json()["id"]]
    assert first.status_code == 201
    assert first.json() == {"id": ids[0]}
    assert first.headers["location"] == f"/api/v1/messages/{SANDBOX_CF}/{ids[0]}"
    assert all(is_ulid(i) and len(i) == 26 for i in ids)
    assert ids[0] < ids[1]  # time-ordered, and a new id for the same body: no idempotency
    assert [entry.message_id for entry in app.ledger.entries()] == ids


async def test_the_ledger_hash_is_the_io_batch_content_hash() -> None:
    message = Message(
        fiscal_code=SANDBOX_CF,
        subject="Rata TARI in scadenza \U0001f4c5",
        markdown="Gentile cittadina, la rata è in scadenza: paga con pagoPA entro la data. " * 2,
        due_date="2026-12-31T23:59:59Z",
        payment_data=PaymentData(amount_cents=12_345, notice_number="301011100007347557"),
    )
    async with sandbox_client() as (app, client):
        response = await client.post("/api/v1/messages", json=message.to_payload())
    assert response.status_code == 201
    [entry] = app.ledger.entries()
    assert entry.payload_hash == message.content_hash()
    assert (entry.fiscal_code, entry.outcome, entry.delivered) == (SANDBOX_CF, "created", True)


async def test_get_message_shows_accepted_then_processed_with_content() -> None:
    clock = FakeClock()
    config = SandboxConfig(processing_delay=2.0)
    async with sandbox_client(config, clock=clock) as (app, client):
        created = await client.post("/api/v1/messages", json=valid_body(junk=True))
        location = created.headers["location"]
        before = await client.get(location)
        clock.advance(1.999)
        still = await client.get(location)
        clock.advance(0.001)
        after = await client.get(location)
    [entry] = app.ledger.entries()
    expected_message = {
        "id": created.json()["id"],
        "fiscal_code": SANDBOX_CF,
        "created_at": entry.created_at,
        "sender_service_id": KeyConfig(DEFAULT_API_KEY).effective_service_id,
        "time_to_live": 3600,
        "feature_level_type": "STANDARD",
    }
    assert before.json() == {"message": expected_message, "status": "ACCEPTED"}
    assert still.json()["status"] == "ACCEPTED"
    assert after.json() == {
        "message": {**expected_message, "content": valid_body()["content"]},
        "status": "PROCESSED",
    }
    assert entry.created_at.endswith("Z") and len(entry.created_at) == 24


async def test_messages_to_unreachable_citizens_end_rejected() -> None:
    clock = FakeClock()
    codes = _state_codes(MIXED)
    async with sandbox_client(MIXED, clock=clock) as (_, client):
        locations = {}
        for state, code in codes.items():
            created = await client.post("/api/v1/messages", json=valid_body(fiscal_code=code))
            assert created.status_code == 201  # submit does not look at the profile
            locations[state] = created.headers["location"]
        clock.advance(MIXED.processing_delay)
        statuses = {state: (await client.get(loc)).json() for state, loc in locations.items()}
    assert statuses["allowed"]["status"] == "PROCESSED"
    for state in ("blocked", "not_registered"):
        assert statuses[state]["status"] == "REJECTED"
        assert "content" not in statuses[state]["message"]


async def test_a_configured_share_of_messages_ends_failed() -> None:
    clock = FakeClock()
    async with sandbox_client(SandboxConfig(failed_ratio=1.0), clock=clock) as (_, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        clock.advance(5)
        shown = await client.get(created.headers["location"])
    assert shown.json()["status"] == "FAILED"
    assert "content" not in shown.json()["message"]


async def test_the_deprecated_path_submit_stores_and_processes_the_same_way() -> None:
    clock = FakeClock()
    body = drop_path(valid_body(), "fiscal_code")
    async with sandbox_client(clock=clock) as (app, client):
        created = await client.post(f"/api/v1/messages/{SANDBOX_CF}", json=body)
        clock.advance(5)
        shown = await client.get(created.headers["location"])
    assert created.status_code == 201
    assert shown.json()["status"] == "PROCESSED"
    assert [c.route for c in app.calls.entries()] == [
        "POST /messages/{fiscal_code}",
        "GET /messages/{fiscal_code}/{id}",
    ]


async def test_get_message_404s_for_an_unknown_id_or_the_wrong_citizen() -> None:
    async with sandbox_client() as (_, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        message_id = created.json()["id"]
        unknown = await client.get(f"/api/v1/messages/{SANDBOX_CF}/01ARZ3NDEKTSV4RRFFQ69G5FAV")
        wrong_citizen = await client.get(f"/api/v1/messages/{CODES[0]}/{message_id}")
    for response in (unknown, wrong_citizen):
        assert response.status_code == 404
        assert response.json()["title"] == "Message not found"


async def test_only_the_sending_service_may_read_a_message() -> None:
    keys = (
        KeyConfig("primary", service_id="svc-a"),
        KeyConfig("secondary", service_id="svc-a"),
        KeyConfig("other", service_id="svc-b"),
    )
    async with sandbox_client(SandboxConfig(keys=keys), key="primary") as (_, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        location = created.headers["location"]
        same_service = await client.get(
            location, headers={"Ocp-Apim-Subscription-Key": "secondary"}
        )
        other = await client.get(location, headers={"Ocp-Apim-Subscription-Key": "other"})
    assert same_service.status_code == 200
    assert other.status_code == 403
    assert other.json() == {
        "title": "You are not allowed here",
        "status": 403,
        "detail": "You can only read messages that you have sent",
    }


ADVANCED_PAYMENT = valid_body(feature_level_type="ADVANCED")
ADVANCED_PAYMENT["content"]["payment_data"] = {"amount": 100, "notice_number": "301011100007347557"}


async def test_advanced_payment_messages_show_read_and_payment_status_once_processed() -> None:
    clock = FakeClock()
    async with sandbox_client(clock=clock) as (_, client):
        created = await client.post("/api/v1/messages", json=ADVANCED_PAYMENT)
        accepted = (await client.get(created.headers["location"])).json()
        clock.advance(5)
        processed = (await client.get(created.headers["location"])).json()
    assert "read_status" not in accepted and "payment_status" not in accepted
    assert processed["read_status"] == "UNREAD"
    assert processed["payment_status"] == "NOT_PAID"
    # Processing fills in the service's organization as payee when the sender left it out.
    assert processed["message"]["content"]["payment_data"] == {
        "amount": 100,
        "notice_number": "301011100007347557",
        "invalid_after_due_date": False,
        "payee": {"fiscal_code": "01234567890"},
    }


async def test_a_standard_message_has_no_read_or_payment_status() -> None:
    clock = FakeClock()
    body = valid_body()
    body["content"]["payment_data"] = ADVANCED_PAYMENT["content"]["payment_data"]
    async with sandbox_client(clock=clock) as (_, client):
        created = await client.post("/api/v1/messages", json=body)
        clock.advance(5)
        shown = (await client.get(created.headers["location"])).json()
    assert shown["status"] == "PROCESSED"
    assert "read_status" not in shown and "payment_status" not in shown
