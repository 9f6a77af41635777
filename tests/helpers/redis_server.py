"""A real ``redis-server`` (Debian's package) on 127.0.0.1, for the shared budget's tests.

Started on a free port with no persistence, in a temporary folder, and stopped at the
end. Where ``redis-server`` is missing the test is skipped, saying how to install it,
except under CI (``CI=true``), where that is a failure: ``.ci/run`` installs it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

_START_TIMEOUT = 10.0


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Kill it (as a crash would), and wait until its port refuses connections."""
        self.process.kill()
        self.process.wait(timeout=10)


def needed_binary(command: str, package: str) -> str:
    """The path of a service's binary; a skip (a failure under CI) where it is missing."""
    binary = shutil.which(command)
    if binary is not None:
        return binary
    message = f"{command} is not installed (apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server(folder: Path, port: int | None = None) -> Iterator[RedisServer]:
    binary = needed_binary("redis-server", "redis-server")
    port = port or free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--protected-mode",
            "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + _START_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    server = RedisServer(port, process)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
