"""Test-only endpoints under ``/__sandbox/``: read the ledger and call log, set faults, reset.

They are not part of the IO API: no key, no rate limit, not in the call log. They
let a test drive a sandbox that runs in another process (``io-batch sandbox``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from batch.sandbox import responses as r
from batch.sandbox.config import Faults

if TYPE_CHECKING:
    from batch.sandbox.app import SandboxApp


async def handle_control(app: SandboxApp, method: str, path: str, raw: bytes, send: r.Send) -> None:
    await _answer(app, method, path.removeprefix("/__sandbox/"), raw).send(send)


def _answer(app: SandboxApp, method: str, name: str, raw: bytes) -> r.Response:
    match method, name:
        case "GET", "health":
            return r.json_response(200, {"status": "ok"})
        case "GET", "ledger":
            return r.json_response(
                200, {"entries": [entry.to_json() for entry in app.ledger.entries()]}
            )
        case "GET", "calls":
            return r.json_response(200, {"calls": [call.to_json() for call in app.calls.entries()]})
        case "GET", "faults":
            return r.json_response(200, app.faults.to_json())
        case "POST", "faults":
            try:
                faults = Faults.from_json(json.loads(raw or b"{}"))
            except (ValueError, TypeError) as error:
                return r.json_response(400, {"error": str(error)})
            app.set_faults(faults)
            return r.json_response(200, faults.to_json())
        case "POST", "feed-late-writes":
            return _late_writes(app, raw)
        case "POST", "reset":
            app.reset()
            return r.json_response(200, {"reset": True})
    return r.json_response(404, {"error": f"no test endpoint {method} /__sandbox/{name}"})


def _late_writes(app: SandboxApp, raw: bytes) -> r.Response:
    """``{"day": "YYYY-MM-DD", "subscribed": [codes], "unsubscribed": [codes]}``: events
    written into a day after the fact (IO's late writes), so the feed of that day
    changes after it was served and the citizens' profile checks follow."""
    try:
        body = json.loads(raw or b"{}")
        day = date.fromisoformat(body["day"])
        writes = [
            (code, subscribed)
            for member, subscribed in (("subscribed", True), ("unsubscribed", False))
            for code in body.get(member, [])
        ]
        if not all(isinstance(code, str) and code for code, _ in writes):
            raise ValueError("fiscal codes must be strings")
    except (ValueError, TypeError, KeyError) as error:
        return r.json_response(400, {"error": f"bad late writes: {error}"})
    for code, subscribed in writes:
        app.backend.history.late_write(day, code.upper(), subscribed)
    return r.json_response(200, {"day": day.isoformat(), "written": len(writes)})
