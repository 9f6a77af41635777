"""The catalogs: every text that an office reads has its Italian, with the same placeholders.

The texts are extracted from the package as ``scripts/catalogs.sh`` extracts them (the
keywords ``_``, ``N_`` and ``ngettext``), so a text added without a translation, a
translation with another ``{placeholder}``, or a catalog not compiled since its last edit
each fail here, naming the text.
"""

from __future__ import annotations

import ast
import io
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

import batch.i18n as i18n

PACKAGE = Path(i18n.__file__).resolve().parents[1]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TRANSLATED = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE]


def _po(language: str) -> Catalog:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as po_file:
        return read_po(po_file)


def _source_texts() -> dict[str | tuple[str, str], str]:
    """Every marked text of the package, with the file that holds it."""
    texts: dict[str | tuple[str, str], str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        texts.setdefault(key, filename)
    return texts


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, str):
        return [message.string]
    return list(message.string)


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_of_the_package_has_a_translation(language: str) -> None:
    catalog = _po(language)
    missing = []
    for key, filename in _source_texts().items():
        message = catalog.get(key if isinstance(key, str) else key[0])
        if message is None or message.fuzzy or not all(_forms(message)):
            missing.append(f"{filename}: {key!r}")
    assert not missing, (
        f"{len(missing)} text(s) without a {language} translation "
        "(run scripts/catalogs.sh, translate the empty entries):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_has_the_placeholders_of_its_text(language: str) -> None:
    wrong = []
    for message in _po(language):
        if not message.id:
            continue  # the header
        expected = set().union(*(_placeholders(text) for text in _ids(message)))
        for form in _forms(message):
            if form and _placeholders(form) != expected:
                wrong.append(f"{message.id!r}: {sorted(_placeholders(form))} != {sorted(expected)}")
    assert not wrong, "translations whose placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_installed_catalog_is_compiled_from_the_current_text(language: str) -> None:
    folder = i18n.LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{i18n.DOMAIN}.mo"
    assert compiled.exists(), f"{compiled.name} missing: run scripts/catalogs.sh"
    fresh = io.BytesIO()
    write_mo(fresh, _po(language), use_fuzzy=False)
    fresh.seek(0)
    with compiled.open("rb") as installed:
        assert _entries(read_mo(installed)) == _entries(read_mo(fresh)), (
            f"{compiled} is older than its .po: run scripts/catalogs.sh"
        )


def _entries(catalog: Catalog) -> dict[object, object]:
    """id -> translation; a plural's forms as tuples, so that they compare (and hash)."""
    return {
        tuple(m.id) if isinstance(m.id, list | tuple) else m.id: (
            tuple(m.string) if isinstance(m.string, list | tuple) else m.string
        )
        for m in catalog
    }


def _calls(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    for node in ast.walk(tree):
        is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if is_call and node.func.id in KEYWORDS:
            yield node.func.id, node


def _is_marked(value: ast.expr, marked: set[str]) -> bool:
    """A text marked with ``N_`` (or a constant bound to one), or a dict of them."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return value.func.id == "N_"
    if isinstance(value, ast.Dict):
        return bool(value.values) and all(_is_marked(item, marked) for item in value.values)
    return isinstance(value, ast.Name) and value.id in marked


def _marked_constants(trees: list[ast.AST]) -> set[str]:
    """The names bound to ``N_`` texts (or dicts of them) anywhere in the package: the
    constants that ``_(CONSTANT)`` translates where they are shown."""
    marked: set[str] = set()
    for _round in range(2):  # a dict of constants marked elsewhere: their names first
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign) and _is_marked(node.value, marked):
                    marked |= {target.id for target in node.targets if isinstance(target, ast.Name)}
                elif (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Name)
                    and node.value is not None
                    and _is_marked(node.value, marked)
                ):
                    marked.add(node.target.id)
    return marked


def _refers_to_marked(arg: ast.expr, marked: set[str]) -> bool:
    """``CONSTANT``, ``module.CONSTANT``, ``TEXTS[key]`` or ``TEXTS.get(key, CONSTANT)``."""
    if isinstance(arg, ast.Name):
        return arg.id in marked
    if isinstance(arg, ast.Attribute):
        return arg.attr in marked
    if isinstance(arg, ast.Subscript):
        return _refers_to_marked(arg.value, marked)
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "get":
        defaults = arg.args[1:]
        return _refers_to_marked(arg.func.value, marked) and all(
            _refers_to_marked(default, marked) for default in defaults
        )
    return False


def test_every_marked_text_is_a_literal_so_that_it_can_be_extracted() -> None:
    """``_(f"...")`` or ``_(variable)`` is never in a catalog: it would stay English.
    ``_(CONSTANT)`` is the one exception: a constant whose text ``N_`` marked."""
    paths = sorted(PACKAGE.rglob("*.py"))
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in paths]
    marked = _marked_constants(trees)
    wrong = []
    for path, tree in zip(paths, trees, strict=True):
        for name, call in _calls(tree):
            literals = 2 if name == "ngettext" else 1
            texts = call.args[:literals]
            if len(texts) < literals or not all(
                (isinstance(arg, ast.Constant) and isinstance(arg.value, str))
                or (name == "_" and _refers_to_marked(arg, marked))
                for arg in texts
            ):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{call.lineno} {name}(...)")
    assert not wrong, "texts marked for translation that are not literals:\n" + "\n".join(wrong)
