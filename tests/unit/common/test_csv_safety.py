"""Spreadsheet safety of the CSV files we write, and fiscal code masking."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.common.csv_safety import (
    mask_fiscal_code,
    mask_fiscal_code_expr,
    neutralise,
    neutralise_expr,
    restore,
    restore_expr,
)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+39 333", "'+39 333"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Mario", "Mario"),
        ("a=1", "a=1"),
        ("", ""),
        ("'=1", "'=1"),
    ],
)
def test_neutralise(value: str, safe: str) -> None:
    assert neutralise(value) == safe
    frame = pl.DataFrame({"a": [value], "b": [value]})
    out = frame.select(neutralise_expr(pl.col("a", "b")))
    assert out.columns == ["a", "b"]
    assert out.row(0) == (safe, safe)


@given(st.text())
def test_vectorised_neutralise_matches_the_scalar_one(value: str) -> None:
    frame = pl.DataFrame({"a": [value]})
    assert frame.select(neutralise_expr(pl.col("a"))).item() == neutralise(value)


def test_neutralise_expr_keeps_nulls() -> None:
    frame = pl.DataFrame({"a": [None, "=x"]}, schema={"a": pl.String})
    assert frame.select(neutralise_expr(pl.col("a"))).to_series().to_list() == [None, "'=x"]


@pytest.mark.parametrize(
    ("code", "masked"),
    [
        ("RSSMRA85T10A562S", "RSS************S"),
        ("RSSMRA85", "RSS****5"),
        ("ABCDEFG", "A******"),
        ("A", "A"),
        ("", ""),
    ],
)
def test_mask(code: str, masked: str) -> None:
    assert mask_fiscal_code(code) == masked
    frame = pl.DataFrame({"c": [code]})
    assert frame.select(mask_fiscal_code_expr(pl.col("c"))).item() == masked


@given(st.text(min_size=2, max_size=80))
def test_mask_never_returns_the_whole_value(code: str) -> None:
    assert (
        mask_fiscal_code(code) != code
        or set(code[1:]) == {"*"}
        or (len(code) >= 8 and set(code[3:-1]) <= {"*"})
    )
    assert len(mask_fiscal_code(code)) == len(code)


def test_restore_undoes_neutralise_for_every_formula_start() -> None:
    for cell in ["=1+1", "+39 333", "-5", "@SUM(A1)", "\tx", "plain", "'quoted", ""]:
        assert restore(neutralise(cell)) == cell
    frame = pl.DataFrame({"c": [neutralise("=x"), "ok", None]})
    assert frame.select(restore_expr(pl.col("c")))["c"].to_list() == ["=x", "ok", None]
