"""The IO sandbox: a faithful simulator of the IO services API, on loopback or in process.

``running_sandbox(config)`` serves it from a background thread; ``create_app(config)``
gives the ASGI app for in-process use (``app.transport()``); ``io-batch sandbox`` runs
it in the foreground. Its ledger and call log (``app.ledger``, ``app.calls``, or
``GET /__sandbox/ledger`` and ``/__sandbox/calls``) say what it saw.


The package loads lazily: importing one of its names loads only the module that
defines it, so the core commands (``validate``, ``send`` to IO) never load the server
(uvicorn) or the simulator just because the CLI can also start one.

May import: ``errors`` alone: it is an independent oracle of IO, a separate program
that the client reaches only where a sandbox is started.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batch.sandbox.app import SandboxApp, create_app
    from batch.sandbox.cli_args import add_sandbox_arguments, config_from_args, serve_from_args
    from batch.sandbox.config import (
        DEFAULT_API_KEY,
        SANDBOX_FISCAL_CODE,
        Faults,
        KeyConfig,
        OperationFaults,
        SandboxConfig,
    )
    from batch.sandbox.ledger import (
        CallLog,
        CallRecord,
        Ledger,
        LedgerEntry,
        fetch_calls,
        fetch_ledger,
        max_calls_in_window,
        payload_hash,
    )
    from batch.sandbox.population import ProfileState, profile_state
    from batch.sandbox.server import RunningSandbox, running_sandbox, serve
    from batch.sandbox.ulid import is_ulid, new_ulid

_HOMES = {
    "SandboxApp": "batch.sandbox.app",
    "create_app": "batch.sandbox.app",
    "add_sandbox_arguments": "batch.sandbox.cli_args",
    "config_from_args": "batch.sandbox.cli_args",
    "serve_from_args": "batch.sandbox.cli_args",
    "DEFAULT_API_KEY": "batch.sandbox.config",
    "SANDBOX_FISCAL_CODE": "batch.sandbox.config",
    "Faults": "batch.sandbox.config",
    "KeyConfig": "batch.sandbox.config",
    "OperationFaults": "batch.sandbox.config",
    "SandboxConfig": "batch.sandbox.config",
    "CallLog": "batch.sandbox.ledger",
    "CallRecord": "batch.sandbox.ledger",
    "Ledger": "batch.sandbox.ledger",
    "LedgerEntry": "batch.sandbox.ledger",
    "fetch_calls": "batch.sandbox.ledger",
    "fetch_ledger": "batch.sandbox.ledger",
    "max_calls_in_window": "batch.sandbox.ledger",
    "payload_hash": "batch.sandbox.ledger",
    "ProfileState": "batch.sandbox.population",
    "profile_state": "batch.sandbox.population",
    "RunningSandbox": "batch.sandbox.server",
    "running_sandbox": "batch.sandbox.server",
    "serve": "batch.sandbox.server",
    "is_ulid": "batch.sandbox.ulid",
    "new_ulid": "batch.sandbox.ulid",
}


def __getattr__(name: str) -> Any:
    """Load the module that defines ``name`` on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_API_KEY",
    "SANDBOX_FISCAL_CODE",
    "CallLog",
    "CallRecord",
    "Faults",
    "KeyConfig",
    "Ledger",
    "LedgerEntry",
    "OperationFaults",
    "ProfileState",
    "RunningSandbox",
    "SandboxApp",
    "SandboxConfig",
    "add_sandbox_arguments",
    "config_from_args",
    "create_app",
    "fetch_calls",
    "fetch_ledger",
    "is_ulid",
    "max_calls_in_window",
    "new_ulid",
    "payload_hash",
    "profile_state",
    "running_sandbox",
    "serve",
    "serve_from_args",
]
