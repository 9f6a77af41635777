"""A translated text whose placeholders are filled per row, inside a polars expression.

A reason built over a whole batch (``"cell {cell} shows the error {error}"`` for a
million rows) cannot call ``str.format`` per row: the text is translated once, then cut
at its ``{name}`` placeholders and joined with the expressions that give each row's
values. Italian puts the values in another order than English, so the pieces follow the
translated text, never the English one.
"""

from __future__ import annotations

import re

import polars as pl

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_expr(template: str, **values: pl.Expr | str | int) -> pl.Expr:
    """``template`` (already translated) with each ``{name}`` replaced by ``values[name]``:
    an expression (a row's value, cast to text) or a constant. A row whose value is null
    gets null, as ``+`` of texts does."""
    pieces: list[pl.Expr] = []
    for index, part in enumerate(_PLACEHOLDER.split(template)):
        if index % 2 == 0:
            if part:
                pieces.append(pl.lit(part))
            continue
        value = values[part]
        if isinstance(value, pl.Expr):
            pieces.append(value.cast(pl.String))
        else:
            pieces.append(pl.lit(str(value)))
    if not pieces:
        return pl.lit("")
    return pl.concat_str(pieces)
