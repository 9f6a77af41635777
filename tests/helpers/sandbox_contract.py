"""Helpers shared by the sandbox's tests: a valid body, an in-process client, field edits."""

from __future__ import annotations

import copy
import json
import random
import string
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from batch.sandbox import DEFAULT_API_KEY, SandboxApp, SandboxConfig

FIXTURES = Path(__file__).parents[1] / "fixtures"

SANDBOX_CF = "AAAAAA00A00A000A"
SUBJECT = "Promemoria scadenza TARI"  # 24 characters
MARKDOWN = "Gentile cittadino, ti ricordiamo che la rata della TARI scade il 31 dicembre. " * 2


def valid_body(**members: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fiscal_code": SANDBOX_CF,
        "content": {"subject": SUBJECT, "markdown": MARKDOWN},
    }
    body.update(members)
    return body


def set_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``body`` with the dotted ``path`` set (missing objects are created)."""
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = result
    for name in parents:
        node = node.setdefault(name, {})
    node[last] = value
    return result


def drop_path(body: dict[str, Any], path: str) -> dict[str, Any]:
    result = copy.deepcopy(body)
    *parents, last = path.split(".")
    node = result
    for name in parents:
        node = node[name]
    del node[last]
    return result


def seed_examples() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(
        (FIXTURES / "seed_examples.json").read_text(encoding="utf-8")
    )["cases"]
    return cases


def clean_documentation(raw: str) -> str:
    """Remove what the docs add to a body: ``//`` comment lines and typographic quotes."""
    lines = [line for line in raw.splitlines() if not line.strip().startswith("//")]
    return "\n".join(lines).replace("\u201c", '"').replace("\u201d", '"')


def problem_fields(detail: str) -> list[str]:
    """The fields a 400's detail names, in order (each problem reads "field: what")."""
    return [problem.split(":", 1)[0] for problem in detail.split("; ")]


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@asynccontextmanager
async def sandbox_client(
    config: SandboxConfig | None = None,
    key: str = DEFAULT_API_KEY,
    client_timeout: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[tuple[SandboxApp, httpx.AsyncClient]]:
    """The sandbox app in process and a client that sends ``key``."""
    app = SandboxApp(config or SandboxConfig(), clock=clock)
    async with httpx.AsyncClient(
        transport=app.transport(),
        base_url="http://sandbox",
        headers={"Ocp-Apim-Subscription-Key": key},
        timeout=client_timeout,
    ) as client:
        yield app, client


def random_fiscal_codes(count: int, seed: int = 0) -> list[str]:
    """Distinct codes that match the server's regex (the check letter is not verified)."""
    rng = random.Random(seed)
    letters, digits, months = string.ascii_uppercase, string.digits, "ABCDEHLMPRST"
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(
            "".join(rng.choices(letters, k=6))
            + "".join(rng.choices(digits, k=2))
            + rng.choice(months)
            + "".join(rng.choices(digits, k=2))
            + rng.choice(letters)
            + "".join(rng.choices(digits, k=3))
            + rng.choice(letters)
        )
    return sorted(codes)
