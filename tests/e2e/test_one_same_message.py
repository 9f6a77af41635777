"""Issue 24, point 7: one definition of "the same message" for send, validate and guard.

With ``[columns] dedupe_key`` the key says what the message is (README, the job file):
two rows for one citizen with the same text but keys P-1 and P-2 are two messages, and
a row with an earlier row's key is the same message even if its text changed. The dry
run, the guard and the send must all count that way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batch.sandbox import SandboxConfig
from tests.helpers.e2e import population, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

ALL_REGISTERED = SandboxConfig(
    rate_calls=None, registered_ratio=1.0, blocked_ratio=0.0, processing_delay=0.1
)


def job_with_key(tmp_path: Path, base_url: str, guard: str = "") -> Path:
    extra = f"[guard]\n{guard}\n" if guard else ""
    job = write_job(tmp_path, base_url=base_url, calls=None, extra=extra)
    text = job.read_text(encoding="utf-8")
    job.write_text(
        text.replace(
            'fiscal_code = "codice_fiscale"',
            'fiscal_code = "codice_fiscale"\ndedupe_key = "pratica"',
        ),
        encoding="utf-8",
    )
    return job


def to_send(ran_stdout: str) -> int:
    found = re.search(r"valid:\s+([\d,]+) \(([\d,]+) to send\)", ran_stdout)
    assert found is not None, ran_stdout
    return int(found.group(2).replace(",", ""))


def test_two_keys_are_two_messages_for_validate_guard_and_send(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    code = population(1, seed=2471)[0]
    header = ["codice_fiscale", "nome", "pratica"]
    write_csv(tmp_path / "input.csv", header, [[code, "Ada", "P-1"], [code, "Ada", "P-2"]])

    job = job_with_key(tmp_path, sandbox.base_url)
    validated = run_io_batch(["--log-format", "console", "validate", str(job)])
    assert validated.code == 0, validated.stderr
    assert to_send(validated.stdout) == 2 and "duplicates: 0" in validated.stdout

    guarded = job_with_key(tmp_path, sandbox.base_url, "max_messages = 1")
    refused = run_io_batch(["send", str(guarded)])
    assert refused.code == 3, refused.stderr
    assert "would submit up to 2 messages, more than guard.max_messages = 1" in refused.stderr
    assert sandbox.app.calls.count() == 0

    job = job_with_key(tmp_path, sandbox.base_url, "max_messages = 2")
    sent = run_io_batch(["send", str(job)])
    assert sent.code == 0, sent.stderr
    assert [row["status"] for row in read_rows(tmp_path / "results.csv")] == ["sent", "sent"]
    assert sandbox.app.ledger.count() == 2


def test_the_same_key_is_the_same_message_even_with_another_text(
    tmp_path: Path, sandbox_factory
) -> None:
    sandbox = sandbox_factory(ALL_REGISTERED)
    first, second = population(2, seed=2472)
    header = ["codice_fiscale", "nome", "pratica"]
    rows = [
        [first, "Ada", "P-1"],
        [first, "Ada", "P-2"],  # another case: another message
        [first, "Ada Lovelace", " P-1 "],  # the first case again, text corrected: the same
        [second, "Ada", "P-1"],  # another citizen
        [second, "Ada", ""],  # no key: the content decides (the first row of this one)
        [second, "Ada", ""],  # ... and this is the same content again
    ]
    write_csv(tmp_path / "input.csv", header, rows)

    job = job_with_key(tmp_path, sandbox.base_url)
    validated = run_io_batch(["--log-format", "console", "validate", str(job)])
    assert validated.code == 0, validated.stderr
    assert to_send(validated.stdout) == 4
    assert "line 4 (as line 2)" in validated.stdout and "line 7 (as line 6)" in validated.stdout

    guarded = job_with_key(tmp_path, sandbox.base_url, "max_messages = 3")
    assert run_io_batch(["send", str(guarded)]).code == 3
    assert sandbox.app.calls.count() == 0

    job = job_with_key(tmp_path, sandbox.base_url, "max_messages = 4")
    sent = run_io_batch(["send", str(job)])
    assert sent.code == 0, sent.stderr
    statuses = [row["status"] for row in read_rows(tmp_path / "results.csv")]
    assert statuses == ["sent", "sent", "duplicate", "sent", "sent", "duplicate"]
    assert sandbox.app.ledger.count() == 4
