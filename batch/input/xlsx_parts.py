"""The small parts of an ``.xlsx``/``.xlsm`` (a zip of XML parts, ECMA-376) that say how
to read a sheet: the workbook (sheet names, their state, the date system), its
relationships (which part holds which sheet), the styles (each cell style's number
format) and the shared strings (the text cells' strings, by index).

Everything but the shared strings is small and read whole. The shared strings can be
as many as the text cells: they are read in chunks and kept as one polars Series
(Arrow strings, a few dozen bytes each), not as Python objects.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import polars as pl

from batch.errors import InputError
from batch.i18n import _
from batch.input import xml_text
from batch.input.in_order import in_order
from batch.input.number_builtin import BUILTIN

_CHUNK = 8 << 20
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATION = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*>")
_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b[^>]*>")
_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"')
_OFFICE_APP = re.compile(rb"<(?:\w+:)?Application>(?:LibreOffice|OpenOffice)")
_SI = r"(?s)<(?:\w+:)?si>.*?</(?:\w+:)?si>|<(?:\w+:)?si/>"


@dataclass(frozen=True, slots=True)
class SheetEntry:
    name: str
    part: str | None  # the zip member, None when the relationships do not name it
    visible: bool


@dataclass(frozen=True, slots=True)
class Book:
    sheets: list[SheetEntry]
    date1904: bool
    #: The number format code of each cell style (``s`` attribute), by index.
    formats: list[str]
    #: Written by LibreOffice (or OpenOffice), as docProps/app.xml says.
    libreoffice: bool = False


def not_readable(path: Path, detail: str) -> InputError:
    kind = path.suffix.lower()
    return InputError(
        _("{path} is not a readable {kind} workbook ({detail})").format(
            path=path, kind=kind, detail=detail
        ),
        hint=_(
            "open it in Excel or LibreOffice and save it again as {kind}; a CSV must be named .csv"
        ).format(kind=kind),
    )


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
        archive.getinfo("xl/workbook.xml")
    except zipfile.BadZipFile:
        raise not_readable(path, "it is not a zip archive, as an .xlsx is") from None
    except KeyError:
        raise not_readable(path, "it has no xl/workbook.xml part") from None
    return archive


def read_book(archive: zipfile.ZipFile, path: Path) -> Book:
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = _relations(archive.read("xl/_rels/workbook.xml.rels"))
        styles = archive.read("xl/styles.xml") if _has(archive, "xl/styles.xml") else b""
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise not_readable(path, str(exc)) from None
    sheets = []
    for found in _SHEET.finditer(workbook):
        tag = found.group(0)
        name = _attribute(tag, b"name") or ""
        rid = _attribute(tag, b"r:id") or _attribute(tag, b"id") or ""
        state = _attribute(tag, b"state") or "visible"
        sheets.append(SheetEntry(name, relations.get(rid), state == "visible"))
    application = archive.read("docProps/app.xml") if _has(archive, "docProps/app.xml") else b""
    libreoffice = bool(_OFFICE_APP.search(application))
    return Book(sheets, bool(_DATE1904.search(workbook)), _formats(styles), libreoffice)


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _attribute(tag: bytes, name: bytes) -> str | None:
    found = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return None if found is None else xml_text.unescape(found.group(1).decode("utf-8"))


def _relations(data: bytes) -> dict[str, str]:
    out = {}
    for found in _RELATION.finditer(data):
        rid = _attribute(found.group(0), b"Id")
        target = _attribute(found.group(0), b"Target")
        if rid and target:
            out[rid] = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
    return out


def _formats(styles: bytes) -> list[str]:
    codes = dict(BUILTIN)
    for found in _NUM_FMT.finditer(styles):
        number = _attribute(found.group(0), b"numFmtId")
        code = _attribute(found.group(0), b"formatCode")
        if number is not None and number.isdigit() and code is not None:
            codes[int(number)] = code
    block = _CELL_XFS.search(styles)
    if block is None:
        return ["General"]
    out = []
    for found in _XF.finditer(block.group(1)):
        number = _attribute(found.group(0), b"numFmtId") or "0"
        # An id neither built in nor defined: Excel shows such a cell as General.
        out.append(codes.get(int(number), "General") if number.isdigit() else "General")
    return out or ["General"]


def _strings(chunk: bytes) -> pl.Series:
    """A piece's ``<si>`` items, in order, still escaped. As every spreadsheet program
    writes them (``<si><t>text</t></si>``): a line per item and literal searches; an item
    in several runs or with a phonetic guide, or any other spelling, the general way."""
    plain = _plain_strings(chunk)
    if plain is not None:
        return plain
    if chunk.count(b"<si>") + chunk.count(b"<si/>") != chunk.count(b"<si"):
        elements = pl.Series([chunk.decode()]).str.extract_all(_SI).explode().drop_nulls()
        return xml_text.runs_text(elements)
    items = xml_text.split_at(chunk.replace(b"<si/>", b"<si></si>"), b"<si>")
    xml = pl.col("xml")
    start = xml.str.find(">", literal=True) + 1
    simple = (
        xml.str.starts_with("<t")
        & xml.str.contains("</t>", literal=True)
        & ~xml.str.contains("<r", literal=True)
    )
    shown = items.select(
        pl.when(simple)
        .then(xml.str.slice(start, xml.str.find("</t>", literal=True) - start))
        .alias("text"),
        simple.alias("simple"),
        xml,
    )
    text = shown.get_column("text")
    others = ~shown.get_column("simple")
    if others.any():
        where = others.arg_true()
        elements = "<si>" + shown.get_column("xml").gather(where)
        text = text.scatter(where, xml_text.runs_text(elements))
    return text


def _plain_strings(chunk: bytes) -> pl.Series | None:
    """The items when every one is a single run (``<si><t>text</t></si>``, LibreOffice's
    and Excel's plain text): read by polars' CSV reader, a line per item and a field per
    tag (``<`` only ever starts a tag), as ``xlsx_dense`` reads rows; else None."""
    first = chunk.find(b"<si>")
    body = chunk[first:]
    if first < 0 or b"\n" in body or b"\r" in body:
        return None
    try:
        tags = pl.read_csv(
            io.BytesIO(body.replace(b"<si>", b"\n<si>")[1:]),
            has_header=False,
            separator="<",
            quote_char=None,
            columns=[1, 2, 3, 4, 5],
            schema={f"t{index}": pl.String for index in range(6)},
            truncate_ragged_lines=True,
            missing_columns="insert",
            extra_columns="ignore",
            comment_prefix=None,
        )
    except pl.exceptions.ComputeError:
        return None  # not UTF-8, say: the general way says what is wrong
    run = pl.col("t2")
    plain = tags.select(
        (
            (pl.col("t1") == "si>")
            & (run.str.starts_with("t>") | run.str.starts_with('t xml:space="preserve">'))
            & (pl.col("t3") == "/t>")
            & (pl.col("t4") == "/si>")
            & pl.col("t5").is_null()
        )
        .fill_null(False)
        .all()
    ).item()
    if not plain:
        return None
    return tags.select(run.str.slice(run.str.find(">", literal=True) + 1)).to_series().alias("text")


def _unescaped_strings(chunk: bytes) -> pl.Series:
    return xml_text.unescape_series(_strings(chunk)).alias("shared")


def shared_strings(archive: zipfile.ZipFile, path: Path) -> pl.Series:
    """The shared strings by index (an empty Series when the workbook has none)."""
    name = next(
        (n for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if _has(archive, n)), None
    )
    if name is None:
        return pl.Series("shared", [], dtype=pl.String)
    parts = []
    try:
        with archive.open(name) as stream:
            chunks = (
                chunk
                for chunk in xml_text.element_chunks(stream, b"</si>", _CHUNK)
                if b"<si" in chunk or b":si" in chunk
            )
            for part in in_order(chunks, _unescaped_strings, "shared-strings"):
                parts.append(part)
    except (zipfile.BadZipFile, zlib.error, OSError, UnicodeDecodeError, EOFError) as exc:
        raise not_readable(path, f"its shared strings cannot be read: {exc}") from None
    if not parts:
        return pl.Series("shared", [], dtype=pl.String)
    return pl.concat(parts).rename("shared")
