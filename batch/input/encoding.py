"""The input's text encoding: detect it, and turn a non-UTF-8 file into a private UTF-8 copy.

polars reads UTF-8 only, so a Windows-1252 / Latin-1 / UTF-16 export is transcoded
chunk by chunk into an owner-only temporary file (memory stays flat whatever the size).
Line breaks are ASCII in all these encodings, so the copy has the same physical lines
and every line number still points into the operator's own file.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from batch.errors import InputError
from batch.i18n import N_, _
from batch.input.integrity import ByteChecks, MixedEncodingCheck

CHUNK_BYTES = 1 << 20
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_FIX_ENCODING = N_(
    "save it from the spreadsheet as 'CSV UTF-8', or set input.encoding / --encoding"
)


class UndecodableError(InputError):
    """The file holds a byte sequence that the encoding it is read with does not define."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A UTF-8 file polars can read, and what the original was."""

    path: Path  # the input itself, or a private UTF-8 copy
    encoding: str  # the input's encoding: utf-8, utf-8-sig, cp1252, latin-1, utf-16
    temporary: bool  # path is our copy: delete it when done

    def discard(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def head_bytes(path: Path, size: int = 1 << 16) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise InputError(
            _("input file not found: {path}").format(path=path),
            hint=_("check input.path in the job file or --input"),
        ) from None
    except IsADirectoryError:
        raise InputError(
            _("the input is a folder, not a CSV file: {path}").format(path=path)
        ) from None
    except OSError as exc:
        raise InputError(
            _("cannot read the input file {path}: {error}").format(path=path, error=exc.strerror)
        ) from None


def prepare(path: Path, requested: str) -> Prepared:
    """Decide the encoding (``requested`` may be "auto") and give a UTF-8 file to read.

    UTF-8 is checked over the whole file here, before any row is used: a bad byte on the
    last line must stop the job before its first call, not after. The same pass checks
    the bytes (``input_integrity``: NUL, lone CR, and two encodings in one file).
    """
    head = head_bytes(path)
    if head.startswith(_UTF16_BOMS):
        if requested != "auto":
            raise InputError(
                _("{path} is UTF-16 (Excel's 'Unicode text'), not {encoding}").format(
                    path=path, encoding=requested
                ),
                hint=_(_FIX_ENCODING),
            )
        return transcode(path, "utf-16")
    if b"\x00" in head:
        raise InputError(
            _(
                "{path} contains NUL bytes: it is not a text CSV (or it is UTF-16 without a BOM)"
            ).format(path=path),
            hint=_(_FIX_ENCODING),
        )
    if requested in ("cp1252", "latin-1"):
        return transcode(path, requested)
    utf8 = "utf-8-sig" if head.startswith(_UTF8_BOM) else "utf-8"
    problem = _utf8_problem(path)
    if problem is None:
        return Prepared(path, utf8, False)
    line, ascii_before = problem
    if requested != "auto" or utf8 == "utf-8-sig" or not ascii_before:
        if ascii_before:
            problem_text = _("{path} is not valid UTF-8 at line {line}")
            hint = _('set input.encoding = "cp1252" (Windows) or "latin-1"')
        else:
            problem_text = _(
                "{path} is not valid UTF-8 at line {line}, although the lines before it are UTF-8"
            )
            hint = _("the file mixes encodings: {fix}").format(fix=_(_FIX_ENCODING))
        raise InputError(problem_text.format(path=path, line=line), hint=hint)
    # Plain ASCII up to a byte that is not UTF-8: a Windows (single-byte) export, unless
    # UTF-8 text follows (a file pasted together from two exports).
    return _transcode_single_byte(path, line)


def _utf8_problem(path: Path) -> tuple[int, bool] | None:
    """None for valid UTF-8; else the line of the first bad byte and whether all before
    it was ASCII. ASCII chunks (most of a typical file) are skipped at C speed."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    checks = ByteChecks(path)
    line = 1
    ascii_so_far = True
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            checks.feed(chunk)
            if chunk.isascii() and not decoder.getstate()[0]:
                line += chunk.count(b"\n")
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = chunk[: exc.start]
                return line + before.count(b"\n"), ascii_so_far and before.isascii()
            ascii_so_far = False
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, False
    checks.finish()
    return None


def transcode(path: Path, encoding: str, mixed: MixedEncodingCheck | None = None) -> Prepared:
    """Copy ``path`` into an owner-only temporary UTF-8 file, streaming; ``mixed`` (for a
    detected single-byte encoding) stops at UTF-8 text further on."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    checks = ByteChecks(path)
    descriptor, name = tempfile.mkstemp(prefix="io-batch-input-", suffix=".csv")  # mode 0600
    copy = Path(name)
    line = 1
    try:
        with path.open("rb") as source, os.fdopen(descriptor, "wb") as target:
            while chunk := source.read(CHUNK_BYTES):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad_line = line + chunk.count(b"\n", 0, exc.start)
                    raise UndecodableError(
                        f"{path} is not valid {encoding} at line {bad_line}",
                        hint='try input.encoding = "latin-1"' if encoding == "cp1252" else "",
                    ) from None
                if mixed is not None:
                    mixed.feed(chunk)
                line += chunk.count(b"\n")
                encoded = text.encode("utf-8")
                checks.feed(encoded)
                target.write(encoded)
            try:
                encoded = decoder.decode(b"", final=True).encode("utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    _("{path} ends in the middle of a {encoding} character").format(
                        path=path, encoding=encoding
                    )
                ) from None
            checks.feed(encoded)
            checks.finish()
            target.write(encoded)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return Prepared(copy, encoding, True)


def _transcode_single_byte(path: Path, first_non_utf8_line: int) -> Prepared:
    """cp1252 (what Windows exports), or Latin-1 when a byte cp1252 leaves undefined shows up."""
    try:
        return transcode(path, "cp1252", MixedEncodingCheck(path, first_non_utf8_line))
    except UndecodableError:
        # (a mixed file, a NUL, a lone CR raise other errors: Latin-1 would not help)
        return transcode(path, "latin-1", MixedEncodingCheck(path, first_non_utf8_line))
