"""Compiles the gettext catalogs (``batch/i18n/locale/*/LC_MESSAGES/*.po``) into the
``.mo`` files that the package reads, whenever the package is built: a wheel, an sdist's
install or an editable install. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "batch" / "i18n" / "locale"


def compile_catalogs() -> None:
    """Each ``.po`` beside the package into its ``.mo`` (fuzzy entries left out, as
    msgfmt does: a translation nobody confirmed is not shown)."""
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)


class BuildWithCatalogs(build_py):
    """``build_py`` that first compiles the catalogs, so that package data carries them."""

    def run(self) -> None:
        compile_catalogs()
        super().run()


if __name__ == "__main__":  # setuptools runs this file so; scripts/catalogs.sh only imports
    setup(cmdclass={"build_py": BuildWithCatalogs})
