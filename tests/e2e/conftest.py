"""End-to-end fixtures: sandboxes on 127.0.0.1, stopped at the end of each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from batch.sandbox import SandboxConfig, running_sandbox


@pytest.fixture
def sandbox_factory() -> Iterator[Any]:
    """Start sandboxes with a given config; all are stopped at the end of the test."""
    stack: list[Any] = []

    def start(config: SandboxConfig | None = None) -> Any:
        context = running_sandbox(config or SandboxConfig(processing_delay=0.2))
        running = context.__enter__()
        stack.append(context)
        return running

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)
