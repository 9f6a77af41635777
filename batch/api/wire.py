"""The wire format of IO's answers, read without ever raising: JSON bodies, error texts
(ProblemJson, APIM's own shape, anything else), the retry hints of a 429 and the id of
a created message. Shared by the client (a 429's pause) and ``classify`` (decisions).
"""

from __future__ import annotations

import json
import math
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

REASON_LIMIT = 300
# A longer hint counts as this much: a bogus header must not stall a job for hours.
MAX_RETRY_AFTER = 600.0
_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when there is none or it is not JSON."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, bad UTF-8, absurdly nested
        return None


def problem_text(response: httpx.Response) -> str:
    """A short human text out of any error body: ProblemJson title and detail, APIM's
    message, or the raw text. Never raises, whatever the body."""
    body = json_body(response)
    if isinstance(body, dict):
        parts = [body.get(key) for key in ("title", "detail", "message")]
        text = ": ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    else:
        text = response.content[: REASON_LIMIT * 4].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 3] + "..."


def retry_after_seconds(response: httpx.Response, now: float | None = None) -> float | None:
    """The "not before" hint of a 429, in seconds: APIM's header, the standard one, or
    APIM's body text ("Try again in N seconds."). None when there is none."""
    for header in ("x-rate-limit-retry-after", "retry-after"):
        value = response.headers.get(header)
        if value is not None:
            seconds = _seconds(value.strip(), time.time() if now is None else now)
            if seconds is not None:
                return seconds
    match = _TRY_AGAIN.search(problem_text(response))
    return _clamp(float(match.group(1))) if match else None


def created_message_id(response: httpx.Response) -> str:
    """The id of a created message: from the body, else from the ``Location`` header."""
    body = json_body(response)
    body_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(body_id, str) and body_id.strip():
        return body_id.strip()
    location = response.headers.get("location", "").strip().rstrip("/")
    return location.rsplit("/", 1)[-1] if "/" in location else ""


def _seconds(value: str, now: float) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now  # an HTTP date
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return _clamp(seconds) if math.isfinite(seconds) else None


def _clamp(seconds: float) -> float:
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
