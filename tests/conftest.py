"""Shared fixtures: async tests run on asyncio through anyio's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings

from tests.helpers.redis_server import RedisServer
from tests.helpers.redis_server import redis_server as start_redis

# CI machines are small and busy: a property's first example may be slow for reasons
# that have nothing to do with the code (imports, a cold polars), so no deadlines.
settings.register_profile("io-batch", deadline=None)
settings.load_profile("io-batch")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real ``redis-server`` on 127.0.0.1 for one test (the shared rate budget)."""
    with start_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
