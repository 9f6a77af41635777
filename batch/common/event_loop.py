"""The event loop of every command that makes API calls: asyncio on uvloop.

In unlimited mode io-batch is bound by its own CPU, and most of it goes to the event
loop and its sockets (httpx, httpcore and anyio over asyncio's selector loop). uvloop
runs the same asyncio code on libuv, in C: in ``tests/benchmarks/cpu_profile.py`` it
cut the CPU per call by about a tenth (see BENCHMARKS.md). It is a dependency on the
platforms it supports (Linux, where io-batch runs; macOS); elsewhere the plain loop runs.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar, TypeVarTuple, Unpack

import anyio

T = TypeVar("T")
Args = TypeVarTuple("Args")

USE_UVLOOP = sys.platform != "win32"


def run(func: Callable[[Unpack[Args]], Awaitable[T]], *args: *Args) -> T:
    """``anyio.run`` on the io-batch event loop."""
    return anyio.run(func, *args, backend_options={"use_uvloop": USE_UVLOOP})
