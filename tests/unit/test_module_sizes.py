"""No module of the package passes 400 lines: a bigger one holds more than one concern.

Split one by concern into new modules (``config/job_sections.py`` and ``job_tables.py``
beside ``job.py``, the row actions beside ``send/pipeline.py``), never by raising this.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "batch"
MOST_LINES = 400


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_in_the_package_passes_400_lines() -> None:
    too_long = {
        path.relative_to(PACKAGE.parent).as_posix(): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _lines(path)) > MOST_LINES
    }
    assert too_long == {}


def test_the_count_is_of_lines_as_an_editor_shows_them(tmp_path: Path) -> None:
    module = tmp_path / "long.py"
    module.write_text("x = 1\n" * (MOST_LINES + 1), encoding="utf-8")
    assert _lines(module) == MOST_LINES + 1
