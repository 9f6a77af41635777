"""Comments and docstrings cite only what a reader of the repository can open.

Notes that live outside the repository (the team's research notes beside the checkout)
are no source for a reader: a fact is cited by IO's published docs and spec, or by a
note in ``docs/``. So no ``.py`` file under ``batch/`` or ``tests/`` names a file that
is not in the repository, nor a folder outside it.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("batch", "tests")
# Folders that are not the repository's: tools, caches, and what runs leave behind.
SKIPPED = {".venv", ".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "out"}
# Spelled in pieces, so that this file does not cite them itself.
OUTSIDE = ("io-" + "api.md", "io-" + "feed.md", ".." + "/shared", "shared" + "/seeds")
# A note or a spec named in prose; an absolute path (a container's) is no citation.
CITED_FILE = re.compile(r"(?<![A-Za-z0-9_./-])[A-Za-z0-9_.-][A-Za-z0-9_./-]*\.(?:md|yaml)\b")


def _python_files() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (ROOT / folder).rglob("*.py"))


def _repository_files() -> tuple[set[str], set[str]]:
    """Paths from the root, and bare names, of every file in the checkout."""
    paths: set[str] = set()
    names: set[str] = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in SKIPPED]
        for name in files:
            paths.add((Path(folder) / name).relative_to(ROOT).as_posix())
            names.add(name)
    return paths, names


def _prose(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None and node.body:
                found.append((node.body[0].lineno, docstring))
    return found


def test_no_file_cites_notes_outside_the_repository() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_files()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if any(name in line for name in OUTSIDE)
    ]
    assert offending == []


def test_every_file_a_comment_cites_is_in_the_repository() -> None:
    paths, names = _repository_files()
    missing = []
    for path in _python_files():
        source = path.read_text("utf-8")
        if not CITED_FILE.search(source):
            continue  # most files: parsing them would only cost time
        for line, text in _prose(source):
            for cited in CITED_FILE.findall(text):
                beside = (path.parent / cited).resolve()
                if cited in paths or cited in names or beside.is_file():
                    continue
                missing.append(f"{path.relative_to(ROOT)}:{line}: {cited}")
    assert missing == []


def test_the_scan_finds_a_missing_file() -> None:
    """The scan itself can fail: a comment naming a note that is not here is caught."""
    source = '"""See the notes."""\n# as io-notes-nowhere.md explains\nx = 1\n'
    cited = [name for _line, text in _prose(source) for name in CITED_FILE.findall(text)]
    _paths, names = _repository_files()
    assert cited == ["io-notes-nowhere.md"]
    assert cited[0] not in names
