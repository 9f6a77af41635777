"""Answers of a misconfigured or non-IO server, switched on to prove that io-batch fails loudly.

Each one was met in the field (issue 13): a wrong base URL answered by the gateway,
a web server or nothing at all; a profile 200 shaped like the spec's stale example
(no ``sender_allowed``); a 403 from something in front of IO (an IP filter, a policy)
with no body or a body IO never sends. Off by default: a plain sandbox is IO.
"""

from __future__ import annotations

import json
import uuid

from batch.sandbox import responses as r

#: How a path with no API operation is answered (a wrong base URL): "problem" is a
#: web framework's own ProblemJson 404 (RFC 9457), shaped like IO's errors but not IO's.
UNROUTED_ANSWERS = ("gateway", "html", "empty", "problem")
#: The body of a profile 200: IO's LimitedProfile, or the spec's stale example.
PROFILE_ANSWERS = ("limited_profile", "spec_example")
#: When set, every API call past the key check and the rate limit is this 403.
FORBIDDEN_ANSWERS = ("empty", "unknown")

#: Get-message 200s about the message asked for, or about another id / fiscal code.
MESSAGE_ANSWERS = ("own", "other_id", "other_fiscal_code")
#: The ids of created messages: IO's ULIDs, or UUIDs (a server that is not IO).
CREATED_IDS = ("ulid", "uuid")

OTHER_MESSAGE_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # a valid ULID that no submit returns
OTHER_FISCAL_CODES = ("BBBBBB00B00B000B", "CCCCCC00C00C000C")

#: The 200 example of ``POST /profiles`` in the published spec (no ``sender_allowed``).
SPEC_PROFILE_EXAMPLE = {"email": "foobar@example.com", "version": 1}
UNKNOWN_403_BODY = {"error": "Forbidden by policy", "code": "POLICY_DENIED"}
_HTML_404 = (
    b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p>"
    b"</body></html>"
)


def unrouted(kind: str, path: str = "/") -> r.Response:
    """The 404 for a path that is no API operation."""
    if kind == "html":
        return r.Response(404, _HTML_404, ((b"content-type", b"text/html; charset=utf-8"),))
    if kind == "empty":
        return r.Response(404, b"")
    if kind == "problem":  # what Spring Boot 3 answers for a path it does not serve
        body = {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": f"No static resource {path.lstrip('/')}.",
            "instance": path,
        }
        payload = json.dumps(body).encode("utf-8")
        return r.Response(404, payload, ((b"content-type", r.PROBLEM_JSON),))
    return r.gateway_error(404, "Resource not found")


def forbidden(kind: str) -> r.Response:
    """A 403 that is not IO's: no body at all, or one io-batch cannot know."""
    if kind == "empty":
        return r.Response(403, b"")
    return r.json_response(403, UNKNOWN_403_BODY)


def check_choice(name: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def about_another_message(response: r.Response, kind: str) -> r.Response:
    """A get-message 200 rewritten to be about another message id or fiscal code."""
    if kind == "own" or response.status != 200:
        return response
    body = json.loads(response.body)
    message = body["message"]
    if kind == "other_id":
        message["id"] = OTHER_MESSAGE_ID
    else:
        first, second = OTHER_FISCAL_CODES
        message["fiscal_code"] = second if message.get("fiscal_code") == first else first
    return r.json_response(200, body)


def with_uuid_id(response: r.Response, kind: str) -> r.Response:
    """A submit 201 whose id (body and ``Location``) is a UUID instead of IO's ULID."""
    if kind == "ulid" or response.status != 201:
        return response
    body = json.loads(response.body)
    old, new = body["id"], str(uuid.uuid4())
    headers = tuple(
        (name, value.replace(old.encode(), new.encode()) if name == b"location" else value)
        for name, value in response.headers
    )
    body["id"] = new
    fresh = r.json_response(201, body)
    return r.Response(201, fresh.body, headers, response.fault)
