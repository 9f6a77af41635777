"""Pure: telling IO's own answers from those of a wrong URL or of something in front of IO.

IO's backend answers every error in ProblemJson (a JSON object with ``title`` and
``detail``, docs/io-sources.md). A 404 in any other shape (APIM's
``{"statusCode":404,"message":"Resource not found"}``, a web server's HTML page, an
empty body) comes from a gateway or server that found no such path: the base URL is
wrong, for every row alike. These helpers only look; ``classify.py`` decides.
"""

from __future__ import annotations

import httpx

from batch.api.wire import json_body
from batch.common.logs import mask_text
from batch.i18n import _

_SHOWN = 80  # characters of a text body quoted in an error message
_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


def is_problem_json(response: httpx.Response) -> bool:
    """Whether the body is a ProblemJson, the shape of every error IO's backend gives."""
    body = json_body(response)
    if not isinstance(body, dict) or "statusCode" in body:  # APIM's shape, not IO's
        return False
    return any(isinstance(body.get(member), str) for member in ("title", "detail"))


#: The titles of IO's own "no such profile" answer, the only 404 of the profile check:
#: the one its code gives (io-functions-services ``utils/profile.ts``:
#: ``ResponseErrorNotFound("Profile not found", "The profile you requested was not found
#: in the system.")``, docs/io-sources.md "Endpoints"), and the spec's description of that 404.
PROFILE_NOT_FOUND_TITLES = ("profile not found", "no user found for the provided fiscal code")


def is_profile_not_found(response: httpx.Response) -> bool:
    """Whether a 404 is IO's own "Profile not found": a ProblemJson with that title (and
    status 404, when it says one). A web server's or framework's ProblemJson 404 for a
    path it does not serve ("Not Found", any ``type``) is not: the URL is wrong."""
    if not is_problem_json(response):
        return False
    body = json_body(response)
    assert isinstance(body, dict)
    title, status = body.get("title"), body.get("status", 404)
    if not isinstance(title, str):
        return False
    return title.strip().rstrip(".").casefold() in PROFILE_NOT_FOUND_TITLES and status == 404


def describe_problem(response: httpx.Response) -> str:
    """A ProblemJson's ``title``, ``type`` and ``status`` (never ``detail`` or
    ``instance``, which may quote a fiscal code), for an error message."""
    body = json_body(response)
    if not is_problem_json(response) or not isinstance(body, dict):
        return describe_body(response)
    shown = [
        f"{member} {_quoted(str(body[member]))}"
        for member in ("title", "type", "status")
        if member in body
    ]
    if not shown:
        return _("a ProblemJson with no title")
    return _("a ProblemJson with {members}").format(members=", ".join(shown))


def describe_body(response: httpx.Response) -> str:
    """What an unexpected answer held, in a few words, without its values (they may be
    personal data): "an empty body", "an HTML page", "a JSON object with members: a, b"."""
    if not response.content.strip():
        return _("an empty body")
    body = json_body(response)
    if isinstance(body, dict):
        if set(body) <= {"statusCode", "message"} and isinstance(body.get("message"), str):
            return _("the gateway's message {text}").format(text=_quoted(body["message"]))
        if not body:
            return _("a JSON object with no members")
        members = ", ".join(sorted(str(name) for name in body)[:12])
        return _("a JSON object with members: {members}").format(members=members)
    if body is not None:
        return _("a JSON {kind}").format(kind=_JSON_TYPES.get(type(body), "value"))
    text = response.content[:2048].decode("utf-8", "replace")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "text/html" or text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        return _("an HTML page")
    return _("a text body {text}").format(text=_quoted(text))


def called_url(response: httpx.Response) -> str:
    """The URL the answer came from, with any fiscal code in it masked."""
    try:
        url = str(response.request.url)
    except RuntimeError:  # a Response built by hand, with no request
        return _("(unknown URL)")
    return mask_text(url.split("?", 1)[0])


def _quoted(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= _SHOWN else flat[: _SHOWN - 3] + "...")
