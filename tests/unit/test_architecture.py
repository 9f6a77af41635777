"""Imports run one way: a stage uses the stages before it, never one after it.

read -> validate -> dispatch -> record -> report: ``config``, ``input``, ``rules``,
``api``, ``feed`` (the subscriber list the send reads), ``send``, then the commands
built on them (``dryrun``, ``verify``), and the campaign ``report`` over all their
files. ``errors``,
``models`` and ``common`` are under everything; the top-level ``cli``, ``arguments``
and ``entry`` sit over everything. The sandbox is a separate program (an independent
oracle of IO): it imports nothing of the client but ``errors``, and the client reaches
it only where a sandbox is started. Every import counts, inside functions and under
``TYPE_CHECKING`` too: a late import is a dependency all the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "batch"

#: A stage may import a stage of a lower rank (and itself), never one of the same or a
#: higher rank: ``dryrun`` and ``verify`` do not use each other.
RANK = {
    "batch": 0,  # the package's own __init__: the version
    "errors": 0,
    "models": 0,
    # The office's language: gettext over the catalogs, imports only errors; under common,
    # whose progress line and summaries speak it.
    "i18n": 0.5,
    "common": 1,
    "config": 2,
    "metrics": 3,  # a finished run's figures for Prometheus: reads summaries, no stage
    "input": 3,
    "rules": 4,
    "api": 5,
    "feed": 6,  # the subscriber list: kept from the API, read by the send
    "send": 7,
    "dryrun": 8,
    "verify": 8,
    "reach": 8,  # profile checks only: send's own run in a profile-only mode
    "live": 8,  # pilot and approve: send's run on the pilot file, the guard's count
    "report": 9,  # reads what send and verify left: results, summaries, journal
    "errata": 9,  # a send over the rows a results file reached, with the dry run's checks
    "app": 10,  # the command itself: __main__, entry, cli, arguments
}
APP = {"__main__", "entry", "cli", "arguments"}
#: The one import against the flow, and why it stays.
BACKWARD_ALLOWED = {
    ("batch.input.read", "batch.rules.fiscal_code"): "a header line that holds a fiscal code "
    "is data, not column names: the check is a standard-library leaf",
    # ``[output] report = true``: send and verify end by writing the campaign report. The
    # hook is a small module that loads the report itself only when the job asks.
    ("batch.input.exclusions", "batch.rules.fiscal_code"): "an exclusion list entry is a "
    "fiscal code or its digest: the same standard-library leaf as the header check",
    ("batch.input.workbook_base", "batch.rules.fiscal_code"): "a sheet's header row that holds a "
    "fiscal code is data, not column names: the same leaf as read's",
    ("batch.input.record_shape", "batch.rules.fiscal_code"): "a line of a quoted value that "
    "holds a valid fiscal code is a swallowed record: the same leaf as read's",
    ("batch.input.ods_reader", "batch.rules.fiscal_code"): "an .ods sheet's header row that "
    "holds a fiscal code is data, not column names: the same leaf as read's",
    # [guard] invalid_rows = "refuse_file" writes validate's own error report and counts
    # duplicates as validate does; to move both into rules/ is left for a later tidy-up.
    ("batch.send.guard", "batch.dryrun.duplicates"): "the guard counts duplicates as validate",
    ("batch.send.guard", "batch.dryrun.error_report"): "refuse_file writes validate's report",
    ("batch.send.command", "batch.report.hook"): "the report = true hook, after a send",
    ("batch.verify.command", "batch.report.hook"): "the report = true hook, after a verify",
}
#: Where the client may import the sandbox: the ``sandbox`` command's options (at parse
#: time), and, inside the function that needs it, the embedded sandbox and its key.
SANDBOX_AT_MODULE_LEVEL = {"batch.arguments"}
SANDBOX_IN_FUNCTIONS = {"batch.feed.embedded", "batch.config.secrets"}
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
    assert ("batch.feed.embedded", "batch.sandbox", False) in found  # inside a function
    assert ("batch.entry", "batch.cli", False) in found


def test_no_stage_imports_a_later_one() -> None:
    wrong = []
    used_exceptions = set()
    for found in filter(internal, all_imports()):
        source, target = stage(found.importer), stage(found.imported)
        if source == target or "sandbox" in (source, target):
            continue
        assert source in RANK and target in RANK, f"a stage without a rank: {found}"
        if RANK[target] < RANK[source]:
            continue
        if (found.importer, found.imported) in BACKWARD_ALLOWED:
            used_exceptions.add((found.importer, found.imported))
            continue
        wrong.append(str(found))
    assert wrong == []
    assert used_exceptions == set(BACKWARD_ALLOWED), "an exception no longer needed: drop it"


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
