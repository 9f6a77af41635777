"""``[input] exclude``: the list of citizens never to message, read and checked up front.

The file may be:

- a plain list: one fiscal code or SHA-256 digest a line, no header (blank lines and
  lines starting with ``#`` are skipped). It is recognised by its first line, which is
  then a code or a digest rather than a column name; a workbook of one column with no
  header alike, by its first filled row;
- a CSV (any separator or encoding ``read`` takes) or a workbook with a header: the
  values are taken from its only column, or else from the column that matches the job's
  ``[columns] fiscal_code`` name (``names``' rule).

Each value is a fiscal code (normalised as the input's are) or 64 hex digits, the
SHA-256 of an upper-case code. Anything else refuses the list (exit 3) with its line: a
list that cannot be trusted whole must not be half-applied.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from batch.config.job import Job
from batch.config.job_sections import InputSpec
from batch.errors import InputError
from batch.i18n import N_, _
from batch.identifiers import fiscal_code
from batch.input import encoding
from batch.input.header import LINE_COLUMN
from batch.input.read import open_input
from batch.input.workbook import is_workbook


def digest(code: str) -> str:
    """The list's hash of a (normalised, upper-case) fiscal code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ExclusionList:
    path: Path
    codes: frozenset[str]
    digests: frozenset[str]

    def __len__(self) -> int:
        return len(self.codes) + len(self.digests)

    @cached_property
    def _codes(self) -> pl.Series:  # built once per run, not once per batch
        return pl.Series(sorted(self.codes), dtype=pl.String).implode()

    @cached_property
    def _digests(self) -> pl.Series:
        return pl.Series(sorted(self.digests), dtype=pl.String).implode()

    def listed(self, fiscal_codes: pl.Series) -> pl.Series:
        """True for each (normalised) code that the list names, as a code or a digest."""
        found = fiscal_codes.is_in(self._codes)
        if self.digests:
            # Hashing costs a pass in Python; only lists that hold digests pay for it.
            hashed = pl.Series([digest(code or "") for code in fiscal_codes.to_list()])
            found = found | hashed.is_in(self._digests)
        return found.fill_null(False)


_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
_HINT = N_(
    "each value must be a fiscal code or the lower-case hex SHA-256 of an upper-case one; "
    "fix or remove that line of the exclusion list"
)


def load_exclusions(job: Job) -> ExclusionList | None:
    """The job's exclusion list, or None when it has none."""
    path = job.input.exclude
    if path is None:
        return None
    codes: set[str] = set()
    digests: set[str] = set()
    for line, value in _values(path, job.columns.fiscal_code):
        entry = _strip(value)
        if not entry:
            continue
        if _DIGEST.fullmatch(entry):
            digests.add(entry.lower())
            continue
        code = fiscal_code.normalise(entry)
        if not fiscal_code.is_valid(code):
            raise InputError(
                _(
                    "exclusion list {path}, line {line}: {value} is neither a fiscal code "
                    "nor a SHA-256 digest"
                ).format(path=path, line=line, value=_shown(entry)),
                hint=_(_HINT),
            )
        codes.add(code)
    return ExclusionList(path, frozenset(codes), frozenset(digests))


def _strip(value: str) -> str:
    return value.strip().strip('"').strip()


def _shown(entry: str) -> str:
    """A bad entry, cut and with the middle of anything code-like masked."""
    text = entry[:24]
    return repr(text[:6] + "*" * max(0, len(text) - 10) + text[-4:] if len(text) > 10 else text)


def _is_entry(text: str) -> bool:
    entry = _strip(text)
    return bool(_DIGEST.fullmatch(entry)) or fiscal_code.is_valid(fiscal_code.normalise(entry))


def _values(path: Path, column: str) -> list[tuple[int, str]]:
    """(line number, raw value) of every entry of the list."""
    if not is_workbook(path):
        lines = _text_lines(path)
        lines = [(n, t) for n, t in lines if t.strip() and not t.lstrip().startswith("#")]
        if not lines or _is_entry(lines[0][1]):
            return lines
    with open_input(InputSpec(path), []) as source:
        values: list[tuple[int, str]] = []
        if len(source.header) == 1 and _is_entry(source.header[0]):
            # No header (a workbook's, as a plain list's): the first row is a code too.
            values.append((source.header_line, source.header[0]))
        if len(source.header) == 1:
            name = source.header[0]
        else:
            try:
                name = source.resolve(column)
            except InputError:
                raise InputError(
                    _(
                        "exclusion list {path} has several columns and none matches "
                        "{column}: {columns}"
                    ).format(
                        path=path,
                        column=repr(column),
                        columns=", ".join(map(repr, source.header)),
                    ),
                    hint=_("keep one column, or name the codes' column as [columns] fiscal_code"),
                ) from None
        for batch in source.batches():
            values.extend(zip(batch.get_column(LINE_COLUMN), batch.get_column(name), strict=True))
        return values


def _text_lines(path: Path) -> list[tuple[int, str]]:
    encoding.head_bytes(path, 1)  # a missing or unreadable file: the input's clear errors
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # a code is ASCII in any of them
    return list(enumerate(text.splitlines(), 1))
