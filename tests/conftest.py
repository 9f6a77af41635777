"""Shared fixtures: async tests run on asyncio through anyio's pytest plugin."""

from __future__ import annotations

import pytest
from hypothesis import settings

# CI machines are small and busy: a property's first example may be slow for reasons
# that have nothing to do with the code (imports, a cold polars), so no deadlines.
settings.register_profile("io-batch", deadline=None)
settings.load_profile("io-batch")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
