"""Every name is imported from the module that defines it: no re-export shims.

The one exception is ``batch.sandbox``, whose package loads its modules lazily on
first use (PEP 562) so that the core commands never import the simulator.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
FACADES = {"batch.sandbox"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): ast.parse(path.read_text()) for path in ROOT.glob("batch/**/*.py")}


def imported_names(module: str) -> set[str]:
    """Names a module only imports (from another batch module) at its top level."""
    names = set()
    for node in MODULES[module].body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("batch"):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def borrowed_uses(path: Path) -> list[str]:
    """``from m import x`` and ``m.x`` where ``m`` imports ``x`` rather than defines it."""
    tree = ast.parse(path.read_text())
    modules: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module not in MODULES:
            continue
        for alias in node.names:
            if f"{node.module}.{alias.name}" in MODULES:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif node.module not in FACADES and alias.name in imported_names(node.module):
                found.append(f"{path.name}:{node.lineno} {alias.name} from {node.module}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = modules.get(node.value.id)
            if module and module not in FACADES and node.attr in imported_names(module):
                found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_name_is_imported_through_a_module_that_does_not_own_it() -> None:
    paths = [*ROOT.glob("batch/**/*.py"), *ROOT.glob("tests/**/*.py")]
    assert [use for path in sorted(paths) for use in borrowed_uses(path)] == []


def test_the_check_sees_a_borrowed_name(tmp_path: Path) -> None:
    # rules/validate.py imports REASON_CODE from rules/plan.py: asking validate for it is
    # borrowing; asking plan is not.
    user = tmp_path / "user.py"
    user.write_text(
        "from batch.rules import validate\n"
        "from batch.rules.validate import Plan\n"
        "from batch.rules.plan import REASON_CODE\n"
        "x = validate.REASON_CODE, validate.validate_batch\n"
    )
    assert borrowed_uses(user) == [
        "user.py:2 Plan from batch.rules.validate",
        "user.py:4 validate.REASON_CODE",
    ]
