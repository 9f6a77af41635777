"""Figures of the package's layout: files per package, the largest modules, the imports
that run back up the architecture test's ranking, and the import cycles between modules.

Standard library only, so that it runs on any checkout (an archive of an older commit
too): ``python scripts/layout_figures.py [ROOT]``, ROOT being the folder that holds
``batch/`` and ``tests/unit/test_architecture.py`` (the current folder by default). The
ranking is read from that checkout's own architecture test (its ``RANK`` and ``APP``),
so each checkout is measured against the layering it claims.

Every import counts (inside functions and under ``TYPE_CHECKING`` too), as in the
architecture test; a cycle is a set of modules that reach each other through imports
(a strongly connected component of more than one module). The sandbox is left out of
the arrows (it is a separate program with its own rules) but counted in the files.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

TOP = 10  # how many of the largest modules to list


def module_name(package: Path, path: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(package: Path, path: Path) -> Iterator[tuple[str, int]]:
    """The ``batch`` modules (or packages) ``path`` imports, with the line of each."""
    importer = module_name(package, path)
    base_package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = base_package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                as_file = (package.parent / candidate.replace(".", "/")).with_suffix(".py")
                as_folder = package.parent / candidate.replace(".", "/") / "__init__.py"
                names.append(candidate if as_file.exists() or as_folder.exists() else base)
        for name in dict.fromkeys(names):  # two names from one module: one arrow
            if name == "batch" or name.startswith("batch."):
                yield name, node.lineno


def literal(test: Path, name: str) -> object:
    """The literal value the architecture test assigns to ``name``."""
    for node in ast.parse(test.read_text(encoding="utf-8")).body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
            value = node.value  # type: ignore[assignment]
        if name in targets and value is not None:
            return ast.literal_eval(value)
    raise SystemExit(f"{test} assigns no literal {name}")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=Path())
    root = parser.parse_args().root
    package = root / "batch"
    test = root / "tests" / "unit" / "test_architecture.py"
    if not package.is_dir() or not test.is_file():
        print(f"{root} holds no batch/ and tests/unit/test_architecture.py", file=sys.stderr)
        return 2
    rank = literal(test, "RANK")
    app = literal(test, "APP")
    assert isinstance(rank, dict) and isinstance(app, set)

    def stage(module: str) -> str:
        parts = module.split(".")
        name = parts[1] if len(parts) > 1 else parts[0]
        return "app" if name in app else name

    paths = sorted(package.rglob("*.py"))
    files = Counter(stage(module_name(package, path)) for path in paths)
    print(f"== files per package ({len(paths)} modules)")
    for name, count in sorted(files.items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:4d}  {name}")

    sizes = sorted(
        ((len(path.read_text(encoding="utf-8").splitlines()), path) for path in paths),
        key=lambda item: (-item[0], str(item[1])),
    )
    print(f"\n== the {TOP} largest modules (lines)")
    for lines, path in sizes[:TOP]:
        print(f"{lines:5d}  {path.relative_to(root)}")
    print(f"modules over 400 lines: {sum(1 for lines, _ in sizes if lines > 400)}")

    graph: dict[str, set[str]] = {}
    backward: list[str] = []
    for path in paths:
        importer = module_name(package, path)
        graph.setdefault(importer, set())
        for imported, line in imports_of(package, path):
            graph[importer].add(imported)
            source, target = stage(importer), stage(imported)
            if source == target or "sandbox" in (source, target):
                continue
            if source not in rank or target not in rank:
                backward.append(f"{importer}:{line} -> {imported} (a stage without a rank)")
            elif rank[target] >= rank[source]:
                backward.append(f"{importer}:{line} -> {imported} ({source} -> {target})")
    print(f"\n== imports that run back up the ranking: {len(backward)}")
    for arrow in backward:
        print(f"  {arrow}")

    found = cycles(graph)
    print(f"\n== import cycles between modules: {len(found)}")
    for component in found:
        print(f"  {' <-> '.join(component)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
