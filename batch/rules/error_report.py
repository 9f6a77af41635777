"""The dry run's error report: every problem, one CSV line each, safe to open in Excel.

Columns: line, column, value, reason_code, reason. The file is owner-only (it quotes
the input); fiscal codes are masked, long values cut, and every cell neutralised so
that a spreadsheet never runs a formula from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

from batch.common.csv_safety import mask_fiscal_code_expr, neutralise_expr
from batch.common.files import open_private
from batch.common.text_fill import fill_expr
from batch.config.choices import DuplicatePolicy
from batch.i18n import _
from batch.input.header import LINE_COLUMN
from batch.rules.duplicates import FIRST
from batch.rules.io_rules import upper_ascii_expr
from batch.rules.plan import INVALID_COLUMN, REASON, REASON_CODE

REPORT_COLUMNS = ("line", "column", "value", "reason_code", "reason")
DUPLICATE = "row.duplicate"
_VALUE_CHARS = 40


class ErrorReport:
    """The error report CSV: one line per problem, in line order (duplicates last)."""

    def __init__(self, path: Path, fiscal_code: str, policy: DuplicatePolicy) -> None:
        """``fiscal_code``: the column a duplicate is reported in; ``policy``: the job's
        duplicates policy. (The problem rows come ready from ``problem_rows``.)"""
        self.path = path
        self._fiscal_code = fiscal_code
        self._policy = policy
        self._file: IO[str] = open_private(path, "w")
        self._file.write(",".join(REPORT_COLUMNS) + "\n")

    def write(self, rows: pl.DataFrame) -> None:
        """Rows made by ``problem_rows``."""
        rows.write_csv(self._file, include_header=False, line_terminator="\n")

    def duplicates(self, duplicates: pl.DataFrame) -> None:
        """Rows the policy would not send: ``line`` and ``first_line`` (the one sent)."""
        if not duplicates.height:
            return
        same = (
            _("same recipient and content as line {line}")
            if self._policy is DuplicatePolicy.SEND_ONCE
            else _("same recipient as line {line}")
        )
        self._write(
            duplicates.select(
                pl.col("line"),
                pl.lit(self._fiscal_code).alias("column"),
                pl.lit("").alias("value"),
                pl.lit(DUPLICATE).alias("reason_code"),
                fill_expr(same, line=pl.col(FIRST)).alias("reason"),
            )
        )

    def _write(self, rows: pl.DataFrame) -> None:
        self.write(rows.with_columns(neutralise_expr(pl.col(pl.String))))

    def close(self) -> None:
        self._file.close()


def problem_rows(invalid: pl.DataFrame, columns: list[str], fiscal_code: str) -> pl.DataFrame:
    """The report lines of a batch's invalid rows, ready to write (safe on any thread).

    ``columns``: the input columns a problem can be in; ``fiscal_code``: the one masked.
    """
    column = pl.col(INVALID_COLUMN)
    value: pl.Expr = pl.lit("", dtype=pl.String)
    for name in columns:
        cell = pl.col(name)
        if name == fiscal_code:
            cell = mask_fiscal_code_expr(upper_ascii_expr(cell.str.strip_chars()))
        value = pl.when(column == name).then(cell).otherwise(value)
    rows = invalid.select(
        pl.col(LINE_COLUMN).alias("line"),
        column.alias("column"),
        _shorten(value).alias("value"),
        pl.col(REASON_CODE).alias("reason_code"),
        pl.col(REASON).alias("reason"),
    )
    # A batch of damaged lines repeats a few reasons of a couple of hundred characters on
    # every row, and the report lines wait for their turn to be written: held as categories
    # (a number a row), they cost a fraction of the text.
    safe = rows.with_columns(neutralise_expr(pl.col(pl.String)))
    return safe.with_columns(pl.col("reason").cast(pl.Categorical))


def _shorten(value: pl.Expr) -> pl.Expr:
    return (
        pl.when(value.str.len_chars() > _VALUE_CHARS)
        .then(value.str.slice(0, _VALUE_CHARS - 1) + pl.lit("…"))
        .otherwise(value)
    )
