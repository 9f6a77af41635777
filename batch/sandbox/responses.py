"""The answers the IO API gives, in its two body formats, and how they go out over ASGI.

The backend answers errors in ProblemJson (``application/problem+json``); the APIM
gateway answers 401, 404 for a path it does not know, and 429 in its own body,
``{"statusCode": ..., "message": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON = b"application/json; charset=utf-8"
PROBLEM_JSON = b"application/problem+json"


class ConnectionDropped(Exception):  # noqa: N818 - an event, not an error of the app
    """Raised by the app to close the connection without any response.

    ASGI has no message for that, so whoever runs the app turns it into a closed
    socket: ``server.py`` under uvicorn, ``transport.py`` in process.
    """


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...] = ()
    fault: str | None = None  # set when an injected fault produced this answer

    async def send(self, send: Send) -> None:
        headers = [(b"content-length", str(len(self.body)).encode()), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def json_response(
    status: int, payload: Any, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, ((b"content-type", JSON), *headers))


def problem(status: int, title: str, detail: str, fault: str | None = None) -> Response:
    """A backend error: ProblemJson with the title and detail the real handlers use."""
    payload = {"title": title, "status": status, "detail": detail}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, ((b"content-type", PROBLEM_JSON),), fault)


def gateway_error(
    status: int, message: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> Response:
    """An APIM error: not ProblemJson."""
    return json_response(status, {"statusCode": status, "message": message}, headers)


def recipient_forbidden() -> Response:
    return problem(
        403, "Recipient forbidden", "You are not allowed to issue requests for the recipient."
    )


def not_allowed_here(
    detail: str = "You do not have enough permission to complete the operation you requested",
) -> Response:
    return problem(403, "You are not allowed here", detail)


def no_valid_scopes() -> Response:
    return problem(
        403,
        "User has no valid scopes",
        "You are not part of any valid scope, you should ask the administrator to give you "
        "the required permissions.",
    )


def internal_error(detail: str, fault: str | None = None) -> Response:
    return problem(500, "Internal server error", detail, fault)
