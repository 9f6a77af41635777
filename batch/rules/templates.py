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

from batch.rules.text import utf16_length

#: Characters above U+FFFF: two UTF-16 code units each (a surrogate pair).
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"


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


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholder names, in order."""

    parts: tuple[tuple[str, str | None], ...]  # (literal text, placeholder after it or None)

    @classmethod
    def parse(cls, text: str) -> Template:
        parts = tuple(
            (literal, name) for literal, name, _spec, _conv in string.Formatter().parse(text)
        )
        return cls(parts)

    @property
    def placeholders(self) -> list[str]:
        return [name for _literal, name in self.parts if name is not None]

    @property
    def literal_length(self) -> int:
        """UTF-16 length of the text around the placeholders."""
        return sum(utf16_length(literal) for literal, _name in self.parts)

    @property
    def literal_code_points(self) -> int:
        """Code points of the text around the placeholders (the spec's JSON Schema count)."""
        return sum(len(literal) for literal, _name in self.parts)

    def render(self, cells: Mapping[str, str]) -> str:
        """Fill in the placeholders; ``cells`` maps placeholder names to trimmed values."""
        pieces: list[str] = []
        for literal, name in self.parts:
            pieces.append(literal)
            if name is not None:
                pieces.append(cells[name])
        return "".join(pieces)

    def render_expr(self, column: Callable[[str], pl.Expr]) -> pl.Expr:
        """The vectorised ``render``; ``column(name)`` gives a placeholder's values."""
        pieces: list[pl.Expr] = []
        for literal, name in self.parts:
            if literal:
                pieces.append(pl.lit(literal))
            if name is not None:
                pieces.append(column(name))
        if not pieces:
            return pl.lit("")
        return pl.concat_str(pieces)

    def length_expr(self, lengths: Callable[[str], pl.Expr]) -> pl.Expr:
        """UTF-16 length of the filled template; ``lengths(name)`` gives a cell's length."""
        total: pl.Expr = pl.lit(self.literal_length, dtype=pl.Int64)
        for name in self.placeholders:
            total = total + lengths(name)
        return total
