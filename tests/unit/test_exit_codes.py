"""Issue 13: the exit codes have one source of truth, ``batch/errors.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from batch.arguments import build_parser
from batch.errors import (
    EXIT_CODES,
    SIGNAL_EXIT_CODES,
    AbortedError,
    AuthError,
    BatchError,
    BusyError,
    ConfigError,
    ExitCode,
    InputError,
)

README = Path(__file__).parents[2] / "README.md"
TABLES = ("## Exit codes", "### Exit codes: what the scheduler should do")


def readme_table_codes(heading: str) -> list[int]:
    """The codes in the first column of the first table after ``heading``."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    table = re.search(r"(?:^\|.*\n)+", section, re.MULTILINE)
    assert table is not None, heading
    return [int(code) for code in re.findall(r"^\| (\d+) \|", table.group(0), re.MULTILINE)]


@pytest.mark.parametrize("heading", TABLES)
def test_every_readme_table_lists_exactly_the_codes_of_the_code(heading: str) -> None:
    expected = sorted([int(code) for code in ExitCode] + list(SIGNAL_EXIT_CODES))
    assert readme_table_codes(heading) == expected


def test_every_exit_code_has_a_meaning() -> None:
    assert set(EXIT_CODES) == set(ExitCode)


def test_the_help_epilog_is_generated_from_the_codes() -> None:
    epilog = " ".join((build_parser().epilog or "").split())
    for code, meaning in [*EXIT_CODES.items(), *SIGNAL_EXIT_CODES.items()]:
        assert f"{int(code)} {meaning}" in epilog
    assert "6 another run of the same job is going on" in epilog  # it once lacked 6


def test_the_base_error_has_no_exit_code_of_its_own() -> None:
    with pytest.raises(TypeError, match="needs an exit code"):
        BatchError("what kind of failure is this?")
    assert BatchError("explicit", exit_code=ExitCode.CONFIG_ERROR).exit_code == 2


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError, ExitCode.CONFIG_ERROR),
        (InputError, ExitCode.INPUT_ERROR),
        (AuthError, ExitCode.AUTH_ERROR),
        (AbortedError, ExitCode.ABORTED),
        (BusyError, ExitCode.BUSY),
    ],
)
def test_each_error_kind_says_its_code(error: type[BatchError], code: ExitCode) -> None:
    assert error("x").exit_code == code


def test_verify_help_lists_every_code_with_its_own_zero_and_one() -> None:
    parser = build_parser()
    verify = parser._subparsers._group_actions[0].choices["verify"]  # type: ignore[union-attr]
    epilog = " ".join((verify.epilog or "").split())
    assert "0 every checked message was PROCESSED" in epilog
    for code in ExitCode:
        assert f"; {int(code)} " in epilog or epilog.startswith(f"exit codes: {int(code)} ")
