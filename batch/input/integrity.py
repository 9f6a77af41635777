"""Byte-level checks over the WHOLE input, streamed: what must stop a file, not a row.

Fed the file's bytes in order (as UTF-8) while the encoding is checked or the file is
transcoded, so they cost no extra pass:

- a NUL byte anywhere. No spreadsheet writes one in a text CSV: it is a damaged file, or
  UTF-16 without its mark, and a NUL that reached a message once went out inside it.
  The file stops (exit 3) rather than the row: the bytes around it cannot be trusted.
- a carriage return that does not end a CRLF line ("lone CR", the old Mac line end).
  Such a CR separates records for some programs and not for others: an editor shows two
  lines where ``wc -l`` counts one, so no line number would point at the right row. The
  file stops with a message that says how to save it again.
- (single-byte encodings only) a UTF-8 sequence after Windows-1252 text: the file
  mixes two encodings, and reading it as either sends garbled names ("NiccolÃ²").
"""

from __future__ import annotations

import re
from pathlib import Path

from batch.errors import InputError
from batch.i18n import N_, _

_RESAVE = N_(
    "open it in a text editor and save it with Windows (CRLF) or Unix (LF) line endings, "
    "or export it again from the spreadsheet as 'CSV UTF-8'"
)
#: A well-formed multi-byte UTF-8 sequence. In real Windows-1252 text these byte pairs
#: are mojibake themselves ("Ã²"), so finding one means UTF-8 text.
UTF8_SEQUENCE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)
_LONE_CR = re.compile(rb"\r(?!\n)")


class ByteChecks:
    """Checks the file's UTF-8 bytes chunk by chunk; raises ``InputError`` at the first
    NUL or lone CR, naming its physical line (lines end at LF, as everywhere else)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.line = 1  # the line the next chunk starts on
        self._cr_at_end = False  # the last chunk ended with a CR: is the next byte an LF?

    def feed(self, chunk: bytes) -> None:
        if self._cr_at_end and not chunk.startswith(b"\n"):
            raise self._lone_cr(self.line)
        self._cr_at_end = False
        nul = chunk.find(b"\x00")
        if nul >= 0:
            line = self.line + chunk.count(b"\n", 0, nul)
            raise InputError(
                _(
                    "{path} contains a NUL byte (an invisible zero character) on line "
                    "{line}: the file is damaged or is not a text CSV"
                ).format(path=self._path, line=line),
                hint=_(
                    "export it again from the spreadsheet as 'CSV UTF-8', "
                    "or remove the NUL characters with a text editor"
                ),
            )
        carriage_returns = chunk.count(b"\r")
        if carriage_returns and carriage_returns != chunk.count(b"\r\n"):
            lone = _LONE_CR.search(chunk)
            assert lone is not None  # more CRs than CRLFs
            if lone.start() < len(chunk) - 1:
                raise self._lone_cr(self.line + chunk.count(b"\n", 0, lone.start()))
            self._cr_at_end = True
        self.line += chunk.count(b"\n")

    def finish(self) -> None:
        if self._cr_at_end:
            raise self._lone_cr(self.line)

    def _lone_cr(self, line: int) -> InputError:
        return InputError(
            _(
                "{path}: line {line} holds a carriage return (CR) that is not followed by "
                "a line feed (old Mac line endings, CR only): some programs see a new row "
                "there and others do not, so the rows cannot be told apart safely"
            ).format(path=self._path, line=line),
            hint=_(_RESAVE),
        )


class MixedEncodingCheck:
    """For a file being read as Windows-1252 / Latin-1: stops at the first UTF-8 sequence."""

    def __init__(self, path: Path, first_single_byte_line: int) -> None:
        self._path = path
        self._single_byte_line = first_single_byte_line
        self._line = 1
        self._carry = b""  # the last bytes of the previous chunk: a sequence may straddle

    def feed(self, chunk: bytes) -> None:
        if not chunk.isascii():
            window = self._carry + chunk
            found = UTF8_SEQUENCE.search(window)
            if found is not None:
                before = max(found.start() - len(self._carry), 0)
                raise self._mixed(self._line + chunk.count(b"\n", 0, before))
        self._carry = chunk[-3:]
        self._line += chunk.count(b"\n")

    def _mixed(self, utf8_line: int) -> InputError:
        return InputError(
            _(
                "{path} mixes encodings: line {single_byte_line} is Windows-1252 "
                "(or Latin-1) and line {utf8_line} is UTF-8; read either way, some names "
                "would be sent garbled"
            ).format(path=self._path, single_byte_line=self._single_byte_line, utf8_line=utf8_line),
            hint=_(
                "save the whole file again from the spreadsheet as 'CSV UTF-8'; if it really "
                'is Windows-1252 throughout, set input.encoding = "cp1252" (or --encoding cp1252)'
            ),
        )
