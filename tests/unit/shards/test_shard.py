"""Shard membership: every code in exactly one shard, stable, blind to case and blanks."""

from __future__ import annotations

import random
import zlib

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from batch.identifiers.fiscal_code import generate
from batch.shards.assign import shard_numbers, shard_of

codes = st.one_of(
    st.text(max_size=40),
    st.builds(lambda seed: generate(random.Random(seed)), st.integers(0, 10**9)),
)
blanks = st.text(alphabet=" \t\u00a0\u3000", max_size=3)


@given(st.lists(codes, max_size=60), st.integers(1, 64))
def test_every_code_is_in_exactly_one_shard_and_the_column_agrees(
    cells: list[str], count: int
) -> None:
    numbers = shard_numbers(pl.Series("code", cells, dtype=pl.String), count).to_list()
    assert numbers == [shard_of(cell, count) for cell in cells]
    assert all(1 <= number <= count for number in numbers)


@given(codes, blanks, blanks, st.integers(1, 64))
def test_case_and_surrounding_blanks_do_not_move_a_code(
    code: str, before: str, after: str, count: int
) -> None:
    written = before + (code.lower() if code.isascii() else code) + after
    assert shard_of(written, count) == shard_of(code, count)


def test_the_assignment_is_crc32_of_the_normalised_code_fixed_for_ever() -> None:
    # Pinned values: a change of function or normalisation would move citizens between
    # the journals of a running campaign.
    assert zlib.crc32(b"RSSMRA85T10A562S") == 0x03F99267
    assert [shard_of("RSSMRA85T10A562S", n) for n in (2, 3, 4, 7)] == [
        0x03F99267 % n + 1 for n in (2, 3, 4, 7)
    ]
    assert shard_of(" rssmra85t10a562s\t", 7) == shard_of("RSSMRA85T10A562S", 7)
    assert shard_of("", 5) == zlib.crc32(b"") % 5 + 1
    # Not ASCII: kept as written (never folded into another code), still in one shard.
    assert shard_of("\u017f", 5) == zlib.crc32("\u017f".encode()) % 5 + 1


def test_a_null_cell_counts_as_empty() -> None:
    assert (
        shard_numbers(pl.Series("c", [None, ""], dtype=pl.String), 5).to_list()
        == [shard_of("", 5)] * 2
    )


def test_shards_are_balanced_on_a_real_population() -> None:
    rng = random.Random(5)
    cells = pl.Series("c", [generate(rng) for _ in range(4000)])
    sizes = shard_numbers(cells, 4).value_counts()["count"].to_list()
    assert min(sizes) > 900  # 1000 expected each
