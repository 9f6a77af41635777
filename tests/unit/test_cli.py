"""The CLI's error handling: one line and the right exit code, whatever raised it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from batch import cli
from batch.errors import AuthError, ExitCode, InputError


def test_an_error_inside_a_task_group_is_reported_as_itself() -> None:
    """anyio wraps what its tasks raise in exception groups: the operator must still see
    the job-level error and its exit code, not an internal error."""
    group = ExceptionGroup("tasks", [ExceptionGroup("inner", [InputError("broken line 7")])])
    assert cli._root_cause(group).__class__ is InputError
    mixed = ExceptionGroup("tasks", [ValueError("x"), AuthError("key refused")])
    assert isinstance(cli._root_cause(mixed), AuthError)


def test_fail_maps_errors_to_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli._fail(InputError("no such column: cf")) == ExitCode.INPUT_ERROR
    assert "io-batch: error: no such column: cf" in capsys.readouterr().err
    assert cli._fail(KeyboardInterrupt()) == ExitCode.INTERRUPTED
    assert cli._fail(RuntimeError("boom")) == ExitCode.INTERNAL_ERROR
    err = capsys.readouterr().err
    assert "internal error (RuntimeError)" in err and "Traceback" not in err


def test_an_error_says_what_went_wrong_and_carries_no_run_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A run stopped half-way returns its summary (send's RunOutcome) and writes it itself.
    error = AuthError("key refused (401)")
    assert not hasattr(error, "report")
    assert cli._fail(error) == ExitCode.AUTH_ERROR
    assert capsys.readouterr().err == "io-batch: error: key refused (401)\n"


def test_error_text_never_shows_a_fiscal_code(capsys: pytest.CaptureFixture[str]) -> None:
    cli._fail(InputError("bad row for RSSMRA80A01H501U"))
    err = capsys.readouterr().err
    assert "RSSMRA80A01H501U" not in err and "RSS************U" in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("send", "validate", "rerun", "verify", "sandbox"):
        with pytest.raises(SystemExit) as done:
            cli.main([command, "--help"])
        assert done.value.code == 0
        assert "default" in capsys.readouterr().out


def test_the_core_does_not_load_the_simulator() -> None:
    """``validate`` and a send to IO never need uvicorn or the sandbox's app: the CLI
    loads them only when a command starts a sandbox."""
    code = (
        "import sys, batch.cli, batch.send.pipeline, batch.dryrun.run, batch.verify.run\n"
        "print(sorted(m for m in sys.modules if m == 'uvicorn' or m.startswith("
        "('batch.sandbox.app', 'batch.sandbox.server', 'batch.sandbox.backend'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_stop_inside_a_task_group_is_an_interruption() -> None:
    """anyio wraps a KeyboardInterrupt that reached a task in a BaseExceptionGroup."""
    group = BaseExceptionGroup("task group", [KeyboardInterrupt()])
    assert cli._fail(cli._root_cause(group)) == ExitCode.INTERRUPTED


def test_a_stop_while_the_command_line_is_parsed_is_an_interruption(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["validate", "job.toml"]) == ExitCode.INTERRUPTED
