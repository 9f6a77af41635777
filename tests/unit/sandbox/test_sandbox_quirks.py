"""The sandbox's misconfiguration switches (issue 13): each answers as a wrong URL, a
server that is not IO, or something in front of IO would, and only when switched on."""

from __future__ import annotations

import argparse
import uuid

import pytest

from batch.sandbox import SandboxConfig, add_sandbox_arguments, config_from_args, is_ulid
from batch.sandbox.quirks import OTHER_FISCAL_CODES, OTHER_MESSAGE_ID, UNKNOWN_403_BODY
from tests.helpers.sandbox_contract import SANDBOX_CF, sandbox_client, valid_body

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("answer", "content_type", "body"),
    [
        ("gateway", "application/json", b'{"statusCode": 404, "message": "Resource not found"}'),
        ("html", "text/html", b"<!DOCTYPE html>"),
        ("empty", None, b""),
    ],
)
async def test_a_path_that_is_no_operation_gets_the_chosen_404(
    answer: str, content_type: str | None, body: bytes
) -> None:
    async with sandbox_client(SandboxConfig(unrouted_answer=answer)) as (app, client):
        response = await client.post("/api/v1/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
    assert response.status_code == 404
    assert response.content.startswith(body)
    assert (response.headers.get("content-type") or "").startswith(content_type or "")
    assert [(call.operation, call.status) for call in app.calls.entries()] == [("unknown", 404)]


async def test_the_spec_example_profile_has_no_sender_allowed() -> None:
    async with sandbox_client(SandboxConfig(profile_answer="spec_example")) as (_, client):
        response = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
    assert (response.status_code, response.json()) == (
        200,
        {"email": "foobar@example.com", "version": 1},
    )


@pytest.mark.parametrize(("kind", "body"), [("empty", None), ("unknown", UNKNOWN_403_BODY)])
async def test_forbid_all_answers_every_operation_with_a_foreign_403(
    kind: str, body: object
) -> None:
    async with sandbox_client(SandboxConfig(forbid_all=kind)) as (app, client):
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        submit = await client.post("/api/v1/messages", json=valid_body())
        read = await client.get(f"/api/v1/messages/{SANDBOX_CF}/{OTHER_MESSAGE_ID}")
    for response in (profile, submit, read):
        assert response.status_code == 403
        assert (response.json() if body else response.content) == (body or b"")
    assert app.ledger.entries() == []  # nothing reached the backend
    assert [call.status for call in app.calls.entries()] == [403, 403, 403]


@pytest.mark.parametrize("answer", ["other_id", "other_fiscal_code"])
async def test_get_message_can_answer_about_another_message(answer: str) -> None:
    config = SandboxConfig(message_answer=answer)
    async with sandbox_client(config) as (_, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        message_id = created.json()["id"]
        read = await client.get(f"/api/v1/messages/{SANDBOX_CF}/{message_id}")
    message = read.json()["message"]
    if answer == "other_id":
        assert (message["id"], message["fiscal_code"]) == (OTHER_MESSAGE_ID, SANDBOX_CF)
    else:
        assert message["id"] == message_id and message["fiscal_code"] in OTHER_FISCAL_CODES


async def test_created_ids_can_be_uuids_in_the_body_and_the_location() -> None:
    async with sandbox_client(SandboxConfig(created_ids="uuid")) as (app, client):
        created = await client.post("/api/v1/messages", json=valid_body())
    message_id = created.json()["id"]
    assert str(uuid.UUID(message_id)) == message_id and not is_ulid(message_id)
    assert created.headers["location"].endswith(f"/{message_id}")
    assert len(app.ledger.entries()) == 1  # stored all the same


async def test_a_plain_sandbox_is_io() -> None:
    async with sandbox_client() as (_, client):
        created = await client.post("/api/v1/messages", json=valid_body())
        profile = await client.post("/api/v1/profiles", json={"fiscal_code": SANDBOX_CF})
        wrong = await client.get("/nowhere")
    assert is_ulid(created.json()["id"])
    assert profile.json()["sender_allowed"] is True
    assert wrong.json() == {"statusCode": 404, "message": "Resource not found"}


def test_the_switches_are_options_of_io_batch_sandbox() -> None:
    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    args = parser.parse_args(
        [
            *("--unrouted-answer", "html", "--profile-answer", "spec_example"),
            *("--forbid-all", "empty", "--message-answer", "other_id", "--created-ids", "uuid"),
        ]
    )
    config = config_from_args(args)
    assert (config.unrouted_answer, config.profile_answer, config.forbid_all) == (
        "html",
        "spec_example",
        "empty",
    )
    assert (config.message_answer, config.created_ids) == ("other_id", "uuid")
    with pytest.raises(ValueError, match="unrouted_answer must be one of"):
        SandboxConfig(unrouted_answer="teapot")
