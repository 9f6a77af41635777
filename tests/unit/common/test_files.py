"""Owner-only files, written whole and atomically: the results, verification and summary files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

import pytest

from batch.common import files
from batch.common.files import open_private, write_atomically
from batch.output.summary import summary_path, write_summary


def test_an_atomic_write_replaces_the_file_owner_only_and_leaves_no_temporary(
    tmp_path: Path,
) -> None:
    path = tmp_path / "out" / "results.csv"
    path.parent.mkdir()
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o644)
    write_atomically(path, lambda handle: handle.write("new\n"))
    assert path.read_text(encoding="utf-8") == "new\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.csv"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    path = tmp_path / "results.verify.csv"
    path.write_text("line,fiscal_code\n2,A\n", encoding="utf-8")

    def half_then_fail(handle: IO[str]) -> None:
        handle.write("line,fiscal_code\n")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_text(encoding="utf-8") == "line,fiscal_code\n2,A\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.verify.csv"]


def test_the_text_is_on_disk_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(self: Path, target: Path) -> Path:
        events.append("replace")
        return real_replace(self, target)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", replace)
    write_atomically(tmp_path / "s.json", lambda handle: handle.write("{}\n"))
    assert events == ["fsync", "replace"]


def test_the_summary_sits_beside_the_output_as_sorted_json(tmp_path: Path) -> None:
    output = tmp_path / "results.verify.csv"
    path = write_summary(output, {"b": 1, "a": {"z": 2, "y": [3]}})
    assert path == summary_path(output) == tmp_path / "results.verify.summary.json"
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps({"a": {"y": [3], "z": 2}, "b": 1}, indent=2) + "\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_open_private_makes_an_existing_file_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("x\n", encoding="utf-8")
    path.chmod(0o644)
    with open_private(path, "a") as handle:
        handle.write("y\n")
    assert path.read_text(encoding="utf-8") == "x\ny\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_temporary_left_by_a_kill_is_reused_not_piled_up(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    leftover = tmp_path / ".results.csv.tmp"
    leftover.write_text("half a file from a killed run", encoding="utf-8")
    leftover.chmod(0o644)
    write_atomically(path, lambda handle: handle.write("whole\n"))
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]
    assert path.read_text(encoding="utf-8") == "whole\n"
    assert path.stat().st_mode & 0o777 == 0o600
