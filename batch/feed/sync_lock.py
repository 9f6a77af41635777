"""The subscriber list's sync lock: two syncs of one list never run at once.

``<list>.lock`` beside the list, held with ``flock`` for the whole sync and released by
the kernel when the process ends, however it ends. It is polled, not waited on in a
thread, so a stop (SIGTERM) during the wait is obeyed at once.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from batch.common import logs

LOCK_POLL_S = 0.2


def lock_path(store: Path) -> Path:
    return store.with_name(f"{store.name}.lock")


@asynccontextmanager
async def sync_lock(store: Path) -> AsyncIterator[None]:
    """Hold the list's sync lock; wait (polling) while another process holds it."""
    path = lock_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    waiting = True
                    logs.get_logger().info(
                        "feed.sync.waiting", store=str(store), detail="another run syncs it"
                    )
                await anyio.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
