"""Shared fixtures: async tests run on asyncio through anyio's pytest plugin."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import structlog
from hypothesis import settings

from batch import i18n
from tests.helpers.redis_server import RedisServer
from tests.helpers.redis_server import redis_server as start_redis

# CI machines are small and busy: a property's first example may be slow for reasons
# that have nothing to do with the code (imports, a cold polars), so no deadlines.
settings.register_profile("io-batch", deadline=None)
settings.load_profile("io-batch")


# The texts the tests check are English unless a test asks for Italian (--lang it, a job's
# [output] language, or LANG in a subprocess's env): a developer's Italian locale must not
# change what the suite sees, in this process or in the io-batch processes it starts.
for _variable in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """``cli.main`` chooses the process's language and sets logging up on the stdout of
    the moment (pytest's capture, closed after the test): the next test starts in English
    with the logging it had."""
    logging_before = structlog.get_config()
    yield
    i18n.use_language(i18n.DEFAULT_LANGUAGE)
    structlog.configure(**logging_before)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real ``redis-server`` on 127.0.0.1 for one test (the shared rate budget)."""
    with start_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
