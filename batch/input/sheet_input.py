"""What every sheet reader (``.xlsx``/``.xls`` and ``.ods``) reads alike: a sheet has no
byte chunks, so the dry run's three-step reading hands every row to the exact path,
which is ``batches``; its size is the file's."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from batch.input.source import Chunk, InputSource


class SheetInput(InputSource):
    """An ``InputSource`` of a workbook's sheet (set ``header_line`` while it opens)."""

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def chunks(self) -> Iterator[Chunk]:
        yield (self.header_line + 1, b"", 0)

    def chunk_frames(self, chunk: Chunk, batch_size: int) -> tuple[list[pl.DataFrame], int | None]:
        return [], chunk[0]

    def exact_batches(self, first_line: int, batch_size: int) -> Iterator[pl.DataFrame]:
        return self.batches(batch_size)
