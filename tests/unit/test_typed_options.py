"""The command line is read once: past the argument parsing, commands take typed options.

An ``argparse.Namespace`` is invisible to mypy (any attribute, any type) and can be
changed by whoever holds it, so it stays in the modules that parse the command line;
each command receives a frozen dataclass built there (``SendCommand``, ``VerifyCommand``...).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from batch.api.prepare import InputChoice
from batch.common.cli_options import show_progress
from batch.dryrun.command import ValidateCommand
from batch.errata.command import ErrataCommand
from batch.feed.command import StatusCommand, SyncCommand
from batch.journal.target import EnvironmentChoice
from batch.live.approve import ApproveCommand
from batch.live.pilot import PilotCommand
from batch.reach.command import ReachCommand
from batch.send.command import RerunCommand, SendChoices, SendCommand
from batch.shards.merge import MergeCommand
from batch.verify.command import VerifyCommand

PACKAGE = Path(__file__).resolve().parents[2] / "batch"

#: The modules that parse a command line: the io-batch parser and its per-command parts,
#: the options several commands share, and the two programs with a parser of their own
#: (the sandbox, and the report's child process).
ARGUMENT_PARSING = {
    "batch/cli.py",
    "batch/common/cli_options.py",
    "batch/report/child.py",
    "batch/sandbox/__main__.py",
    "batch/sandbox/cli_args.py",
}


def _parses_arguments(path: Path) -> bool:
    relative = path.relative_to(PACKAGE.parent).as_posix()
    return path.name == "arguments.py" or relative in ARGUMENT_PARSING


def _argparse_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "argparse" for a in node.names):
            uses.append(f"line {node.lineno}: import argparse")
        elif isinstance(node, ast.ImportFrom) and node.module == "argparse":
            uses.append(f"line {node.lineno}: from argparse import ...")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name == "Namespace":
                uses.append(f"line {node.lineno}: Namespace")
        elif isinstance(node, ast.Constant) and node.value == "Namespace":
            uses.append(f"line {node.lineno}: 'Namespace'")
    return uses


def test_no_module_past_the_argument_parsing_sees_a_namespace() -> None:
    offenders = {
        path.relative_to(PACKAGE.parent).as_posix(): uses
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _parses_arguments(path) and (uses := _argparse_uses(path))
    }
    assert offenders == {}


def test_the_check_sees_a_namespace_annotation(tmp_path: Path) -> None:
    module = tmp_path / "command.py"
    module.write_text(
        "from __future__ import annotations\n"
        "import argparse\n"
        "def run(args: argparse.Namespace) -> int:\n"
        "    return 0\n",
        encoding="utf-8",
    )
    assert _argparse_uses(module) == ["line 2: import argparse", "line 3: Namespace"]


@pytest.mark.parametrize(
    "options",
    [
        SendCommand(Path("job.toml")),
        RerunCommand(Path("results.csv"), Path("job.toml")),
        SendChoices(),
        InputChoice(),
        ValidateCommand(Path("job.toml")),
        VerifyCommand(Path("results.csv"), Path("job.toml")),
        ReachCommand(Path("job.toml")),
        MergeCommand(Path("job.toml")),
        SyncCommand(Path("job.toml")),
        StatusCommand(Path("job.toml")),
        ErrataCommand(Path("results.csv"), Path("job.toml")),
        PilotCommand(Path("job.toml")),
        ApproveCommand(Path("job.toml"), by="Anna"),
    ],
    ids=lambda options: type(options).__name__,
)
def test_every_command_s_options_are_frozen(options: object) -> None:
    field = dataclasses.fields(options)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(options, field, None)


def test_no_progress_bar_off_a_terminal_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert show_progress(no_progress=False)
    assert not show_progress(no_progress=True)
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert not show_progress(no_progress=False)


def test_send_s_command_line_becomes_one_send_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from batch import arguments  # noqa: PLC0415 -- the parser, with run_send replaced

    received: list[object] = []
    monkeypatch.setattr(arguments, "run_send", lambda command: received.append(command) or 0)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    args = arguments.build_parser().parse_args(
        [
            "send",
            "job.toml",
            "--input",
            "in.csv",
            "--separator",
            ";",
            "--shard",
            "2/3",
            "--same-environment",
            "--operator",
            "Anna",
            "--resend-unknown",
            "--no-progress",
        ]
    )
    assert args.func(args) == 0
    assert received == [
        SendCommand(
            job=Path("job.toml"),
            input=InputChoice(input=Path("in.csv"), separator=";"),
            send=SendChoices(
                resend_unknown=True,
                operator="Anna",
                environment=EnvironmentChoice.SAME,
                shard="2/3",
                show_progress=False,
            ),
        )
    ]


def test_rerun_s_include_unknown_is_read_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from batch import arguments  # noqa: PLC0415 -- the parser, with run_rerun replaced

    received: list[object] = []
    monkeypatch.setattr(arguments, "run_rerun", lambda command: received.append(command) or 0)
    args = arguments.build_parser().parse_args(
        ["rerun", "results.csv", "--job", "job.toml", "--include-unknown", "--new-environment"]
    )
    assert args.func(args) == 0
    [command] = received
    assert isinstance(command, RerunCommand)
    assert command.include_unknown
    # The command, not the parser, adds --resend-unknown to it (on a copy: frozen).
    assert not command.send.resend_unknown
    assert command.send.environment is EnvironmentChoice.NEW
