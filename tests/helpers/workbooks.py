"""Fixture workbooks, written in the tests by openpyxl (a dev-only dependency) or by hand.

``write_xlsx`` takes rows of Python values: a ``str`` is a text cell, an ``int``/``float``
a number cell, a ``datetime`` a date cell, a ``bool`` a boolean cell, ``None`` an empty
cell; a string starting with ``=`` is a formula (openpyxl stores no cached value).
``write_ods`` writes a minimal OpenDocument spreadsheet of text and number cells.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "Dati",
    before: Sequence[str] = (),
    hidden_rows: Sequence[int] = (),
    hidden_columns: Sequence[str] = (),
    merged: Sequence[str] = (),
    start_row: int = 1,
) -> Path:
    """``before``: names of hidden sheets put first; ``start_row``: the sheet row of
    ``rows[0]`` (rows above it stay empty)."""
    from openpyxl import Workbook  # noqa: PLC0415 - dev-only

    book = Workbook()
    first = book.active
    assert first is not None
    for name in before:
        hidden = book.create_sheet(name)
        hidden.append(["nothing", "here"])
        hidden.sheet_state = "hidden"
    target = book.create_sheet(sheet)
    book.remove(first)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, 1):
            if value is not None:
                target.cell(row=start_row + offset, column=column, value=value)
    for number in hidden_rows:
        target.row_dimensions[number].hidden = True
    for letter in hidden_columns:
        target.column_dimensions[letter].hidden = True
    for cells in merged:
        target.merge_cells(cells)
    book.save(path)
    return path


def write_ods(path: Path, rows: Sequence[Sequence[str | float]], sheet: str = "Foglio1") -> Path:
    """A minimal .ods: text cells for ``str``, float cells for numbers."""
    body = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{escape(value)}'
                    "</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value!r}">'
                    f"<text:p>{value!r}</text:p></table:table-cell>"
                )
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
        f"{''.join(body)}</table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path
