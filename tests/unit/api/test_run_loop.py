"""The one run loop of send, verify and the feed sync: signals, cut-off, first error."""

from __future__ import annotations

import os
import signal

import anyio
import pytest

from batch.api.run_loop import RunLoop
from batch.api.stopping import Stop
from batch.errors import AbortedError, AuthError

pytestmark = pytest.mark.anyio


async def test_the_first_job_error_is_kept_and_stops_the_run() -> None:
    loop = RunLoop(handle_signals=False)
    first, second = AuthError("key refused"), AbortedError("too many failures")
    loop.fail(first)
    loop.fail(second)
    assert loop.error is first
    assert loop.stop.requested
    assert loop.stop.reason == "key refused"
    with pytest.raises(AuthError, match="key refused"):
        loop.raise_error()


async def test_no_error_raises_nothing() -> None:
    loop = RunLoop(handle_signals=False)
    await loop.run(anyio.lowlevel.checkpoint)
    loop.raise_error()
    assert not loop.stop.requested


async def test_a_given_stop_is_the_one_the_loop_requests() -> None:
    stop = Stop()
    loop = RunLoop(stop, handle_signals=False)
    loop.fail(AuthError("key refused"))
    assert stop.requested


async def test_the_tasks_beside_the_work_end_with_it() -> None:
    loop = RunLoop(handle_signals=False)
    beside_ended = anyio.Event()

    async def beside() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            beside_ended.set()

    with anyio.fail_after(5):
        await loop.run(anyio.lowlevel.checkpoint, beside)
    assert beside_ended.is_set()


async def test_cut_off_cancels_the_work_in_flight() -> None:
    loop = RunLoop(handle_signals=False)
    reached_the_end = False

    async def work() -> None:
        nonlocal reached_the_end
        loop.cut_off()
        await anyio.sleep(30)  # a call on the wire: cancelled, not awaited
        reached_the_end = True

    with anyio.fail_after(5):
        await loop.run(work)
    assert not reached_the_end


async def test_a_first_signal_stops_gracefully_and_a_second_cuts_off() -> None:
    loop = RunLoop()
    steps: list[str] = []

    async def work() -> None:
        await anyio.sleep(0.05)  # the watcher is listening by now
        os.kill(os.getpid(), signal.SIGTERM)
        await loop.stop.wait()
        steps.append("stop requested, work goes on")
        os.kill(os.getpid(), signal.SIGTERM)
        await anyio.sleep(30)
        steps.append("not cut off")

    with anyio.fail_after(5):
        await loop.run(work)
    assert steps == ["stop requested, work goes on"]
    assert loop.stop.reason == "stopped by SIGTERM"
    assert loop.error is None
