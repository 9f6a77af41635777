"""What a workbook's sheet hides: hidden rows and columns, merged cells.

A sheet holds its hidden cells like any other, and a merged block's value in its first
cell only. io-batch refuses such a sheet instead of guessing: a hidden row may be one
the office meant to leave out (or a filter), and a merged block a value meant for
several rows. This is the ``.xlsx``/``.xlsm`` check: ``note_piece`` on each piece of
the sheet's XML as the one pass reads it (``xlsx_book``), ``scan`` over the whole part
when that pass stopped early; legacy ``.xls`` files are binary (BIFF): ``xls_book``
reads the same facts from their records, and ``.ods`` sheets are checked by their own
reader (``ods_layout``).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from batch.input.xlsx_sheet import column_letters

_CHUNK = 1 << 20
_XLSX_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_XLSX_HIDDEN_ROW_AFTER = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_XLSX_HIDDEN_COL = re.compile(rb'<col\b[^>]*?\bhidden="(?:1|true)"[^>]*>')
_XLSX_MERGE = re.compile(rb'<mergeCell\b[^>]*?\bref="([A-Z0-9:]+)"')


@dataclass
class Hidden:
    """What the scan found (a few examples each, enough for the message)."""

    rows: list[str] = field(default_factory=list)
    columns: int = 0
    #: The hidden columns' letters, where the format tells them (a few, for the message).
    column_letters: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows or self.columns or self.merged)


def scan(path: str, suffix: str, sheet_name: str) -> Hidden | None:
    """Hidden rows/columns and merged cells of the sheet; None when not checkable."""
    try:
        with zipfile.ZipFile(path) as archive:
            if suffix in (".xlsx", ".xlsm"):
                part = _xlsx_sheet_part(archive, sheet_name)
                return None if part is None else _scan_xlsx(archive, part)
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, EOFError):
        return None  # the sheet was read; if its parts are not where expected, say nothing
    return None


def _xlsx_sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = archive.read("xl/workbook.xml")
    relations = archive.read("xl/_rels/workbook.xml.rels")
    for found in re.finditer(rb"<sheet\b[^>]*>", workbook):
        tag = found.group(0)
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\bid="([^"]*)"', tag)
        if name is None or rid is None or _xml_text(name.group(1)) != sheet_name:
            continue
        for relation in re.finditer(rb"<Relationship\b[^>]*>", relations):
            text = relation.group(0)
            if re.search(rb'\bId="' + re.escape(rid.group(1)) + rb'"', text):
                target = re.search(rb'\bTarget="([^"]*)"', text)
                if target is None:
                    return None
                value = target.group(1).decode()
                if value.startswith("/"):
                    return value.lstrip("/")
                return str(PurePosixPath("xl") / value)
    return None


def _scan_xlsx(archive: zipfile.ZipFile, part: str) -> Hidden:
    hidden = Hidden()
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            data = tail + chunk
            # Tags never span more than this much: matches wholly inside the overlap are
            # seen twice, and the lists below keep the first few distinct ones.
            note_piece(hidden, data, columns=chunk)
            tail = data[-4096:]
    return hidden


def note_piece(hidden: Hidden, piece: bytes, columns: bytes | None = None) -> None:
    """Note in ``hidden`` the hidden rows and columns and the merged cells that ``piece``
    of an ``.xlsx`` sheet's XML names (whole tags; ``columns``: where to count hidden
    columns, when the piece overlaps the one before). A plain search first: nearly every
    piece has neither, and then no pattern runs. LibreOffice writes hidden="false" on
    every row: look for a true one."""
    if b'hidden="1"' in piece or b'hidden="true"' in piece:
        for pattern in (_XLSX_HIDDEN_ROW, _XLSX_HIDDEN_ROW_AFTER):
            for found in pattern.finditer(piece):
                _add(hidden.rows, found.group(1).decode())
        for found in _XLSX_HIDDEN_COL.finditer(piece if columns is None else columns):
            hidden.columns += 1
            _add_columns(hidden.column_letters, found.group(0))
    if b"<mergeCell" in piece:
        for found in _XLSX_MERGE.finditer(piece):
            _add(hidden.merged, found.group(1).decode())


def _add_columns(found: list[str], tag: bytes) -> None:
    """The letters of a ``<col min="2" max="3">`` range (1-based column numbers)."""
    low = re.search(rb'\bmin="(\d+)"', tag)
    high = re.search(rb'\bmax="(\d+)"', tag)
    if low is None:
        return
    first = int(low.group(1))
    last = int(high.group(1)) if high else first
    for number in range(first, min(last, first + 3) + 1):
        _add(found, column_letters(number - 1))


def _add(found: list[str], value: str, limit: int = 3) -> None:
    if value not in found and len(found) < limit:
        found.append(value)


def _xml_text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")
