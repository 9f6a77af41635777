"""The first call goes alone; a job-level answer to it costs no other call (issue 13)."""

from __future__ import annotations

import anyio
import pytest

from batch.api.first_call import FirstCallGate
from batch.errors import ConfigError

pytestmark = pytest.mark.anyio


async def run_workers(gate: FirstCallGate, first_answer: str, workers: int = 5) -> list[str]:
    """``workers`` tasks each make one call through the gate; the calls made, in order."""
    made: list[str] = []
    outcomes: list[str] = []

    async def step() -> str:
        made.append("call")
        await anyio.sleep(0.01)  # the answer takes a while: the others must wait for it
        return first_answer if len(made) == 1 else "fine"

    def stops(answer: str) -> ConfigError | None:
        return ConfigError("wrong URL") if answer == "stop" else None

    async def worker() -> None:
        try:
            outcomes.append(await gate.through(step, stops))
        except ConfigError:
            outcomes.append("stopped")

    async with anyio.create_task_group() as group:
        for _ in range(workers):
            group.start_soon(worker)
    return made + outcomes


async def test_a_stopping_first_answer_costs_one_call() -> None:
    result = await run_workers(FirstCallGate(), "stop")
    assert result.count("call") == 1
    assert sorted(result[1:]) == ["stop"] + ["stopped"] * 4


async def test_an_ordinary_first_answer_lets_everybody_call() -> None:
    result = await run_workers(FirstCallGate(), "fine")
    assert result.count("call") == 5 and result.count("fine") == 5


async def test_a_first_call_that_fails_unexpectedly_does_not_block_the_others() -> None:
    gate = FirstCallGate()

    async def broken() -> str:
        raise RuntimeError("a bug")

    async def fine() -> str:
        return "fine"

    with pytest.raises(RuntimeError):
        await gate.through(broken, lambda _answer: None)
    with anyio.fail_after(1):
        assert await gate.through(fine, lambda _answer: None) == "fine"
