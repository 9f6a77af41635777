"""Imports run one way: a stage uses the stages before it, never one after it.

read -> validate -> dispatch -> record -> report. Under everything: ``errors``,
``models``, ``common`` and the standard-library leaf ``identifiers`` (fiscal code,
message id); then ``config`` (the job file's options); the files a run leaves
(``output``: the results file that ``input`` reads back, the summaries) and the
``journal``; ``input``, ``rules``, ``api``, ``feed`` (the subscriber list the send
reads), ``shards`` (handed the function that sends one shard), ``send``; then the
commands built on them (``dryrun``, ``verify``, ``reach``, ``live``), and ``report``
and ``errata`` over all of them. The top-level ``cli``, ``arguments`` and ``entry`` sit
over everything (``cli`` makes the reports the runs asked for). The sandbox is a
separate program (an independent oracle of IO): it imports nothing of the client but
``errors``, and the client reaches it only where a sandbox is started. Every import
counts, inside functions and under ``TYPE_CHECKING`` too: a late import is a dependency
all the same. No exception: an import against the flow is a concept in the wrong home.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.layout_figures import cycles

PACKAGE = Path(__file__).resolve().parents[2] / "batch"

#: A stage may import a stage of a lower rank (and itself), never one of the same or a
#: higher rank: ``dryrun`` and ``verify`` do not use each other.
RANK = {
    "batch": 0,  # the package's own __init__: the version
    "errors": 0,
    "models": 0,
    "common": 1,
    # The office's language (gettext over the catalogs, imports only errors): under
    # common, whose progress line and summaries speak it.
    "i18n": 0.5,
    "identifiers": 1,  # fiscal code, message id, blanks: standard-library leaves
    "config": 2,
    "output": 3,  # the files a run leaves: results file (read back by input), summaries
    "journal": 3,  # the durable record of a job: SQLite, under every command that reads it
    "metrics": 3,  # a finished run's figures for Prometheus: reads summaries, no stage
    "input": 4,
    "rules": 5,
    "api": 6,
    "feed": 7,  # the subscriber list: kept from the API, read by the send
    "shards": 8,  # a sharded job: which citizen in which shard, the shards' run, merge
    "send": 9,
    "dryrun": 10,
    "verify": 10,
    "reach": 10,  # profile checks only: send's own run in a profile-only mode
    "live": 10,  # pilot and approve: send's run on the pilot file, the guard's count
    "report": 11,  # reads what send and verify left: results, summaries, journal
    "errata": 11,  # a send over the rows a results file reached, with the dry run's checks
    "app": 12,  # the command itself: __main__, entry, cli, arguments
}
APP = {"__main__", "entry", "cli", "arguments"}
#: The floor: what every stage may use without its "May import:" naming it.
UNDER_EVERY_STAGE = {"batch", "errors", "models", "i18n"}
#: Where the client may import the sandbox: the ``sandbox`` command's options (at parse
#: time), and, inside the function that needs it, the embedded sandbox and its key.
SANDBOX_AT_MODULE_LEVEL = {"batch.arguments"}
SANDBOX_IN_FUNCTIONS = {"batch.api.target"}
#: The pure half of ``api``: decisions about answers, no I/O.
PURE_API = {"batch.api.classify", "batch.api.decisions", "batch.api.not_io", "batch.api.wire"}
API_IO = {"batch.api.client", "batch.api.limiter", "batch.api.stopping", "batch.api.retry"}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    at_module_level: bool
    line: int

    def __str__(self) -> str:
        where = "" if self.at_module_level else " (inside a function)"
        return f"{self.importer}:{self.line} imports {self.imported}{where}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> Iterator[Import]:
    importer = module_name(path)
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    inside = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, functions)
        for node in ast.walk(function)
    }
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from its package up
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from batch.rules import dates`` imports batch.rules.dates when it exists.
            names = [
                f"{base}.{alias.name}"
                if (PACKAGE.parent / f"{base}.{alias.name}".replace(".", "/"))
                .with_suffix(".py")
                .exists()
                else base
                for alias in node.names
            ]
        for name in names:
            yield Import(importer, name, id(node) not in inside, node.lineno)


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_of(path)]


def stage(module: str) -> str:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else parts[0]
    return "app" if name in APP else name


def internal(found: Import) -> bool:
    return found.imported == "batch" or found.imported.startswith("batch.")


def test_the_import_parser_sees_what_matters() -> None:
    """The checks below are only as good as this parser: hold it to known imports."""
    found = {(i.importer, i.imported, i.at_module_level) for i in all_imports()}
    assert ("batch.send.dispatch", "batch.api.retry", True) in found
    assert ("batch.send.past_due", "batch.rules.dates", True) in found  # from pkg import mod
    assert ("batch.api.target", "batch.sandbox", False) in found  # inside a function
    assert ("batch.entry", "batch.cli", False) in found


def against_the_flow(imports: list[Import]) -> list[str]:
    """The imports of a stage of the same or a later rank (the sandbox has its rules)."""
    wrong = []
    for found in filter(internal, imports):
        source, target = stage(found.importer), stage(found.imported)
        if source == target or "sandbox" in (source, target):
            continue
        assert source in RANK and target in RANK, f"a stage without a rank: {found}"
        if RANK[target] >= RANK[source]:
            wrong.append(str(found))
    return wrong


def test_no_stage_imports_a_later_one() -> None:
    assert against_the_flow(all_imports()) == []


def test_the_check_sees_an_import_against_the_flow() -> None:
    later = Import("batch.input.read", "batch.rules.plan", at_module_level=False, line=9)
    alike = Import("batch.verify.run", "batch.dryrun.run", at_module_level=True, line=3)
    earlier = Import("batch.send.guard", "batch.rules.plan", at_module_level=True, line=1)
    assert against_the_flow([later, alike, earlier]) == [str(later), str(alike)]
    with pytest.raises(AssertionError, match="a stage without a rank"):
        against_the_flow([Import("batch.nowhere.x", "batch.rules.plan", True, 1)])


def test_no_two_client_modules_import_each_other() -> None:
    """No circle, however long (read -> workbook -> sheet reader -> read was one): each
    module can be read and tested with only what it imports. The sandbox is a separate
    program with its own layout."""
    graph: dict[str, set[str]] = {}
    for found in filter(internal, all_imports()):
        if "sandbox" not in (stage(found.importer), stage(found.imported)):
            graph.setdefault(found.importer, set()).add(found.imported)
            graph.setdefault(found.imported, set())
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def may_import(package: Path) -> set[str] | None:
    """The stages a package's ``__init__`` docstring says it may import (its "May import:"
    paragraph); None when it says nothing of it."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    for paragraph in docstring.split("\n\n"):
        if paragraph.startswith("May import:"):
            return set(re.findall(r"``(\w+)``", paragraph)) & (set(RANK) | {"sandbox"})
    return None


