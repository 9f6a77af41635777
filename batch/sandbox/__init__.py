"""The IO sandbox: a faithful simulator of the IO services API, on loopback or in process.

``running_sandbox(config)`` serves it from a background thread; ``create_app(config)``
gives the ASGI app for in-process use (``app.transport()``); ``io-batch sandbox`` runs
it in the foreground. Its ledger and call log (``app.ledger``, ``app.calls``, or
``GET /__sandbox/ledger`` and ``/__sandbox/calls``) say what it saw.
"""

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
