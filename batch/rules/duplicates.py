"""Duplicate rows in a file of any size, for the dry run (the send path has its journal).

Each valid row contributes a 64-bit key (its content hash under the job's duplicates
policy) and its line. Keys stay in memory up to ``spill_rows``; beyond that they are
written to private temporary files, split by key into partitions, so that the final
search holds one partition at a time: memory stays flat however long the file.
Two different rows share a 64-bit key with odds of about n^2 / 2^65 (3e-6 for ten
million rows): acceptable for a dry run's count.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl

KEY = "key"
LINE = "line"
FIRST = "first_line"


class DuplicateFinder:
    def __init__(self, *, spill_rows: int = 2_000_000, partitions: int = 16) -> None:
        self._spill_rows = spill_rows
        self._partitions = partitions
        self._buffer: list[pl.DataFrame] = []
        self._buffered = 0
        self._folder: Path | None = None
        self._files: list[list[Path]] = [[] for _ in range(partitions)]

    def add(self, keys: pl.Series, lines: pl.Series) -> None:
        """Keys (UInt64) and lines (Int64) of valid rows, in line order."""
        frame = pl.DataFrame({KEY: keys.cast(pl.UInt64), LINE: lines.cast(pl.Int64)})
        self._buffer.append(frame)
        self._buffered += frame.height
        if self._buffered >= self._spill_rows:
            self._spill()

    def finish(self) -> pl.DataFrame:
        """Every later row with the key of an earlier one: ``line``, ``first_line``, by line."""
        try:
            if self._folder is None:
                return _later_rows(pl.concat(self._buffer) if self._buffer else _empty())
            self._spill()
            found = [
                _later_rows(pl.concat([pl.read_ipc(path) for path in files]))
                for files in self._files
                if files
            ]
            return pl.concat(found).sort(LINE) if found else _later_rows(_empty())
        finally:
            self.close()

    def close(self) -> None:
        self._buffer = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _spill(self) -> None:
        if not self._buffer:
            return
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="io-batch-keys-"))  # mode 0700
        frame = pl.concat(self._buffer)
        self._buffer, self._buffered = [], 0
        partition = (frame.get_column(KEY) % self._partitions).cast(pl.Int64)
        for number, part in frame.with_columns(partition.alias("_p")).group_by("_p"):
            index = int(str(number[0]))
            path = self._folder / f"p{index}-{len(self._files[index])}.ipc"
            part.drop("_p").write_ipc(path)
            self._files[index].append(path)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={KEY: pl.UInt64, LINE: pl.Int64})


def _later_rows(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.get_column(KEY).n_unique() == frame.height:
        return frame.select(LINE, pl.col(LINE).alias(FIRST)).clear()  # no duplicates at all
    # Most keys are unique: a hash pass keeps the repeated ones, then a window on those.
    return (
        frame.filter(pl.col(KEY).is_duplicated())
        .with_columns(pl.col(LINE).min().over(KEY).alias(FIRST))
        .filter(pl.col(LINE) != pl.col(FIRST))
        .select(LINE, FIRST)
        .sort(LINE)
    )
