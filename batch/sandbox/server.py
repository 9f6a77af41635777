"""The sandbox as a real HTTP server on loopback: in a background thread, or in the foreground.

uvicorn runs the app; ``ConnectionDropped`` from the app becomes a socket closed
with no response, which ASGI itself cannot express.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio.lowlevel
import uvicorn

from batch.sandbox.app import SandboxApp, create_app
from batch.sandbox.config import SandboxConfig
from batch.sandbox.responses import ConnectionDropped, Receive, Scope, Send

_STARTUP_TIMEOUT = 10.0
_GRACEFUL_SHUTDOWN_SECONDS = 1


class _DroppingApp:
    """Wraps the app for uvicorn: closes the socket when the app drops the connection."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            # uvicorn's send is a method of the request cycle, which holds the socket's
            # transport. Abort it, then yield once so uvicorn sees the connection lost and
            # does not answer a 500 of its own.
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is None:
                raise
            transport.abort()
            await anyio.lowlevel.checkpoint()


def _uvicorn_config(app: SandboxApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        _DroppingApp(app),
        host=host,
        port=port,
        log_level="warning",
        log_config=None,  # leave the host program's logging alone
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
    )


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str  # e.g. "http://127.0.0.1:54321"
    app: SandboxApp
    port: int


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is a plain OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that
    # say so, and with Nagle on, every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"the sandbox cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


@contextmanager
def running_sandbox(
    config: SandboxConfig | None = None, port: int = 0, host: str = "127.0.0.1"
) -> Iterator[RunningSandbox]:
    """Serve a sandbox in a background thread for the ``with`` block; port 0 picks a free one."""
    app = create_app(config)
    sock = _bind(host, port)
    bound_port: int = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(app, host, bound_port))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="io-sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=_STARTUP_TIMEOUT)
            sock.close()
            raise OSError(f"the sandbox did not start on {host}:{bound_port}")
        time.sleep(0.005)
    try:
        yield RunningSandbox(f"http://{host}:{bound_port}", app, bound_port)
    finally:
        app.closing = True  # requests held by a timeout fault end now, not in a minute
        server.should_exit = True
        thread.join(timeout=_GRACEFUL_SHUTDOWN_SECONDS + 5)


def serve(config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve a sandbox in the foreground until Ctrl-C (``io-batch sandbox``)."""
    app = create_app(config)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(app, host, bound_port))
    print(f"IO sandbox on http://{host}:{bound_port} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    server.run(sockets=[sock])
