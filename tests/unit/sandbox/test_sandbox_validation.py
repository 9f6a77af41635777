"""The sandbox validates bodies as the IO server does: the seeds' examples, then every rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.sandbox import SandboxConfig, is_ulid
from batch.sandbox.schema import utf16_length
from batch.sandbox.spec import decode_new_message
from tests.helpers.sandbox_contract import (
    MARKDOWN,
    SANDBOX_CF,
    SUBJECT,
    clean_documentation,
    drop_path,
    problem_fields,
    sandbox_client,
    seed_examples,
    set_path,
    valid_body,
)

pytestmark = pytest.mark.anyio

SEEDS = seed_examples()


@pytest.mark.parametrize("case", SEEDS, ids=[case["name"] for case in SEEDS])
async def test_seed_examples_are_accepted_unless_they_break_the_spec(case: dict[str, Any]) -> None:
    body = json.loads(clean_documentation(case["raw"]))
    path = f"/api/v1/messages/{case['path_fiscal_code']}" if "path_fiscal_code" in case else None
    async with sandbox_client() as (app, client):
        response = await client.post(path or "/api/v1/messages", json=body)
    if case["expect"] == "accepted":
        assert response.status_code == 201, response.text
        assert is_ulid(response.json()["id"])
        assert len(app.ledger.entries()) == 1
    else:
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["title"] == case.get("title", "Invalid message structure")
        fields = problem_fields(problem["detail"])
        assert fields[0] == case["field"]
        assert sorted(fields) == sorted([case["field"], *case.get("also", [])])
        assert app.ledger.entries() == []


def test_the_documentation_artefacts_really_break_json() -> None:
    # Guards the test above: the fixture keeps the artefacts, the cleaner removes them.
    raws = {case["name"]: case["raw"] for case in SEEDS}
    for name in ("static_message", "precondition"):
        with pytest.raises(json.JSONDecodeError):
            json.loads(raws[name])


TPD = "content.third_party_data"
ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
EMOJI = "\U0001f600"  # one character, two UTF-16 code units

# (name, path, value, accepted): both sides of every boundary, and wrong types.
CASES: list[tuple[str, str, Any, bool]] = [
    ("cf lower case", "fiscal_code", SANDBOX_CF.lower(), False),
    ("cf 15 chars", "fiscal_code", SANDBOX_CF[:15], False),
    ("cf 17 chars", "fiscal_code", SANDBOX_CF + "A", False),
    ("cf trailing space", "fiscal_code", SANDBOX_CF + " ", False),
    ("cf bad month letter", "fiscal_code", "AAAAAA00Z00A000A", False),
    ("cf omocodia", "fiscal_code", "RSSMRAULA01H5M1U", True),
    ("cf number", "fiscal_code", 12, False),
    ("subject 9", "content.subject", "a" * 9, False),
    ("subject 10", "content.subject", "a" * 10, True),
    ("subject 120", "content.subject", "a" * 120, True),
    ("subject 121", "content.subject", "a" * 121, False),
    ("subject 5 emoji = 10 units", "content.subject", EMOJI * 5, True),
    ("subject 9 accented = 9 units", "content.subject", "\u00e8" * 9, False),
    ("subject 60 emoji = 120 units", "content.subject", EMOJI * 60, True),
    ("subject 120 chars = 121 units", "content.subject", "a" * 119 + EMOJI, False),
    ("subject missing", "content.subject", None, False),
    ("markdown 79", "content.markdown", "m" * 79, False),
    ("markdown 80", "content.markdown", "m" * 80, True),
    ("markdown 10000", "content.markdown", "m" * 10_000, True),
    ("markdown 10001", "content.markdown", "m" * 10_001, False),
    ("markdown 40 emoji = 80 units", "content.markdown", EMOJI * 40, True),
    ("markdown 10000 chars = 10001 units", "content.markdown", "m" * 9_999 + EMOJI, False),
    ("ttl 3599", "time_to_live", 3599, False),
    ("ttl 3600", "time_to_live", 3600, True),
    ("ttl 3600.0", "time_to_live", 3600.0, True),
    ("ttl 3600.5", "time_to_live", 3600.5, False),
    ("ttl 604800", "time_to_live", 604_800, True),
    ("ttl 604801", "time_to_live", 604_801, False),
    ("ttl string", "time_to_live", "3600", False),
    ("ttl boolean", "time_to_live", True, False),
    ("feature ADVANCED", "feature_level_type", "ADVANCED", True),
    ("feature lower case", "feature_level_type", "standard", False),
    ("feature PREMIUM", "feature_level_type", "PREMIUM", False),
    ("secure channels string", "content.require_secure_channels", "true", False),
    ("due date with ms and Z", "content.due_date", "2018-10-13T00:00:00.000Z", True),
    ("due date with Z", "content.due_date", "2018-10-13T00:00:00Z", True),
    ("due date without zone", "content.due_date", "2018-10-13T00:00:00", True),
    ("due date with offset", "content.due_date", "2018-10-13T00:00:00+02:00", True),
    ("due date offset without colon", "content.due_date", "2018-10-13T00:00:00+0200", False),
    ("due date only a date", "content.due_date", "2018-10-13", False),
    ("due date with a space", "content.due_date", "2018-10-13 00:00:00Z", False),
    ("due date month 13", "content.due_date", "2018-13-13T00:00:00Z", False),
    ("due date 30 February", "content.due_date", "2018-02-30T00:00:00Z", False),
    ("due date arabic digits", "content.due_date", "\u0662018-10-13T00:00:00Z", False),
    ("amount 0", "content.payment_data.amount", 0, False),
    ("amount 1", "content.payment_data.amount", 1, True),
    ("amount max", "content.payment_data.amount", 9_999_999_999, True),
    ("amount max + 1", "content.payment_data.amount", 10_000_000_000, False),
    ("amount fraction", "content.payment_data.amount", 1.5, False),
    ("amount string", "content.payment_data.amount", "100", False),
    ("notice 17 digits", "content.payment_data.notice_number", "30101110000734755", False),
    ("notice 18 digits", "content.payment_data.notice_number", "301011100007347557", True),
    ("notice 19 digits", "content.payment_data.notice_number", "3010111000073475571", False),
    ("notice starts with 0", "content.payment_data.notice_number", "001011100007347557", True),
    ("notice starts with 4", "content.payment_data.notice_number", "401011100007347557", False),
    ("notice with a letter", "content.payment_data.notice_number", "30101110000734755a", False),
    ("notice as number", "content.payment_data.notice_number", 301011100007347557, False),
    ("invalid after due string", "content.payment_data.invalid_after_due_date", "yes", False),
    ("payee 10 digits", "content.payment_data.payee.fiscal_code", "1234567890", False),
    ("payee 11 digits", "content.payment_data.payee.fiscal_code", "12345678901", True),
    ("payee 12 digits", "content.payment_data.payee.fiscal_code", "123456789012", False),
    ("third party id empty", TPD + ".id", "", False),
    ("precondition ONCE", TPD + ".has_precondition", "ONCE", True),
    ("precondition NONE (docs list it)", TPD + ".has_precondition", "NONE", False),
    ("precondition true", TPD + ".has_precondition", True, False),
    ("configuration id 26", TPD + ".configuration_id", ULID, True),
    ("configuration id 25", TPD + ".configuration_id", ULID[:25], False),
    ("configuration id with U", TPD + ".configuration_id", ULID[:25] + "U", False),
    ("original sender empty", TPD + ".original_sender", "", False),
    ("summary empty", TPD + ".summary", "", False),
    ("receipt date not a timestamp", TPD + ".original_receipt_date", "today", False),
    ("attachments string", TPD + ".has_attachments", "false", False),
    ("nre 14", "content.prescription_data.nre", "1" * 14, False),
    ("nre 15", "content.prescription_data.nre", "1" * 15, True),
    ("nre 16", "content.prescription_data.nre", "1" * 16, False),
    ("default address not an email", "default_addresses.email", "not-an-email", False),
    ("default address email", "default_addresses.email", "ufficio@comune.example.it", True),
    ("content not an object", "content", "hello", False),
]

PAYMENT = {"amount": 100, "notice_number": "301011100007347557"}
THIRD_PARTY = {"id": "2d5e0bcf-7ac3-4afc-a8bd-ac3c27582b91"}
PRESCRIPTION = {"nre": "1" * 15}


def _body_for(path: str, value: Any) -> dict[str, Any]:
    base = valid_body()
    if path.startswith("content.payment_data"):
        base["content"]["payment_data"] = dict(PAYMENT)
    if path.startswith("content.third_party_data"):
        base["content"]["third_party_data"] = dict(THIRD_PARTY)
    if path.startswith("content.prescription_data"):
        base["content"]["prescription_data"] = dict(PRESCRIPTION)
    return drop_path(base, path) if value is None else set_path(base, path, value)


@pytest.mark.parametrize(("name", "path", "value", "accepted"), CASES, ids=[c[0] for c in CASES])
async def test_each_rule_on_both_sides_of_its_boundary(
    name: str, path: str, value: Any, accepted: bool
) -> None:
    async with sandbox_client() as (app, client):
        response = await client.post("/api/v1/messages", json=_body_for(path, value))
    if accepted:
        assert response.status_code == 201, response.text
        assert len(app.ledger.entries()) == 1
        return
    assert response.status_code == 400, name
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Invalid message structure"
    assert problem["status"] == 400
    assert problem_fields(problem["detail"]) == [path], problem["detail"]
    assert app.ledger.entries() == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("content", "content"),
        ("content.markdown", "content.markdown"),
        ("content.payment_data.notice_number", "content.payment_data.notice_number"),
        ("content.payment_data.payee.fiscal_code", "content.payment_data.payee.fiscal_code"),
        (TPD + ".id", TPD + ".id"),
        ("content.prescription_data.nre", "content.prescription_data.nre"),
    ],
)
async def test_a_missing_required_member_is_named(path: str, field: str) -> None:
    body = _body_for(path, "placeholder")
    if path.endswith("payee.fiscal_code"):
        body["content"]["payment_data"]["payee"] = {}
    else:
        body = drop_path(body, path)
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/messages", json=body)
    assert response.status_code == 400
    assert response.json()["detail"] == f"{field}: is required"


@pytest.mark.parametrize("raw", [b"", b"{not json", b'{"content": NaN}', b"\xff\xfe"])
async def test_a_body_that_is_not_json_is_a_400(raw: bytes) -> None:
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/messages", content=raw)
    assert response.status_code == 400
    assert response.json()["detail"] == "body: is not valid JSON"


async def test_a_body_that_is_not_an_object_is_a_400() -> None:
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/messages", json=[valid_body()])
    assert response.status_code == 400
    assert response.json()["detail"].startswith("body: expected a JSON object (NewMessage)")


async def test_every_problem_is_reported_not_only_the_first() -> None:
    body = set_path(set_path(valid_body(), "content.subject", "short"), "time_to_live", 1)
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/messages", json=body)
    assert problem_fields(response.json()["detail"]) == ["time_to_live", "content.subject"]


def test_unknown_members_are_dropped_and_defaults_applied() -> None:
    body = valid_body(extra=1)
    body["content"]["extra"] = {"x": 1}
    body["content"]["payment_data"] = {**PAYMENT, "note": "n"}
    body["content"]["third_party_data"] = {**THIRD_PARTY, "has_attachments": None}
    decoded, problems = decode_new_message(body)
    assert problems == []
    assert decoded == {
        "fiscal_code": SANDBOX_CF,
        "time_to_live": 3600,
        "feature_level_type": "STANDARD",
        "content": {
            "subject": SUBJECT,
            "markdown": MARKDOWN,
            "payment_data": {**PAYMENT, "invalid_after_due_date": False},
            "third_party_data": {
                **THIRD_PARTY,
                "has_attachments": False,
                "has_remote_content": False,
            },
        },
    }


def test_null_is_a_wrong_type_where_there_is_no_default() -> None:
    _, problems = decode_new_message(set_path(valid_body(), "content.due_date", None))
    assert problems == ["content.due_date: expected a timestamp, got null"]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=130))
def test_subject_length_is_counted_in_utf16_units(subject: str) -> None:
    _, problems = decode_new_message(set_path(valid_body(), "content.subject", subject))
    units = len(subject.encode("utf-16-le")) // 2
    assert utf16_length(subject) == units
    assert (problems == []) == (10 <= units <= 120)


async def test_fiscal_code_in_both_path_and_body_is_bad_parameters() -> None:
    async with sandbox_client() as (app, client):
        response = await client.post(f"/api/v1/messages/{SANDBOX_CF}", json=valid_body())
    assert response.status_code == 400
    assert response.json() == {
        "title": "Bad parameters",
        "status": 400,
        "detail": "fiscal_code: give the fiscal code either in the path or in the body, "
        "not in both",
    }
    assert app.ledger.entries() == []


async def test_fiscal_code_nowhere_is_bad_parameters() -> None:
    async with sandbox_client() as (_, client):
        body = drop_path(valid_body(), "fiscal_code")
        response = await client.post("/api/v1/messages", json=body)
    assert response.status_code == 400
    assert response.json()["title"] == "Bad parameters"
    assert problem_fields(response.json()["detail"]) == ["fiscal_code"]


async def test_an_invalid_path_fiscal_code_is_a_400() -> None:
    body = drop_path(valid_body(), "fiscal_code")
    async with sandbox_client() as (_, client):
        response = await client.post("/api/v1/messages/aaaaaa00a00a000a", json=body)
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid FiscalCode"
    assert problem_fields(response.json()["detail"]) == ["fiscal_code"]


@pytest.mark.parametrize(("amount", "accepted"), [(1000, True), (1001, False)])
async def test_amount_above_the_services_maximum_is_a_400(amount: int, accepted: bool) -> None:
    body = set_path(valid_body(), "content.payment_data", {**PAYMENT, "amount": amount})
    async with sandbox_client(SandboxConfig(max_allowed_payment_amount=1000)) as (app, client):
        response = await client.post("/api/v1/messages", json=body)
    if accepted:
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert response.json() == {
        "title": "Error while sending payment metadata",
        "status": 400,
        "detail": "content.payment_data.amount: 1001 is more than the service's "
        "max_allowed_payment_amount (1000)",
    }
    assert app.ledger.entries() == []