def test_each_package_says_what_it_holds_and_what_it_may_import() -> None:
    """Each package's docstring is its map: what it holds, then "May import:" and the
    stages it may use, which hold every stage it does import."""
    used: defaultdict[str, set[str]] = defaultdict(set)
    for found in filter(internal, all_imports()):
        source, target = stage(found.importer), stage(found.imported)
        if target != source and target not in UNDER_EVERY_STAGE:
            used[source].add(target)
    packages = sorted(path.parent for path in PACKAGE.glob("*/__init__.py"))
    assert len(packages) >= 18
    wrong = []
    for package in packages:
        allowed = may_import(package)
        if allowed is None:
            wrong.append(f"{package.name}: no 'May import:' paragraph in its __init__")
        elif not used[package.name] <= allowed:
            unsaid = sorted(used[package.name] - allowed)
            wrong.append(f"{package.name} imports {unsaid}, which its __init__ does not name")
    assert wrong == []


def test_the_sandbox_stands_apart() -> None:
    wrong = []
    for found in filter(internal, all_imports()):
        source, target = stage(found.importer), stage(found.imported)
        if source == "sandbox" and target not in ("sandbox", "errors"):
            wrong.append(f"the sandbox uses the client: {found}")
        if target == "sandbox" and source != "sandbox":
            allowed = SANDBOX_AT_MODULE_LEVEL
            if not found.at_module_level:
                allowed = allowed | SANDBOX_IN_FUNCTIONS
            if found.importer not in allowed:
                wrong.append(f"the sandbox imported outside its places: {found}")
    assert wrong == []


def test_classification_does_not_import_the_client() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if found.importer in PURE_API and found.imported in API_IO
    ]
    assert wrong == []


def test_nothing_in_the_package_imports_the_tests() -> None:
    wrong = [
        str(found)
        for found in all_imports()
        if found.imported.split(".")[0] in {"tests", "conftest", "hypothesis", "pytest"}
    ]
    assert wrong == []
