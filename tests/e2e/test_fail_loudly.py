"""Issue 13: a misconfiguration or a surprising answer is never reported as success.

Each test runs ``io-batch`` as a subprocess against a sandbox switched to answer the
way a wrong URL, a server that is not IO, or something in front of IO answers, and
asserts the exit code, the message and how many calls reached the sandbox.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from batch import entry
from batch.errors import ExitCode
from batch.identifiers.fiscal_code import generate
from batch.sandbox import KeyConfig, SandboxConfig, new_ulid
from tests.helpers.e2e import REPO, Ran, read_rows, run_io_batch, write_csv, write_job

pytestmark = pytest.mark.e2e

RESULT_HEADER = [
    *("line", "fiscal_code", "status", "reason_code", "reason", "message_id"),
    *("http_status", "attempts", "sent_at", "run_id", "nome"),
]
CONCURRENCY = 4  # several workers: a wrong URL must still cost one call, not one per worker


def people(path: Path, count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    codes = [generate(rng) for _ in range(count)]
    write_csv(path, ["codice_fiscale", "nome"], [[code, f"N{i}"] for i, code in enumerate(codes)])
    return codes


def calls_made(sandbox: Any) -> int:
    return len(sandbox.app.calls.entries())


def error_line(ran: Ran) -> str:
    lines = [line for line in ran.stderr.splitlines() if line.startswith("io-batch: ")]
    assert lines, ran.stderr
    return lines[-1]


def send(
    tmp_path: Path,
    sandbox: Any,
    *,
    url_suffix: str = "",
    rows: int = 6,
    extra: str = "",
    concurrency: int = CONCURRENCY,
) -> Ran:
    people(tmp_path / "input.csv", rows)
    job = write_job(
        tmp_path,
        base_url=sandbox.base_url + url_suffix,
        calls=None,
        concurrency=concurrency,
        extra=extra,
    )
    return run_io_batch(["send", str(job)])


# -- 1. a wrong base URL is not "nobody is on IO" -----------------------------------------


@pytest.mark.parametrize("answer", ["gateway", "html", "empty", "problem"])
def test_a_wrong_base_url_stops_at_the_first_call_naming_the_url(
    tmp_path: Path, sandbox_factory: Any, answer: str
) -> None:
    sandbox = sandbox_factory(SandboxConfig(unrouted_answer=answer))
    ran = send(tmp_path, sandbox, url_suffix="/api/v1")  # io-batch adds /api/v1 itself

    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert f"{sandbox.base_url}/api/v1/api/v1/profiles" in line
    assert "HTTP 404" in line and "not IO's" in line and "target.base_url" in line
    assert calls_made(sandbox) == 1
    assert sandbox.app.ledger.entries() == []
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"pending": 6}  # nothing was decided about anybody


def test_a_problem_json_404_that_is_not_ios_stops_at_the_first_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    """Issue 26, point 10: a server that answers every path with its own ProblemJson 404
    (a web framework's "Not Found") is not IO saying "Profile not found", even for fewer
    rows than the not_registered_guard counts: nobody is marked not_registered."""
    sandbox = sandbox_factory(SandboxConfig(unrouted_answer="problem"))
    ran = send(tmp_path, sandbox, url_suffix="/io", rows=20)

    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert f"{sandbox.base_url}/io/api/v1/profiles" in line
    assert "title 'Not Found'" in line and "not IO's 'Profile not found'" in line
    assert "No static resource" not in line  # the detail may quote a path: not shown
    assert calls_made(sandbox) == 1
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"pending": 20}
    # The sandbox's own "Profile not found" is still a citizen not on IO.
    real = sandbox_factory(SandboxConfig(registered_ratio=0.0))
    (tmp_path / "results.csv").unlink()
    shutil.rmtree(tmp_path / "state")  # a fresh start (each target has a journal folder)
    ran = send(tmp_path, real, rows=20)
    assert ran.code == ExitCode.OK, ran.stderr
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"not_registered": 20}


def test_the_first_profile_answers_all_not_found_stop_the_run(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig(registered_ratio=0.0))
    ran = send(tmp_path, sandbox, rows=120, concurrency=1)

    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert "the first 100 profile checks all answered 404" in line
    assert "not_registered_guard = 0" in line
    assert calls_made(sandbox) == 100
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"not_registered": 100, "pending": 20}

    # The operator knows better: the guard off, the same command resumes the other 20.
    job = tmp_path / "job.toml"
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("[target]\n", "[target]\nnot_registered_guard = 0\n"), "utf-8")
    resumed = run_io_batch(["send", str(job)])
    assert resumed.code == ExitCode.OK, resumed.stderr
    assert calls_made(sandbox) == 120
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"not_registered": 120}


# -- 2. a profile 200 without a boolean sender_allowed ---------------------------------------


def test_a_profile_200_without_sender_allowed_stops_at_the_first_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig(profile_answer="spec_example"))
    ran = send(tmp_path, sandbox)

    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert "200 without a boolean sender_allowed" in line
    assert "members: email, version" in line
    assert "foobar@example.com" not in line  # names what it held, not the values
    assert calls_made(sandbox) == 1


# -- 3. a 403 that is not about the recipient -----------------------------------------------


@pytest.mark.parametrize("body", ["empty", "unknown"])
def test_a_403_not_about_the_recipient_stops_at_the_first_call(
    tmp_path: Path, sandbox_factory: Any, body: str
) -> None:
    sandbox = sandbox_factory(SandboxConfig(forbid_all=body))
    ran = send(tmp_path, sandbox)

    assert ran.code == ExitCode.AUTH_ERROR
    line = error_line(ran)
    assert "HTTP 403" in line and "not about one citizen" in line
    assert calls_made(sandbox) == 1


def test_recipient_forbidden_stays_about_one_citizen(tmp_path: Path, sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(SandboxConfig(keys=(KeyConfig("sandbox-key", test_mode=True),)))
    ran = send(tmp_path, sandbox)

    assert ran.code == ExitCode.ROWS_NEED_ATTENTION, ran.stderr
    statuses = Counter(row["status"] for row in read_rows(tmp_path / "results.csv"))
    assert statuses == {"not_test_recipient": 6}
    assert calls_made(sandbox) == 6


# -- verify meets the same answers ------------------------------------------------------------


def results_file(path: Path, count: int) -> Path:
    rng = random.Random(9)
    rows = [
        [str(line), generate(rng), "sent", "", "", new_ulid(), "201", "2", "", "r1", "Ada"]
        for line in range(2, 2 + count)
    ]
    return write_csv(path, RESULT_HEADER, rows)


def verify(tmp_path: Path, sandbox: Any, *, url_suffix: str = "", rows: int = 5) -> Ran:
    results = results_file(tmp_path / "results.csv", rows)
    job = write_job(
        tmp_path, base_url=sandbox.base_url + url_suffix, calls=None, concurrency=CONCURRENCY
    )
    return run_io_batch(["verify", str(results), "--job", str(job)])


def test_verify_with_a_wrong_base_url_stops_at_the_first_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig(unrouted_answer="html"))
    ran = verify(tmp_path, sandbox, url_suffix="/io")

    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert f"{sandbox.base_url}/io/api/v1/messages/" in line and "HTTP 404" in line
    assert "***" in line  # the fiscal code in the URL is masked
    assert calls_made(sandbox) == 1


@pytest.mark.parametrize("body", ["empty", "unknown"])
def test_verify_stops_at_a_403_not_about_the_message(
    tmp_path: Path, sandbox_factory: Any, body: str
) -> None:
    sandbox = sandbox_factory(SandboxConfig(forbid_all=body))
    ran = verify(tmp_path, sandbox)

    assert ran.code == ExitCode.AUTH_ERROR
    assert "HTTP 403" in error_line(ran)
    assert calls_made(sandbox) == 1


# -- 4. answers that do not match the question --------------------------------------------------


@pytest.mark.parametrize("answer", ["other_id", "other_fiscal_code"])
def test_a_get_message_answer_about_another_message_is_not_its_status(
    tmp_path: Path, sandbox_factory: Any, answer: str
) -> None:
    # First send for real, so that get-message has messages to answer about: through the
    # same sandbox, since verify asks the target the results were made on (another one is
    # refused, see test_targets), and only its get-message answers lie.
    liar = sandbox_factory(
        SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, message_answer=answer)
    )
    assert send(tmp_path, liar, rows=4).code == ExitCode.OK
    results = tmp_path / "results.csv"
    job = tmp_path / "job.toml"
    sent_calls = calls_made(liar)
    ran = run_io_batch(["verify", str(results), "--job", str(job)])

    assert ran.code == ExitCode.ROWS_NEED_ATTENTION, ran.stderr
    checked = read_rows(tmp_path / "results.verify.csv")
    assert [row["message_status"] for row in checked] == [""] * 4
    assert {row["note_code"] for row in checked} == {"answer_mismatch"}
    what = "id" if answer == "other_id" else "fiscal code"
    assert all(f"about another message ({what}" in row["note"] for row in checked)
    assert calls_made(liar) - sent_calls == 4


def test_a_created_id_that_is_not_a_message_id_is_kept_out_of_the_message_id_column(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(
        SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0, created_ids="uuid")
    )
    ran = send(tmp_path, sandbox, rows=3)

    # Accepted (201), like a 201 with no id at all: sent, never sent again, not verifiable.
    assert ran.code == ExitCode.OK, ran.stderr
    rows = read_rows(tmp_path / "results.csv")
    assert {row["status"] for row in rows} == {"sent"}  # accepted: never to be sent again
    assert {row["reason_code"] for row in rows} == {"submit.accepted_bad_id"}
    assert {row["message_id"] for row in rows} == {""}
    assert all("is not an IO message id" in row["reason"] for row in rows)
    assert calls_made(sandbox) == 6

    sandbox.app.reset()
    checked = run_io_batch(
        ["verify", str(tmp_path / "results.csv"), "--job", str(tmp_path / "job.toml")]
    )
    assert checked.code == ExitCode.ROWS_NEED_ATTENTION
    notes = {row["note_code"] for row in read_rows(tmp_path / "results.verify.csv")}
    assert notes == {"bad_message_id"}
    assert calls_made(sandbox) == 0


# -- 5. unwritable paths are configuration errors, found before the first call -------------------


@pytest.mark.parametrize(
    ("setting", "blocker", "named", "elsewhere"),
    [
        # The results' folder is a file.
        ('[output]\npath = "out/results.csv"', "out", "results file", "--output"),
        # The journal's state directory is a file.
        (
            '[output]\npath = "results.csv"\nstate_dir = "state"',
            "state",
            "journal",
            "[output] state_dir",
        ),
        # The summary's name is taken by a folder.
        ('[output]\npath = "results.csv"', "results.summary.json/x", "summary", "--output"),
    ],
)
def test_an_unwritable_path_stops_before_the_first_call(
    tmp_path: Path, sandbox_factory: Any, setting: str, blocker: str, named: str, elsewhere: str
) -> None:
    sandbox = sandbox_factory(SandboxConfig())
    people(tmp_path / "input.csv", 3)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    job.write_text(
        job.read_text(encoding="utf-8").replace('[output]\npath = "results.csv"', setting),
        encoding="utf-8",
    )
    target = tmp_path / blocker
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("in the way\n", encoding="utf-8")
    ran = run_io_batch(["send", str(job)])

    assert ran.code == ExitCode.CONFIG_ERROR, ran.stderr
    line = error_line(ran)
    assert f"cannot write the {named} {tmp_path / blocker.split('/', maxsplit=1)[0]}" in line
    assert f"choose another place with {elsewhere}" in line
    assert calls_made(sandbox) == 0


def test_rerun_onto_its_own_results_is_a_configuration_error(tmp_path: Path) -> None:
    results = results_file(tmp_path / "results.csv", 2)
    job = write_job(tmp_path, base_url=None)
    ran = run_io_batch(["rerun", str(results), "--job", str(job), "--output", str(results)])
    assert ran.code == ExitCode.CONFIG_ERROR
    assert "--output must not be the results file being rerun" in error_line(ran)


def test_validate_with_an_unwritable_report_is_a_configuration_error(tmp_path: Path) -> None:
    people(tmp_path / "input.csv", 2)
    job = write_job(tmp_path, base_url=None)
    (tmp_path / "blocked").write_text("a file\n", encoding="utf-8")
    ran = run_io_batch(["validate", str(job), "--report", str(tmp_path / "blocked" / "e.csv")])
    assert ran.code == ExitCode.CONFIG_ERROR
    line = error_line(ran)
    assert f"cannot write the error report {tmp_path / 'blocked' / 'e.csv'}" in line
    assert "--report" in line


# -- 6. lengths that hold under every count --------------------------------------------------------


def test_a_subject_of_ten_utf16_units_but_nine_code_points_is_invalid(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig(registered_ratio=1.0, blocked_ratio=0.0))
    codes = people(tmp_path / "input.csv", 2)
    write_csv(
        tmp_path / "input.csv",
        ["codice_fiscale", "oggetto", "nome"],
        [[codes[0], "Avviso 1\U0001f600", "Ada"], [codes[1], "Avviso 12\U0001f600", "Bo"]],
    )
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    job.write_text(
        job.read_text(encoding="utf-8").replace(
            'subject = "Avviso per {nome}: scadenza"', 'subject = "{oggetto}"'
        ),
        encoding="utf-8",
    )
    ran = run_io_batch(["send", str(job)])

    assert ran.code == ExitCode.ROWS_NEED_ATTENTION, ran.stderr
    rows = {row["line"]: row for row in read_rows(tmp_path / "results.csv")}
    assert rows["2"]["status"] == "invalid"
    assert rows["2"]["reason_code"] == "subject.too_short"
    assert "9 code points" in rows["2"]["reason"]
    assert rows["3"]["status"] == "sent"  # 10 code points, 11 UTF-16 units: fine both ways
    assert calls_made(sandbox) == 2  # the valid row only: profile and submit


# -- 7. a stop right after start is obeyed, even as PID 1 -----------------------------------------


def _start_demo(tmp_path: Path, *, as_pid1: bool) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "batch",
        "--log-format",
        "json",
        "send",
        str(REPO / "jobs" / "demo.toml"),
        "--output",
        str(tmp_path / "demo.csv"),
    ]
    if as_pid1:  # a new PID namespace: the process is PID 1 there, as in a container
        command = ["unshare", "--pid", "--fork", "--kill-child", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("IO_")}
    env["IO_BATCH_STATE_DIR"] = str(tmp_path / "state")  # not the checkout's jobs/state
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _can_be_pid1() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--pid", "--fork", "true"], capture_output=True, check=False, timeout=10
    )
    return probe.returncode == 0


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (the SigCgt mask of /proc)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def _maps_polars(pid: int) -> bool:
    try:
        return "polars" in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_the_sigterm_handler_is_in_place_before_the_heavy_imports(tmp_path: Path) -> None:
    process = _start_demo(tmp_path, as_pid1=False)
    try:
        deadline = time.monotonic() + 30
        while not _catches_sigterm(process.pid) and time.monotonic() < deadline:
            time.sleep(0.001)
        # The handler came before polars (and httpx, anyio...) were even loaded: the
        # window in which PID 1 would drop a SIGTERM is the interpreter's own start.
        assert _catches_sigterm(process.pid)
        assert not _maps_polars(process.pid)
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.mark.parametrize("as_pid1", [False, True], ids=["child", "pid1"])
@pytest.mark.parametrize("after", [0.3, 1.0])
def test_sigterm_right_after_start_stops_the_run_promptly(
    tmp_path: Path, as_pid1: bool, after: float
) -> None:
    if as_pid1 and not _can_be_pid1():
        pytest.skip("no PID namespace here (unshare needs root or user namespaces)")
    process = _start_demo(tmp_path, as_pid1=as_pid1)
    time.sleep(after)
    target = process.pid
    if as_pid1:  # the namespace's PID 1 is unshare's child
        found = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=True
        )
        target = int(found.stdout.split()[0])
        # On a loaded machine the interpreter itself may take longer than ``after`` to
        # start; a signal before any handler exists is dropped by PID 1 (that is tini's
        # job in the image), so wait for the handler: it comes before the heavy imports.
        deadline = time.monotonic() + 10
        while not _catches_sigterm(target) and time.monotonic() < deadline:
            time.sleep(0.005)
    signalled = time.monotonic()
    os.kill(target, signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    took = time.monotonic() - signalled

    assert took < 5.0  # the demo runs ~15 s: a stop that was ignored would run to the end
    if process.returncode == -signal.SIGTERM and not as_pid1:
        return  # killed before the interpreter reached io-batch: the documented 143
    assert process.returncode == ExitCode.INTERRUPTED, stderr.decode()
    # Stopped during start-up (Ctrl-C's way), or by the run's own handler once it ran.
    assert b"io-batch: interrupted" in stderr or b'"stop.requested"' in stdout


def test_the_entry_point_knows_the_interrupted_exit_code() -> None:
    assert entry.INTERRUPTED == ExitCode.INTERRUPTED


def test_verify_with_an_unwritable_output_stops_before_the_first_call(
    tmp_path: Path, sandbox_factory: Any
) -> None:
    sandbox = sandbox_factory(SandboxConfig())
    results = results_file(tmp_path / "results.csv", 3)
    job = write_job(tmp_path, base_url=sandbox.base_url, calls=None)
    (tmp_path / "blocked").write_text("a file\n", encoding="utf-8")
    output = tmp_path / "blocked" / "verify.csv"
    ran = run_io_batch(["verify", str(results), "--job", str(job), "--output", str(output)])

    assert ran.code == ExitCode.CONFIG_ERROR
    assert f"cannot write the verification file {output}" in error_line(ran)
    assert calls_made(sandbox) == 0
