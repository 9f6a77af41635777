"""Make CSV files we write safe to open in a spreadsheet, and keep fiscal codes out of sight.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which
some spreadsheets skip before looking) is taken as a formula by Excel and LibreOffice:
a crafted input cell could run a command on the operator's machine when the results
or error report is opened ("CSV injection"). Prefixing a single quote makes the
spreadsheet show the text as it is.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"  # applies to several columns at once, names kept


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised ``neutralise`` over a String expression (nulls stay null)."""
    return expr.str.replace(_FORMULA_PATTERN, "'$0")


def restore(value: str) -> str:
    """Undo ``neutralise``: what a results file says, read back as the original cell."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def restore_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised ``restore``: a rerun sends the input's cells, not their safe form."""
    return expr.str.replace(r"^'([=+\-@\t\r])", "$1")


def mask_fiscal_code(code: str) -> str:
    """``RSSMRA85T10A562S`` -> ``RSS************S``: enough to tell rows apart, not to identify.

    Never returns the code whole: a short value keeps at most its first character.
    """
    if len(code) >= 8:
        return code[:3] + "*" * (len(code) - 4) + code[-1]
    return code[:1] + "*" * max(len(code) - 1, 0)


def mask_fiscal_code_expr(expr: pl.Expr) -> pl.Expr:
    """The vectorised ``mask_fiscal_code``."""
    length = expr.str.len_chars().cast(pl.Int64)
    stars = pl.lit("*" * 256)
    long_mask = expr.str.slice(0, 3) + stars.str.slice(0, length - 4) + expr.str.slice(-1, 1)
    short_mask = expr.str.slice(0, 1) + stars.str.slice(0, (length - 1).clip(lower_bound=0))
    return pl.when(length >= 8).then(long_mask).otherwise(short_mask)
