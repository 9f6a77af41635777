"""The safety net behind the wrong-URL check: the first N profile answers all 404."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.api.decisions import Proceed
from batch.config.job import parse_job
from batch.errors import ConfigError
from batch.models import Outcome, Status
from batch.send.not_registered import NotRegisteredGuard
from batch.send.pipeline import SendOptions, SendRun


def not_found() -> Outcome:
    return Outcome(status=Status.NOT_REGISTERED, reason_code="profile.not_found", reason="404")


def test_the_guard_stops_after_the_first_n_not_found_answers() -> None:
    guard = NotRegisteredGuard(3)
    for _ in range(3):
        guard.check()
        guard.record(not_found())
    with pytest.raises(ConfigError, match="the first 3 profile checks all answered 404"):
        guard.check()


@pytest.mark.parametrize(
    "other",
    [Proceed(), Outcome(status=Status.NOT_ALLOWED, reason_code="profile.sender_not_allowed")],
)
def test_any_other_real_answer_disarms_the_guard(other: Proceed | Outcome) -> None:
    guard = NotRegisteredGuard(3)
    guard.record(not_found())
    guard.record(other)
    for _ in range(10):
        guard.record(not_found())
    guard.check()  # no error


def test_failures_neither_count_nor_disarm_and_zero_turns_it_off() -> None:
    guard = NotRegisteredGuard(2)
    guard.record(not_found())
    guard.record(Outcome(status=Status.FAILED, reason_code="profile.server_error"))
    guard.check()
    guard.record(not_found())
    with pytest.raises(ConfigError):
        guard.check()
    off = NotRegisteredGuard(0)
    for _ in range(500):
        off.record(not_found())
    off.check()


def send_run(guard: int | None, rerun: frozenset[Status] | None) -> SendRun:
    target: dict[str, object] = {"kind": "sandbox"}
    if guard is not None:
        target["not_registered_guard"] = guard
    raw = {
        "input": {"path": "in.csv"},
        "output": {"path": "out.csv"},
        "columns": {"fiscal_code": "cf"},
        "message": {"subject": "Avviso importante", "markdown": "m" * 80},
        "target": target,
    }
    job = parse_job(raw, source=Path("/jobs/job.toml"))
    return SendRun(job, SendOptions(rerun_statuses=rerun), base_url="http://x", api_key="k")


@pytest.mark.parametrize(
    ("guard", "rerun", "expected"),
    [
        (None, None, 100),  # the default
        (7, None, 7),
        (0, None, 0),
        (None, frozenset({Status.FAILED}), 100),
        # Rerunning not_registered rows: 404s are what they were chosen for.
        (None, frozenset({Status.FAILED, Status.NOT_REGISTERED}), 0),
    ],
)
def test_the_guard_comes_from_the_job_and_is_off_for_a_rerun_of_not_registered_rows(
    guard: int | None, rerun: frozenset[Status] | None, expected: int
) -> None:
    assert send_run(guard, rerun)._not_registered_guard() == expected
