"""Message templates: ``{column}`` placeholders filled with the row's (trimmed) cells.

IO counts subject and markdown lengths in UTF-16 code units (JavaScript's
``string.length``): a character outside the Basic Multilingual Plane, such as most
emoji, counts 2. The length of a filled template is the length of its literal text
plus the lengths of the cells it takes, so it can be checked without building the
text, which keeps the dry run fast on long markdown bodies.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

#: Characters above U+FFFF: two UTF-16 code units each (a surrogate pair).
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"
#: Unicode White_Space: what polars' ``strip_chars()`` removes. Python's ``str.strip()``
#: also removes U+001C..U+001F, so scalar code trims with this set to agree with polars.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def trim(text: str) -> str:
    """``text`` without surrounding blanks, exactly as the vectorised checks trim it."""
    return text.strip(WHITESPACE)


def utf16_length(text: str) -> int:
    """``text``'s length as IO (JavaScript) counts it."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def utf16_length_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised ``utf16_length`` (Int64)."""
    return expr.str.len_chars().cast(pl.Int64) + expr.str.count_matches(_ASTRAL).cast(pl.Int64)


def utf16_lengths(values: pl.Series) -> pl.Series:
    """The vectorised ``utf16_length`` (Int64), cheap on mostly-ASCII columns.

    Only values with a non-ASCII character can hold a surrogate pair, so the pattern
    search runs on those alone.
    """
    chars = values.str.len_chars().cast(pl.Int64)
    wide = (values.str.len_bytes().cast(pl.Int64) != chars).arg_true()
    if wide.len() == 0:
        return chars
    astral = values.gather(wide).str.count_matches(_ASTRAL).cast(pl.Int64)
    return chars.scatter(wide, chars.gather(wide) + astral)


#: ``{?column}`` opens an optional section, ``{/column}`` closes it: the text between
#: appears only in the rows where that column's (trimmed) cell is not empty. Neither ``?``
#: nor ``/`` can start a column name in a ``{column}`` placeholder, and markdown gives no
#: meaning to braces, so the syntax cannot clash with either.
OPEN = "?"
CLOSE = "/"

#: (literal text, placeholder after it or None)
Part = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class Group:
    """A run of the template: always there (``section`` None), or only in the rows where
    the column ``section`` is not empty."""

    section: str | None
    parts: tuple[Part, ...]


class TemplateSyntaxError(ValueError):
    """A section that is not closed, closed twice, or nested: the job file's mistake."""


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholder names in order, in groups."""

    groups: tuple[Group, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        groups: list[Group] = []
        section: str | None = None
        parts: list[Part] = []

        def close_group() -> None:
            if parts:
                groups.append(Group(section, tuple(parts)))
            parts.clear()

        for literal, name, _spec, _conv in string.Formatter().parse(text):
            if name is not None and name.startswith(OPEN):
                if section is not None:
                    raise TemplateSyntaxError(
                        f"{{{name}}} opens a section inside {{{OPEN}{section}}}: "
                        "sections do not nest"
                    )
                parts.append((literal, None))
                close_group()
                section = name[1:]
            elif name is not None and name.startswith(CLOSE):
                if section != name[1:]:
                    raise TemplateSyntaxError(
                        f"{{{name}}} closes no open {{{OPEN}{name[1:]}}} section"
                    )
                parts.append((literal, None))
                close_group()
                section = None
            else:
                parts.append((literal, name))
        if section is not None:
            raise TemplateSyntaxError(
                f"the section {{{OPEN}{section}}} is not closed with {{{CLOSE}{section}}}"
            )
        close_group()
        return cls(tuple(groups))

    @property
    def placeholders(self) -> list[str]:
        """The columns the template reads: placeholders and sections' columns, once each."""
        names: list[str] = []
        for group in self.groups:
            if group.section is not None:
                names.append(group.section)
            names += [name for _literal, name in group.parts if name is not None]
        return list(dict.fromkeys(names))

    @property
    def sections(self) -> list[str]:
        return [group.section for group in self.groups if group.section is not None]

    @property
    def literal_length(self) -> int:
        """UTF-16 length of the text around the placeholders, outside sections (the part
        every message has)."""
        return sum(
            utf16_length(literal)
            for group in self.groups
            if group.section is None
            for literal, _name in group.parts
        )

    @property
    def literal_code_points(self) -> int:
        """Code points of that text (the spec's JSON Schema count)."""
        return sum(
            len(literal)
            for group in self.groups
            if group.section is None
            for literal, _name in group.parts
        )

    def render(self, cells: Mapping[str, str]) -> str:
        """Fill in the placeholders; ``cells`` maps placeholder names to trimmed values."""
        pieces: list[str] = []
        for group in self.groups:
            if group.section is not None and not cells[group.section]:
                continue
            for literal, name in group.parts:
                pieces.append(literal)
                if name is not None:
                    pieces.append(cells[name])
        return "".join(pieces)

    def render_expr(self, column: Callable[[str], pl.Expr]) -> pl.Expr:
        """The vectorised ``render``; ``column(name)`` gives a placeholder's trimmed values."""
        pieces: list[pl.Expr] = []
        for group in self.groups:
            inner: list[pl.Expr] = []
            for literal, name in group.parts:
                if literal:
                    inner.append(pl.lit(literal))
                if name is not None:
                    inner.append(column(name))
            if not inner:
                continue
            joined = inner[0] if len(inner) == 1 else pl.concat_str(inner)
            if group.section is not None:
                joined = pl.when(column(group.section) != "").then(joined).otherwise(pl.lit(""))
            pieces.append(joined)
        if not pieces:
            return pl.lit("")
        return pl.concat_str(pieces)

    def measure(
        self,
        literal: Callable[[str], int],
        cell: Callable[[str], pl.Series],
        present: Callable[[str], pl.Series],
        height: int,
    ) -> pl.Series:
        """Per row, the filled template's length (Int64) under one way of counting:
        ``literal(text)`` counts a piece of the template, ``cell(name)`` gives the counts
        of a placeholder's values, and ``present(section)`` says in which rows a section
        appears. A bound (bytes for the longest, bytes / 4 for the shortest) or exact."""
        total = pl.repeat(0, height, dtype=pl.Int64, eager=True)
        for group in self.groups:
            length = pl.repeat(
                sum(literal(text) for text, _name in group.parts),
                height,
                dtype=pl.Int64,
                eager=True,
            )
            for _text, name in group.parts:
                if name is not None:
                    length = length + cell(name)
            if group.section is not None:
                length = length * present(group.section).cast(pl.Int64)
            total = total + length
        return total
