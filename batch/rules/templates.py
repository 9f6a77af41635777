"""Message templates (parsed with the job, ``config/template.py``) filled with the row's
(trimmed) cells, and the lengths they count.

IO counts subject and markdown lengths in UTF-16 code units (JavaScript's
``string.length``): a character outside the Basic Multilingual Plane, such as most
emoji, counts 2. The length of a filled template is the length of its literal text
plus the lengths of the cells it takes, so it can be checked without building the
text, which keeps the dry run fast on long markdown bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from batch.config.template import Template
from batch.identifiers.text import utf16_length

#: Characters above U+FFFF: two UTF-16 code units each (a surrogate pair).
_ASTRAL = r"[\x{10000}-\x{10FFFF}]"


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


def literal_lengths(template: Template) -> tuple[int, int]:
    """UTF-16 units and code points of the text around the placeholders that every
    message has (optional sections left out)."""
    text = template.literal_text
    return utf16_length(text), len(text)


def render(template: Template, cells: Mapping[str, str]) -> str:
    """Fill in the placeholders; ``cells`` maps placeholder names to trimmed values. An
    optional section appears only when its column's value is not empty."""
    pieces: list[str] = []
    for group in template.groups:
        if group.section is not None and not cells[group.section]:
            continue
        for literal, name in group.parts:
            pieces.append(literal)
            if name is not None:
                pieces.append(cells[name])
    return "".join(pieces)


def render_expr(template: Template, column: Callable[[str], pl.Expr]) -> pl.Expr:
    """The vectorised ``render``; ``column(name)`` gives a placeholder's trimmed values."""
    pieces: list[pl.Expr] = []
    for group in template.groups:
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
    template: Template,
    literal: Callable[[str], int],
    cell: Callable[[str], pl.Series],
    present: Callable[[str], pl.Series],
    height: int,
) -> pl.Series:
    """Per row, the filled template's length (Int64) under one way of counting:
    ``literal(text)`` counts a piece of the template, ``cell(name)`` gives the counts of a
    placeholder's values, and ``present(section)`` says in which rows a section appears.
    A bound (bytes for the longest, bytes / 4 for the shortest) or exact."""
    total = pl.repeat(0, height, dtype=pl.Int64, eager=True)
    for group in template.groups:
        length = pl.repeat(
            sum(literal(text) for text, _name in group.parts), height, dtype=pl.Int64, eager=True
        )
        for _text, name in group.parts:
            if name is not None:
                length = length + cell(name)
        if group.section is not None:
            length = length * present(group.section).cast(pl.Int64)
        total = total + length
    return total
